package cli

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/alignctl/alignctl/reconcile"
)

// adoptResult is what adopt wrote: the files, and what they hold.
type adoptResult struct {
	Instance string
	Files    []string // each file written, under the --out folder
	Counts   *reconcile.Adoption
}

func newAdoptResult(instance, dir string, a *reconcile.Adoption) *adoptResult {
	r := &adoptResult{Instance: instance, Files: []string{}, Counts: a}
	for _, f := range a.Files {
		r.Files = append(r.Files, filepath.Join(dir, filepath.FromSlash(f.Path)))
	}
	return r
}

// adoptView renders what adopt wrote, as planView renders a plan.
type adoptView = view[*adoptResult]

func newAdoptView(format string) adoptView { return byFormat(format, adoptText{}, adoptJSON{}) }

type adoptText struct{}

func (adoptText) render(w io.Writer, r *adoptResult) error {
	for _, f := range r.Files {
		fmt.Fprintln(w, "wrote "+f)
	}
	a := r.Counts
	fmt.Fprintf(w, "adopted instance %s: %d field forces, %d territories, %d manual assignments (%d self-assignments stay crm assignments), %d roster members, %d territory products\n",
		r.Instance, a.FieldForces, a.Territories, a.Assignments, a.SelfAssignments, a.RosterMembers, a.Products)
	_, err := fmt.Fprintln(w, "next: alignctl validate, then import, plan, apply and push: the push writes nothing to the CRM")
	return err
}

type adoptJSON struct{}

func (adoptJSON) render(w io.Writer, r *adoptResult) error {
	type counts struct {
		FieldForces     int `json:"field_forces"`
		Territories     int `json:"territories"`
		Assignments     int `json:"manual_assignments"`
		SelfAssignments int `json:"self_assignments"`
		RosterMembers   int `json:"roster_members"`
		Products        int `json:"territory_products"`
	}
	a := r.Counts
	return writeJSON(w, struct {
		FormatVersion string   `json:"format_version"`
		Instance      string   `json:"instance"`
		Files         []string `json:"files"`
		Counts        counts   `json:"counts"`
	}{commandJSONVersion, r.Instance, r.Files,
		counts{a.FieldForces, a.Territories, a.Assignments, a.SelfAssignments, a.RosterMembers, a.Products}})
}
