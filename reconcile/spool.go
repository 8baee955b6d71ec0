package reconcile

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/alignctl/alignctl/query"
)

// A plan of many assignment changes keeps them, and its CRM changes, in
// files rather than in Go: it is spooled (docs/engine.md, "Large plans stay
// in files"). The evaluation's diff writes the assignment changes straight
// to Parquet, the push preview writes the CRM records a push would write as
// it reads them, and the plan holds their counts and the few changes its
// views show. Saved, the files are the plan's body as they are; applied in
// the same process, the apply reads them in place, as it reads a saved
// plan's body. A first plan at 5 million accounts has millions of both,
// which held in Go took the process past its memory budget.

// DefaultSpoolAt is the number of assignment changes from which the plan
// command spools a plan (ALIGNCTL_PLAN_SPOOL_AT changes it).
const DefaultSpoolAt = 200_000

// What a spooled plan keeps of its assignment changes in AssignmentChanges,
// for its views: the first ShownFirst changes, and the first
// ShownPerTerritory of each territory.
const (
	ShownFirst        = 500
	ShownPerTerritory = 10
)

// shownFirst and shownPerTerritory are ShownFirst and ShownPerTerritory,
// which tests lower.
var shownFirst, shownPerTerritory = ShownFirst, ShownPerTerritory

// planSpool is what a spooled plan knows of the lists in its files.
type planSpool struct {
	changes int                 // assignment changes
	counts  []query.ChangeCount // per territory and action
	crm     *crmSpool
}

// CRMKind is a kind of CRM record write: what a plan's view counts.
type CRMKind struct {
	Instance string
	Object   string
	Action   query.CRMAction
}

// CountCRMKinds counts a list of CRM record writes per kind.
func CountCRMKinds(cs []CRMChange) map[CRMKind]int {
	counts := map[CRMKind]int{}
	for _, c := range cs {
		counts[CRMKind{c.Instance, c.Object, c.Action}]++
	}
	return counts
}

// CRMChangeKinds counts the plan's CRM changes per kind, spooled or not.
func (p *Plan) CRMChangeKinds() map[CRMKind]int {
	if p.spool != nil && p.spool.crm != nil {
		return p.spool.crm.kinds
	}
	return CountCRMKinds(p.CRMChanges)
}

// Spooled reports whether the plan keeps its assignment and CRM changes in
// files: AssignmentChanges then holds those its views show, CRMChanges
// none, and LoadBody reads them all.
func (p *Plan) Spooled() bool { return p.spool != nil }

// spoolChanges writes the diff's n changes to the plan's body files and
// keeps those the views show.
func (p *Plan) spoolChanges(ctx context.Context, db *query.DB, n int) error {
	dir, err := os.MkdirTemp("", "alignctl-plan-")
	if err != nil {
		return err
	}
	p.body = &bodyFiles{dir: dir, assignments: filepath.Join(dir, "assignment_changes.parquet"), crm: filepath.Join(dir, "crm_changes.parquet")}
	if err := p.diff.WriteParquet(ctx, p.body.assignments); err != nil {
		return fmt.Errorf("assignment changes: %w", err)
	}
	shown, err := db.ReadShownChanges(ctx, p.body.assignments, shownFirst, shownPerTerritory, query.Interner{})
	if err != nil {
		return err
	}
	counts, err := p.diff.Counts(ctx)
	if err != nil {
		return err
	}
	if shown != nil {
		p.AssignmentChanges = shown
	}
	p.spool = &planSpool{changes: n, counts: counts}
	return nil
}

// changeCount is the number of the plan's assignment changes.
func (p *Plan) changeCount() int {
	if p.spool != nil {
		return p.spool.changes
	}
	return len(p.AssignmentChanges)
}

// crmCount is the number of the plan's CRM changes.
func (p *Plan) crmCount() int {
	if p.spool != nil && p.spool.crm != nil {
		return p.spool.crm.n
	}
	return len(p.CRMChanges)
}

// crmSpool writes a spooled plan's CRM changes as they come, as JSON lines
// that DuckDB turns into the body's Parquet (as WriteSaved does), counting
// them per kind.
type crmSpool struct {
	lines string
	f     *os.File
	w     *bufio.Writer
	n     int
	kinds map[CRMKind]int
	buf   []byte
}

func newCRMSpool(dir string) (*crmSpool, error) {
	lines := filepath.Join(dir, "crm_changes.jsonl")
	f, err := os.Create(lines)
	if err != nil {
		return nil, err
	}
	return &crmSpool{lines: lines, f: f, w: bufio.NewWriterSize(f, 1<<20), kinds: map[CRMKind]int{}}, nil
}

func (s *crmSpool) add(c CRMChange) error {
	e := crmChangeToPublic(c)
	var err error
	if s.buf, err = appendLine(s.buf[:0], s.n, &e); err != nil {
		return err
	}
	s.n++
	s.kinds[CRMKind{c.Instance, c.Object, c.Action}]++
	_, err = s.w.Write(s.buf)
	return err
}

// finish writes the Parquet of the lines at path, and removes them.
func (s *crmSpool) finish(ctx context.Context, db *query.DB, path string) error {
	defer os.Remove(s.lines)
	err := s.w.Flush()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := db.ParquetOfJSON(ctx, crmJSON, crmFromJSON, s.lines, path); err != nil {
		return fmt.Errorf("CRM changes: %w", err)
	}
	return nil
}

// abandon closes and removes the lines of a spool that will not finish.
func (s *crmSpool) abandon() {
	s.f.Close()
	os.Remove(s.lines)
}
