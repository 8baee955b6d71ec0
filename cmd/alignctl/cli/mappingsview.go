package cli

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/alignctl/alignctl/reconcile"
)

// mappingsView renders the effective field mappings, as planView renders
// a plan; its JSON is {"mappings": [...]}, each mapping as reconcile
// defines it (docs/command-json.md).
type mappingsView = view[[]reconcile.FieldMapping]

func newMappingsView(format string) mappingsView {
	return byFormat(format, mappingsText{}, listJSON[reconcile.FieldMapping]{"mappings"})
}

// mappingsText is a table per direction and object, as Align's View Field
// Map shows them.
type mappingsText struct{}

func (mappingsText) render(w io.Writer, ms []reconcile.FieldMapping) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	last := ""
	for _, m := range ms {
		if head := m.Direction + " " + m.Object; head != last {
			if last != "" {
				fmt.Fprintln(tw)
			}
			arrow := "CRM -> Align"
			if m.Direction == "outbound" {
				arrow = "Align -> CRM"
			}
			fmt.Fprintf(tw, "%s %s (%s)\n", m.Direction, m.Object, arrow)
			fmt.Fprintln(tw, "  KIND\tCRM FIELD\tALIGN FIELD\tACTIVE\tDEFINED AT")
			last = head
		}
		active := "yes"
		if !m.Active {
			active = "no"
		}
		at := m.DefinedAt
		if at == "" {
			at = "(shipped)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", m.Kind, m.CRMField, m.AlignField, active, at)
	}
	return tw.Flush()
}

// mappingCheck is what mappings --check found: how many CRM instances it
// asked, and each active mapping whose field a CRM lacks.
type mappingCheck struct {
	Instances int
	Problems  []reconcile.MappingProblem
}

// mappingCheckView renders a mappings --check, as planView renders a plan.
type mappingCheckView = view[*mappingCheck]

func newMappingCheckView(format string) mappingCheckView {
	return byFormat(format, mappingCheckText{}, mappingCheckJSON{})
}

// mappingCheckText says that every field is there. The problems it leaves
// to the command's error, which Run prints on stderr, one a line.
type mappingCheckText struct{}

func (mappingCheckText) render(w io.Writer, c *mappingCheck) error {
	if len(c.Problems) > 0 {
		return nil
	}
	_, err := fmt.Fprintf(w, "every mapped field is in the CRM (%d instances checked)\n", c.Instances)
	return err
}

// missingFieldJSON is one mapped field a CRM lacks (docs/command-json.md).
type missingFieldJSON struct {
	Instance   string `json:"instance"`
	Direction  string `json:"direction"`
	Object     string `json:"object"`
	CRMField   string `json:"crm_field"`
	AlignField string `json:"align_field"`
	DefinedAt  string `json:"defined_at"`
	Reason     string `json:"reason"`
}

type mappingCheckJSON struct{}

func (mappingCheckJSON) render(w io.Writer, c *mappingCheck) error {
	missing := make([]missingFieldJSON, 0, len(c.Problems))
	messages := make([]string, 0, len(c.Problems))
	for _, p := range c.Problems {
		m := p.Mapping
		missing = append(missing, missingFieldJSON{Instance: p.Instance, Direction: m.Direction, Object: m.Object,
			CRMField: m.CRMField, AlignField: m.AlignField, DefinedAt: m.DefinedAt, Reason: p.Reason})
		messages = append(messages, p.Error())
	}
	return writeJSON(w, struct {
		FormatVersion string             `json:"format_version"`
		OK            bool               `json:"ok"`
		Instances     int                `json:"instances_checked"`
		Missing       []missingFieldJSON `json:"missing"`
		Diagnostics   []diagnostic       `json:"diagnostics"`
	}{commandJSONVersion, len(c.Problems) == 0, c.Instances, missing, diagnostics(severityError, messages)})
}
