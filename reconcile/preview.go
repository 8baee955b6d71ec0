package reconcile

import (
	"archive/zip"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/schema"
)

// Preview is the downloadable assignment preview of a plan: the alignment
// as the apply would leave it, the exclusions that kept accounts out, the
// territories in scope with their account counts, and the conflicts of
// exclusive field forces.
type Preview struct {
	Assignments []query.UniqueAssignment
	Exclusions  []query.Excluded
	Targets     []Target
	Exclusive   []query.Conflict
	// HasExclusive says a field force in scope is exclusive: only then is
	// exclusive_assignments.csv part of the preview.
	HasExclusive bool

	counts [2]map[string]int // accounts per territory before and after
}

// fillTargets lists the territories in scope (every territory when scope is
// nil) with their account counts before and after the apply.
func (p *Preview) fillTargets(cfg *schema.Config, scope []string) {
	for _, t := range cfg.Territories {
		if scope != nil && !slices.Contains(scope, t.ID) {
			continue
		}
		if ff := cfg.FieldForce(t.FieldForce); ff != nil && ff.Exclusive {
			p.HasExclusive = true
		}
		p.Targets = append(p.Targets, Target{Territory: t.ID, Name: t.Name, Before: p.counts[0][t.ID], After: p.counts[1][t.ID]})
	}
}

// Target is a territory of the preview and its accounts before and after.
type Target struct {
	Territory, Name string
	Before, After   int
}

// WriteZip writes the preview as a .zip of CSV files:
// unique_assignment_previews.csv always; exclusions.csv, targets.csv and
// exclusive_assignments.csv only when they have rows (the last only when a
// field force is exclusive), as the seed's downloadable preview does.
func (p *Preview) WriteZip(w io.Writer) error {
	zw := zip.NewWriter(w)
	files := []struct {
		name   string
		header []string
		rows   [][]string
		always bool
	}{
		{"unique_assignment_previews.csv", []string{"account", "territory", "sources"}, p.assignmentRows(), true},
		{"exclusions.csv", []string{"account", "territory", "source", "rule", "reason"}, p.exclusionRows(), false},
		{"targets.csv", []string{"territory", "name", "accounts_before", "accounts_after"}, p.targetRows(), false},
	}
	if p.HasExclusive {
		files = append(files, struct {
			name   string
			header []string
			rows   [][]string
			always bool
		}{"exclusive_assignments.csv", []string{"field_force", "account", "territories", "kept"}, p.exclusiveRows(), false})
	}
	for _, f := range files {
		if len(f.rows) == 0 && !f.always {
			continue
		}
		fw, err := zw.Create(f.name)
		if err != nil {
			return err
		}
		cw := csv.NewWriter(fw)
		if err := cw.Write(f.header); err != nil {
			return err
		}
		if err := cw.WriteAll(f.rows); err != nil {
			return fmt.Errorf("preview %s: %w", f.name, err)
		}
	}
	return zw.Close()
}

func (p *Preview) assignmentRows() [][]string {
	var out [][]string
	for _, a := range p.Assignments {
		out = append(out, []string{a.Account, a.Territory, strings.Join(a.Sources, ";")})
	}
	return out
}

func (p *Preview) exclusionRows() [][]string {
	var out [][]string
	for _, x := range p.Exclusions {
		rule := ""
		if x.Source == "rule" || x.Source == "hierarchy_rule" {
			rule = x.Origin
		}
		out = append(out, []string{x.Account, x.Territory, x.Source, rule, x.Reason})
	}
	return out
}

func (p *Preview) targetRows() [][]string {
	var out [][]string
	for _, t := range p.Targets {
		out = append(out, []string{t.Territory, t.Name, strconv.Itoa(t.Before), strconv.Itoa(t.After)})
	}
	return out
}

func (p *Preview) exclusiveRows() [][]string {
	var out [][]string
	for _, c := range p.Exclusive {
		out = append(out, []string{c.FieldForce, c.Account, strings.Join(c.Territories, ";"), c.Kept})
	}
	return out
}
