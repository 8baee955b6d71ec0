// Package buildid names the running alignctl build, so that what one build
// cached beside the state is never read by another.
package buildid

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
)

// Executable identifies the running executable's code: a hash of the Go
// build ID the linker wrote into it (a hash of every input of the build), or
// where that cannot be read (a format other than ELF) of the file's path, size
// and modification time, which a new build changes. "" when neither can be
// read: then nothing may be cached.
func Executable() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", runtime.Version())
	if bi, ok := debug.ReadBuildInfo(); ok {
		fmt.Fprintf(h, "%s\x00%s\x00", bi.Main.Path, bi.Main.Version)
	}
	if note := elfNote(exe); note != nil {
		h.Write([]byte("elf\x00"))
		h.Write(note)
		return hex.EncodeToString(h.Sum(nil))
	}
	info, err := os.Stat(exe)
	if err != nil {
		return ""
	}
	fmt.Fprintf(h, "file\x00%s\x00%d\x00%d", exe, info.Size(), info.ModTime().UnixNano())
	return hex.EncodeToString(h.Sum(nil))
}

// elfNote is the content of the Go build ID note of an ELF executable (or the
// GNU build ID an external linker computes over the whole output), nil when
// the file has neither.
func elfNote(path string) []byte {
	f, err := elf.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	for _, name := range []string{".note.go.buildid", ".note.gnu.build-id"} {
		if s := f.Section(name); s != nil {
			if b, err := s.Data(); err == nil && len(b) > 0 {
				return b
			}
		}
	}
	return nil
}
