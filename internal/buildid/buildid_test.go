package buildid

import "testing"

func TestExecutable(t *testing.T) {
	id := Executable()
	if len(id) != 64 {
		t.Fatalf("Executable() = %q, want 64 hex digits", id)
	}
	if again := Executable(); again != id {
		t.Errorf("Executable() = %q, then %q", id, again)
	}
}

func TestELFNote(t *testing.T) {
	// The test binary is an ELF file with a Go build ID on Linux; elsewhere
	// the fallback applies.
	if note := elfNote("/proc/self/exe"); note == nil {
		t.Skip("not an ELF executable here")
	}
	if elfNote("buildid_test.go") != nil {
		t.Error("a note from a file that is not an executable")
	}
}
