package cli

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
)

// goGCPercent is the collector's pacing when GOGC is not set: a heap may
// grow to five times what is live before a collection, rather than twice.
// Reading a config of 25,000 territories allocates much and keeps little,
// and the default pacing collected it over and over (docs/benchmarks.md,
// "Figures behind the code's choices"). goMemoryLimit keeps the large plans
// in check.
const goGCPercent = 400

// goMemoryLimit is the soft limit of the Go heap when GOMEMLIMIT is not set.
// DuckDB keeps to its own memory_limit (query.DefaultMemoryLimit, 4GB); with
// the collector's default pacing (GOGC=100) the Go heap of a plan of millions
// of changes could grow to twice what is live before a collection, which took
// the largest plans past the RSS budget (docs/benchmarks.md). Past this limit
// the collector runs sooner instead; it is soft, so a heap that really needs
// more still gets it, and followLiveHeap lifts the limit above what is live.
const goMemoryLimit = 1536 << 20

// softLimit is the soft limit for a Go runtime that holds live bytes of
// heap objects and overhead bytes of everything else the limit counts (free
// heap spans, fragmentation, stacks, metadata): base, or an eighth above the
// live heap when that is more. A limit at or just above what is live makes
// the collector run back to back without freeing anything: the changes of a
// large first plan can be more than the base limit live, and with a fixed
// limit, or one an eighth above the live heap without the overhead, the
// collector took most of a core for the end of the plan (docs/benchmarks.md,
// "The Go heap's soft limit follows the live heap"). The eighth bounds the
// garbage a large plan's heap may carry, so that the heap stays close to
// what is live, as the fixed limit meant it to.
func softLimit(base, live, overhead int64) int64 {
	return max(base, overhead+live+live/8)
}

// followLiveHeap keeps the soft limit at softLimit(base, ...), checked after
// every collection (a finalizer of an object made for the purpose runs once
// per cycle and makes the next one). after, when set, runs after each check
// and stops the checks by returning false (tests).
func followLiveHeap(base int64, after func(limit int64) bool) {
	sample := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
	}
	var arm func()
	arm = func() {
		sentinel := new([32]byte) // not a tiny allocation, so that its finalizer runs
		runtime.SetFinalizer(sentinel, func(*[32]byte) {
			metrics.Read(sample)
			var v [4]int64
			for i, s := range sample {
				if s.Value.Kind() == metrics.KindUint64 {
					v[i] = int64(s.Value.Uint64())
				}
			}
			live, counted, objects := v[0], v[1]-v[2], v[3]
			limit := softLimit(base, live, max(0, counted-objects))
			debug.SetMemoryLimit(limit)
			if after == nil || after(limit) {
				arm()
			}
		})
	}
	arm()
}

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
		followLiveHeap(goMemoryLimit, nil)
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
