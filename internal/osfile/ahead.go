package osfile

import (
	"io"
	"sync"
)

// aheadSize is the size of the buffers an aheadWriter hands to its
// goroutine, and aheadBuffers how many it may fill before it waits.
const (
	aheadSize    = 1 << 20
	aheadBuffers = 3
)

// aheadWriter writes to w on another goroutine, so that the caller makes
// the next bytes while the last ones are written: encoding a large plan and
// the write system calls take comparable time, which one after the other
// add up (docs/benchmarks.md, "The plan file is written on another
// goroutine"). Writes are copied into buffers of aheadSize;
// Close writes what is left and returns the first error w gave. After an
// error the rest is dropped and Write fails.
type aheadWriter struct {
	w    io.Writer
	full chan []byte
	free chan []byte
	done chan struct{}
	buf  []byte
	made int
	mu   sync.Mutex
	err  error
}

func newAheadWriter(w io.Writer) *aheadWriter {
	a := &aheadWriter{w: w, full: make(chan []byte, aheadBuffers), free: make(chan []byte, aheadBuffers), done: make(chan struct{})}
	go a.run()
	return a
}

func (a *aheadWriter) run() {
	defer close(a.done)
	for b := range a.full {
		if a.failed() == nil {
			if _, err := a.w.Write(b); err != nil {
				a.mu.Lock()
				a.err = err
				a.mu.Unlock()
			}
		}
		a.free <- b[:0]
	}
}

func (a *aheadWriter) failed() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// next is an empty buffer: a new one while fewer than aheadBuffers exist,
// else one the goroutine has written.
func (a *aheadWriter) next() []byte {
	select {
	case b := <-a.free:
		return b
	default:
	}
	if a.made < aheadBuffers {
		a.made++
		return make([]byte, 0, aheadSize)
	}
	return <-a.free
}

func (a *aheadWriter) Write(p []byte) (int, error) {
	if err := a.failed(); err != nil {
		return 0, err
	}
	n := len(p)
	for len(p) > 0 {
		if a.buf == nil {
			a.buf = a.next()
		}
		k := copy(a.buf[len(a.buf):cap(a.buf)], p)
		a.buf, p = a.buf[:len(a.buf)+k], p[k:]
		if len(a.buf) == cap(a.buf) {
			a.full <- a.buf
			a.buf = nil
		}
	}
	return n, nil
}

// Close writes what is buffered, stops the goroutine and returns the first
// error of w. It may be called once.
func (a *aheadWriter) Close() error {
	if len(a.buf) > 0 {
		a.full <- a.buf
		a.buf = nil
	}
	close(a.full)
	<-a.done
	return a.failed()
}
