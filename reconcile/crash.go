package reconcile

import (
	"os"
	"syscall"
)

// CrashEnv names the environment variable of the crash test hook: when it
// holds the name of a crash point, the process kills itself there with
// SIGKILL, as a power cut or an OOM kill would, so that tests can check what
// the state and the CRM hold after a crash at the worst moments.
const CrashEnv = "ALIGNCTL_CRASH_AT"

// The crash points.
const (
	CrashImportBeforeCommit = "import.before-commit" // everything imported, the transaction not committed
	CrashApplyBeforeCommit  = "apply.before-commit"  // the plan written, the transaction not committed
	CrashPushAfterWrite     = "push.after-write"     // a batch written to the CRM, its result not recorded; ":OBJECT" waits for a batch of that object
	// The file CRM has one more, file.CrashTornAppend: half-way through
	// appending a batch to an object's file.
)

// crashPoint is a named point where the crash test hook may strike.
func crashPoint(name string) {
	if os.Getenv(CrashEnv) == name {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}
}
