package cli

import (
	"fmt"
	"os"
	"runtime/debug"
	"runtime/pprof"
)

// goGCPercent is the collector's pacing when GOGC is not set: a heap may
// grow to five times what is live before a collection, rather than twice.
// Reading a config of 25,000 territories allocates much and keeps little,
// and the default pacing collected it over and over (a quarter of the CPU
// time of validate at 1M accounts). goMemoryLimit keeps the large plans in
// check.
const goGCPercent = 400

// goMemoryLimit is the soft limit of the Go heap when GOMEMLIMIT is not set.
// DuckDB keeps to its own memory_limit (query.DefaultMemoryLimit, 4GB); with
// the collector's default pacing (GOGC=100) the Go heap of a plan of millions
// of changes could grow to twice what is live before a collection, which took
// a 5M-account plan past 6 GiB of RSS (docs/benchmarks.md). Past this limit
// the collector runs sooner instead; it is soft, so a heap that really needs
// more still gets it.
const goMemoryLimit = 1536 << 20

// setRuntime applies the process-wide settings of the alignctl binary (not of
// Run, which tests call in-process): the Go heap's soft limit and, with
// ALIGNCTL_CPUPROFILE=FILE, a CPU profile of the whole command for `go tool
// pprof`. It returns what to run at exit.
func setRuntime() (stop func()) {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(goGCPercent)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(goMemoryLimit)
	}
	path := os.Getenv("ALIGNCTL_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "alignctl: ALIGNCTL_CPUPROFILE=%s: %v (no profile taken)\n", path, err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
