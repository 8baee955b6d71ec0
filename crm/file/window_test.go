package file_test

import (
	"path/filepath"
	"testing"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/crm/crmtest"
	"github.com/alignctl/alignctl/crm/file"
)

// The file CRM keeps its deletions forever: it has no window, and lists a
// deletion however old.
func TestDeletionWindowContract(t *testing.T) {
	crmtest.RunDeletionWindow(t, func(t *testing.T, seed map[string][][]string) crm.Connector {
		dir := t.TempDir()
		for object, rows := range seed {
			writeCSV(t, filepath.Join(dir, object+".csv"), rows)
		}
		return file.New(dir, clock)
	})
}
