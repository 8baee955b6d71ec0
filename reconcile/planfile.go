package reconcile

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/reconcile/jsonplan"
)

// WriteJSON writes the plan's public form (jsonplan.Write): the JSON of
// json.Encoder with SetIndent("", "  "), streamed one element at a time,
// sealed by a last field, digest.
func (p *Plan) WriteJSON(w io.Writer) error {
	if p.spool != nil {
		return errors.New("internal error: a spooled plan's JSON is written after LoadBody")
	}
	return jsonplan.Write(w, p.public())
}

// PlanFileError says why a saved plan cannot be applied: it is not one, it
// was made by another version of alignctl, or its body does not match its
// digest. Apply nothing and plan again.
type PlanFileError struct{ Reason string }

func (e *PlanFileError) Error() string { return e.Reason }

// ReadSavedPlan reads a plan's JSON to apply: ReadPlan, then CheckSaved. A
// plan saved with a body is read by OpenSavedPlan.
func ReadSavedPlan(r io.Reader) (*Plan, error) {
	p, err := readPlanOrFail(r)
	if err != nil {
		return nil, err
	}
	return p, p.CheckSaved()
}

// readPlanOrFail is ReadPlan with its errors as PlanFileError.
func readPlanOrFail(r io.Reader) (*Plan, error) {
	p, err := ReadPlan(r)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, &PlanFileError{Reason: "not a saved plan: the file ends before the plan does (cut short?); run alignctl plan again"}
		}
		return nil, &PlanFileError{Reason: "not a saved plan: " + err.Error()}
	}
	return p, nil
}

// CheckSaved says whether a plan's JSON read by ReadPlan is one this
// alignctl made and nobody changed since: its format_version, and its body
// against its digest. The plan reviewed is the plan applied, or nothing is.
func (p *Plan) CheckSaved() error { return p.checkSaved(FormatVersion) }

// checkSaved is CheckSaved of a plan whose format must be want: the JSON's
// (FormatVersion), or a saved plan's header (SavedFormatVersion).
func (p *Plan) checkSaved(want string) error {
	const again = "; run alignctl plan again"
	v, err := strconv.Atoi(p.FormatVersion)
	oldest, _ := strconv.Atoi(FormatVersion)
	newest, _ := strconv.Atoi(SavedFormatVersion)
	switch {
	case p.FormatVersion == "":
		return &PlanFileError{Reason: "not a saved plan (no format_version)"}
	case err != nil:
		return &PlanFileError{Reason: fmt.Sprintf("not a saved plan: format_version %q is not one alignctl writes", p.FormatVersion)}
	case v < oldest:
		return &PlanFileError{Reason: fmt.Sprintf("plan made by an older alignctl (format_version %q; this one reads %q and %q)%s", p.FormatVersion, FormatVersion, SavedFormatVersion, again)}
	case v > newest:
		return &PlanFileError{Reason: fmt.Sprintf("plan made by a newer alignctl (format_version %q; this one reads %q and %q): apply it with that version, or run alignctl plan again", p.FormatVersion, FormatVersion, SavedFormatVersion)}
	case p.FormatVersion != want && want == FormatVersion:
		return &PlanFileError{Reason: fmt.Sprintf("not a saved plan: format_version %q is a saved plan's header, without its body (cut short?)%s", p.FormatVersion, again)}
	case p.FormatVersion != want:
		return &PlanFileError{Reason: fmt.Sprintf("not a saved plan: format_version %q with a body%s", p.FormatVersion, again)}
	case p.seal.Digest == "":
		return &PlanFileError{Reason: "plan has no digest: made by an older alignctl, or rewritten" + again}
	case !p.seal.Last:
		return &PlanFileError{Reason: "plan was edited after it was made: its digest is not its last field" + again}
	case p.seal.Digest != p.seal.Sum:
		return &PlanFileError{Reason: "plan was edited after it was made: its body does not match its digest" + again}
	}
	return nil
}

// ReadPlan reads a saved plan (WriteJSON, or any JSON of a Plan) with a
// streaming decoder (jsonplan.Read): lists are read one element at a time
// into the plan's own changes, and the strings millions of changes repeat
// are kept once. The bytes are hashed as they are read, for CheckSaved to
// hold them to the plan's digest.
func ReadPlan(r io.Reader) (*Plan, error) {
	var p Plan
	jp := p.readInto(query.Interner{})
	seal, err := jsonplan.Read(r, jp)
	if err != nil {
		return nil, err
	}
	p.fromPublic(jp)
	p.seal = seal
	return &p, nil
}
