package reconcile

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// AsScope is the scope a plan was made with, to make it again.
func (s PlanScope) AsScope() Scope {
	return Scope{Territory: s.Territory, SendToCRM: s.SendToCRM}
}

// ApprovedMismatchError says a fresh plan is not the approved one: what the
// fresh plan would do that was not approved, and what was approved that it
// no longer does.
type ApprovedMismatchError struct {
	Unapproved, Missing []string
	total               int
}

func (e *ApprovedMismatchError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the plan now differs from the approved plan in %d changes; nothing applied (review a new plan)", e.total)
	for _, c := range e.Unapproved {
		b.WriteString("\nnot approved: " + c)
	}
	for _, c := range e.Missing {
		b.WriteString("\napproved, no longer planned: " + c)
	}
	if shown := len(e.Unapproved) + len(e.Missing); shown < e.total {
		fmt.Fprintf(&b, "\n... and %d more", e.total-shown)
	}
	return b.String()
}

// mismatchShown is how many differing changes the error names.
const mismatchShown = 10

// CompareApproved checks that a fresh plan makes the changes an approved plan
// made: the same assignment, territory, roster and product changes. Dates
// that were the approved plan's execution time match the fresh plan's (a
// record created "now" then is created "now" at apply time); every other
// date must be equal. nil when they match.
func CompareApproved(approved, fresh *Plan) error {
	want := changeKeys(approved)
	got := changeKeys(fresh)
	e := &ApprovedMismatchError{}
	for _, k := range got {
		if _, ok := slices.BinarySearch(want, k); !ok {
			e.total++
			if len(e.Unapproved)+len(e.Missing) < mismatchShown {
				e.Unapproved = append(e.Unapproved, k)
			}
		}
	}
	for _, k := range want {
		if _, ok := slices.BinarySearch(got, k); !ok {
			e.total++
			if len(e.Unapproved)+len(e.Missing) < mismatchShown {
				e.Missing = append(e.Missing, k)
			}
		}
	}
	if e.total == 0 {
		return nil
	}
	return e
}

// changeKeys renders each change of a plan as a sorted line, with the plan's
// execution time written "now".
func changeKeys(p *Plan) []string {
	at := func(t time.Time) string {
		if t.Equal(p.Now) {
			return "now"
		}
		return t.UTC().Format(time.RFC3339)
	}
	end := func(t *time.Time) string {
		if t == nil {
			return "open"
		}
		return at(*t)
	}
	var out []string
	for _, c := range p.AssignmentChanges {
		who := c.Source
		if c.Rule != "" {
			who += " " + c.Rule
		}
		out = append(out, fmt.Sprintf("%s assignment %s %s %s %s -> %s", c.Action, c.Account, c.Territory, who, at(c.StartDate), end(c.EndDate)))
	}
	for _, t := range p.TerritoryChanges {
		out = append(out, fmt.Sprintf("%s territory %s %v", t.Action, t.Territory, t.Fields))
	}
	for _, c := range p.ConfigChanges {
		out = append(out, fmt.Sprintf("%s %s %s", c.Action, c.Kind, c.Key))
	}
	slices.Sort(out)
	return out
}
