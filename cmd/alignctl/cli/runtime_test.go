package cli

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestSoftLimit(t *testing.T) {
	const base = 1536 << 20
	for _, tc := range []struct{ live, overhead, want int64 }{
		{0, 0, base},
		{512 << 20, 64 << 20, base},
		{1024 << 20, 256 << 20, base},
		{base, 0, base + base/8},
		{1600 << 20, 100 << 20, 1900 << 20},
		{4 << 30, 1 << 30, 5<<30 + 512<<20},
	} {
		if got := softLimit(base, tc.live, tc.overhead); got != tc.want {
			t.Errorf("softLimit(%d, %d, %d) = %d, want %d", base, tc.live, tc.overhead, got, tc.want)
		}
	}
}

// After a collection the soft limit is above the live heap, however low the
// base: the collector does not spin on what is live.
func TestFollowLiveHeap(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	const base = 1 << 20
	debug.SetMemoryLimit(base)
	live := make([]byte, 64<<20)
	for i := range live {
		live[i] = byte(i)
	}
	checked := make(chan int64, 1)
	followLiveHeap(base, func(limit int64) bool {
		if limit <= int64(len(live)) {
			return true
		}
		checked <- limit
		return false
	})
	timeout := time.After(30 * time.Second)
	for {
		runtime.GC()
		select {
		case limit := <-checked:
			if now := debug.SetMemoryLimit(-1); now != limit {
				t.Fatalf("the check set %d, the limit is %d", limit, now)
			}
			runtime.KeepAlive(live)
			return
		case <-timeout:
			t.Fatal("no check above the 64 MiB live after the collections")
		case <-time.After(100 * time.Millisecond):
		}
	}
}
