package reconcile

import (
	"context"
	"fmt"
	"time"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/query"
)

// reconcileDeletionWindow finds the deletions a CRM no longer lists. A CRM
// that lists deleted records for a limited time (crm.DeletionWindow: Vault,
// 30 days) cannot say what was deleted before that; when the deletions
// watermark since is older, every id of each imported object is read, and
// the records the state holds that the CRM lacks are deleted ones, recorded
// like listed deletions with the import's time and no merge. The import
// warns that it did so, naming the instance and the objects.
func reconcileDeletionWindow(ctx context.Context, db *query.DB, src Source, objects []query.Object, since, now time.Time, rep *ImportReport) error {
	w, ok := src.CRM.(crm.DeletionWindow)
	if !ok || since.IsZero() || w.DeletionsCover(since) {
		return nil
	}
	var read []string
	var found []ObjectCount
	for _, obj := range objects {
		if obj.Name == crm.Deletions {
			continue
		}
		exp, err := w.ExportIDs(ctx, obj.Name)
		if err != nil {
			return fmt.Errorf("import %s %s: reading every id, since the deleted records the CRM lists do not reach back to %s: %w", src.Instance, obj.Name, since.UTC().Format(time.RFC3339), err)
		}
		if exp.Path == "" {
			exp.Cleanup()
			continue
		}
		var n int64
		staged, err := db.StageCSV(ctx, exp.Path, []string{"id"}, "", query.Staging{})
		if err == nil {
			n, err = db.DeleteAbsent(ctx, src.Instance, obj.Name, staged, now)
		}
		exp.Cleanup()
		if err != nil {
			return fmt.Errorf("import %s %s: %w", src.Instance, obj.Name, err)
		}
		read = append(read, obj.Name)
		if n > 0 {
			found = append(found, ObjectCount{Object: obj.Name, Count: n})
		}
	}
	rep.Warnings = append(rep.Warnings, Warning{Kind: WarnDeletionWindow, Instance: src.Instance, Since: since, Objects: read, PerObject: found})
	return nil
}
