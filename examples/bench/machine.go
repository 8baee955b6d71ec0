package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
)

// What the figures were measured on: a benchmark without its machine and
// commit says little.

func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss // KiB on Linux
	}
	return 0
}

func gib(kib int64) float64 { return float64(kib) / (1 << 20) }

func describeMachine(revision string) string {
	cpu := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	mem := ""
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) == nil {
		mem = fmt.Sprintf(", %.0f GiB", float64(si.Totalram)*float64(si.Unit)/(1<<30))
	}
	commit := revision
	if out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil && commit == "" {
		commit = strings.TrimSpace(string(out))
		if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
			commit += " with uncommitted changes"
		}
	}
	if commit == "" {
		commit = "unknown commit"
	}
	return fmt.Sprintf("%s, %d cores%s; %s; alignctl at %s; load average %s at the start",
		cpu, runtime.NumCPU(), mem, runtime.Version(), commit, loadAverage())
}

// loadAverage is the 1-minute load average: the machine is shared, and a
// high one says the figures are noisy.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}
