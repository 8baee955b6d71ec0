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
	// CycleTargets are the plan's cycle plan targets (Plan.CyclePlanTargets).
	CycleTargets []CyclePlanTarget
	Exclusive    []query.Conflict
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
		{"targets.csv", targetsHeader, p.targetRows(), false},
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

// targetsHeader is targets.csv's header (docs/rules.md, sentence 47): a row
// of kind territory per territory in scope with its accounts, one of kind
// cycle_plan per counted cycle plan with its targets and goals, and one of
// kind lost_target per target the plan takes away.
var targetsHeader = []string{"kind", "territory", "name", "cycle", "cycle_plan", "target", "account",
	"accounts_before", "accounts_after", "targets_before", "targets_after",
	"interactions_goal_before", "interactions_goal_after", "product_goal_before", "product_goal_after"}

func (p *Preview) targetRows() [][]string {
	plans := map[string][]TerritoryTargets{}
	for _, s := range perCyclePlan(p.CycleTargets) {
		plans[s.Territory] = append(plans[s.Territory], s)
	}
	var out [][]string
	for _, t := range p.Targets {
		out = append(out, []string{"territory", t.Territory, t.Name, "", "", "", "", strconv.Itoa(t.Before), strconv.Itoa(t.After), "", "", "", "", "", ""})
		for _, s := range plans[t.Territory] {
			out = append(out, []string{"cycle_plan", t.Territory, t.Name, s.Cycle, s.CyclePlans[0], "", "", "", "",
				strconv.Itoa(s.Before), strconv.Itoa(s.After),
				FormatGoal(s.GoalsBefore), FormatGoal(s.GoalsAfter), FormatGoal(s.ProductGoalsBefore), FormatGoal(s.ProductGoalsAfter)})
			for _, l := range s.LostTargets {
				out = append(out, []string{"lost_target", t.Territory, t.Name, l.Cycle, l.CyclePlan, l.Target, l.Account, "", "",
					"1", "0", goalCell(l.Goals.ChannelInteractions), "0", goalCell(l.Goals.ProductInteractions), "0"})
			}
		}
	}
	return out
}

// goalCell is a goal as a CSV cell: empty when missing.
func goalCell(g *float64) string {
	if g == nil {
		return ""
	}
	return FormatGoal(*g)
}

func (p *Preview) exclusiveRows() [][]string {
	var out [][]string
	for _, c := range p.Exclusive {
		out = append(out, []string{c.FieldForce, c.Account, strings.Join(c.Territories, ";"), c.Kept})
	}
	return out
}
