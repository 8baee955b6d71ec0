package reconcile

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/reconcile/jsonplan"
)

// A plan saved by plan --out is one file (docs/plan-json.md, "Saved
// plans"): the plan's JSON without its two large lists (the header), then
// those lists as Parquet files one after the other (the body), then a
// footer giving the header's length. The header's body field gives each
// Parquet part's place and SHA-256, and the header's digest seals the
// header, so the digest seals the body too. The JSON of the two lists of a
// large plan took most of an apply's time to decode (docs/benchmarks.md);
// DuckDB writes and reads the Parquet in place.

// SavedFormatVersion is the format_version of a plan saved with a body;
// FormatVersion stays that of the plan's JSON, which plan --format json
// prints and which apply still takes.
const SavedFormatVersion = jsonplan.SavedFormatVersion

// bodyFiles are a read plan's body parts, copied out of the plan file for
// DuckDB to read; Close removes them.
type bodyFiles struct {
	dir, assignments, crm string
}

const (
	bodyFormat = "parquet"
	// footerMagic ends a saved plan after the header's length, written in
	// footerDigits decimal digits: text, so that the file's last line says
	// what it is.
	footerMagic  = " alignctl-plan\n"
	footerDigits = 20
	footerLen    = int64(footerDigits + len(footerMagic))
)

// The JSON of a line of a saved plan's body as DuckDB reads it (a row's
// number, and the element as the plan's JSON has it), and the columns of
// its Parquet: an assignment change as query.ChangeColumns, a CRM change
// with its fields as a list of (name, value).
const (
	assignmentJSON = `{seq: 'BIGINT', c: 'STRUCT(action VARCHAR, id VARCHAR, account VARCHAR, territory VARCHAR,
		instance VARCHAR, source VARCHAR, rule VARCHAR, origin VARCHAR, start_date TIMESTAMPTZ, end_date TIMESTAMPTZ,
		send_to_crm BOOLEAN, before STRUCT(start_date TIMESTAMPTZ, end_date TIMESTAMPTZ), reason VARCHAR)'}`
	crmJSON = `{seq: 'BIGINT', c: 'STRUCT(instance VARCHAR, object VARCHAR, action VARCHAR, record VARCHAR,
		fields MAP(VARCHAR, VARCHAR))'}`
	crmFromJSON = `seq, c.instance AS instance, c.object AS object, c.action AS action, c.record AS record,
		CASE WHEN c.fields IS NOT NULL THEN list_transform(map_entries(c.fields), x -> {'name': x.key, 'value': x.value}) END AS fields`
)

// writeLines writes n list elements as JSON lines {"seq":i,"c":element}.
// The plan's JSON of an element spans lines only in its indentation (a
// string's line breaks are escaped), so a line break becomes a space.
func writeLines[T any](w io.Writer, l jsonplan.List[T]) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	var b []byte
	var e T
	for i := range l.Len {
		l.Elem(i, &e)
		var err error
		if b, err = appendLine(b[:0], i, &e); err != nil {
			return err
		}
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// appendLine appends the line {"seq":seq,"c":e} of writeLines to b.
func appendLine[T any](b []byte, seq int, e *T) ([]byte, error) {
	start := len(b)
	b = append(strconv.AppendInt(append(b, `{"seq":`...), int64(seq), 10), `,"c":`...)
	var ok bool
	if b, ok = jsonplan.AppendElem(b, e); !ok {
		j, err := json.Marshal(e)
		if err != nil {
			return nil, err
		}
		b = append(b, j...)
	}
	for k := start; k < len(b); k++ {
		if b[k] == '\n' {
			b[k] = ' '
		}
	}
	return append(b, '}', '\n'), nil
}

// WriteSaved writes the plan as plan --out saves it: header, body, footer.
// DuckDB (in memory) writes the body's Parquet to temporary files first,
// for the header to give their lengths and digests.
func (p *Plan) WriteSaved(ctx context.Context, w io.Writer) error {
	var files [2]string
	if p.body != nil {
		// A spooled plan's lists are in these files already.
		files = [2]string{p.body.assignments, p.body.crm}
	} else {
		tmp, err := os.MkdirTemp("", "alignctl-plan-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		files = [2]string{filepath.Join(tmp, "assignment_changes.parquet"), filepath.Join(tmp, "crm_changes.parquet")}
		if err := p.writeBody(ctx, files); err != nil {
			return err
		}
	}
	h := *p
	h.FormatVersion = SavedFormatVersion
	h.AssignmentChanges, h.CRMChanges, h.spool = nil, nil, nil
	h.Body = &jsonplan.Body{Format: bodyFormat}
	var off int64
	for i, part := range []*jsonplan.BodyPart{&h.Body.AssignmentChanges, &h.Body.CRMChanges} {
		var err error
		if *part, err = fileDigest(files[i]); err != nil {
			return err
		}
		part.Offset = off
		off += part.Length
	}
	h.Body.AssignmentChanges.Rows, h.Body.CRMChanges.Rows = p.changeCount(), p.crmCount()
	var header bytes.Buffer
	if err := h.WriteJSON(&header); err != nil {
		return err
	}
	if _, err := w.Write(header.Bytes()); err != nil {
		return err
	}
	for _, name := range files {
		if err := copyFile(w, name); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%0*d%s", footerDigits, header.Len(), footerMagic)
	return err
}

// writeBody writes the plan's two large lists to the Parquet files of a
// body. DuckDB (in memory) writes them.
func (p *Plan) writeBody(ctx context.Context, files [2]string) error {
	db, err := query.Open(ctx, "")
	if err != nil {
		return err
	}
	defer db.Close()
	// Each list goes to DuckDB as JSON lines, one element a line in the
	// plan's own JSON (planjson.go), which DuckDB reads in parallel into the
	// Parquet columns: handing millions of rows over cell by cell through
	// the Appender took most of a large plan's time.
	err = db.WriteParquetJSON(ctx, assignmentJSON, query.ChangeColumnsFromJSON, files[0], func(w io.Writer) error {
		return writeLines(w, listOf(p.AssignmentChanges, changeToPublic))
	})
	if err != nil {
		return fmt.Errorf("assignment changes: %w", err)
	}
	err = db.WriteParquetJSON(ctx, crmJSON, crmFromJSON, files[1], func(w io.Writer) error {
		return writeLines(w, listOf(p.CRMChanges, crmChangeToPublic))
	})
	if err != nil {
		return fmt.Errorf("CRM changes: %w", err)
	}
	return nil
}

func fileDigest(name string) (jsonplan.BodyPart, error) {
	f, err := os.Open(name)
	if err != nil {
		return jsonplan.BodyPart{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return jsonplan.BodyPart{Length: n, SHA256: jsonplan.DigestPrefix + hex.EncodeToString(h.Sum(nil))}, err
}

func copyFile(w io.Writer, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// OpenSavedPlan reads a plan to apply from a file: a saved plan with a body
// (WriteSaved), whose body it checks and copies to temporary files that
// Close removes, or a plan's JSON (format_version "2", as plan --format
// json prints it and earlier versions saved it), read as a stream.
func OpenSavedPlan(path string) (*Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return readSaved(f, fi.Size(), "")
}

// readSaved is OpenSavedPlan of r's first size bytes, its body copied into
// a new directory in tmpDir ("": the system's).
func readSaved(r io.ReaderAt, size int64, tmpDir string) (*Plan, error) {
	headerLen, ok, err := savedHeaderLen(r, size)
	if err != nil {
		return nil, err
	}
	if !ok {
		return ReadSavedPlan(io.NewSectionReader(r, 0, size))
	}
	p, err := ReadPlan(io.NewSectionReader(r, 0, headerLen))
	if err != nil {
		// The footer is whole, so the header is not the length it was
		// written with (an edit) or not JSON at all.
		return nil, &PlanFileError{Reason: "plan was edited after it was made: its header is not the length its footer gives (" + err.Error() + "); run alignctl plan again"}
	}
	if err := p.checkSaved(SavedFormatVersion); err != nil {
		return nil, err
	}
	if p.Body == nil || p.Body.Format != bodyFormat {
		return nil, &PlanFileError{Reason: "not a saved plan: its header has no Parquet body; run alignctl plan again"}
	}
	if err := p.copyBody(r, headerLen, size-footerLen-headerLen, tmpDir); err != nil {
		return nil, err
	}
	return p, nil
}

// savedHeaderLen reads the footer: the header's length, and whether there
// is a footer at all (a JSON plan has none).
func savedHeaderLen(r io.ReaderAt, size int64) (int64, bool, error) {
	if size < footerLen {
		return 0, false, nil
	}
	var foot [footerLen]byte
	if _, err := r.ReadAt(foot[:], size-footerLen); err != nil {
		return 0, false, err
	}
	if string(foot[footerDigits:]) != footerMagic {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(string(foot[:footerDigits]), 10, 64)
	if err != nil || n <= 0 || n > size-footerLen {
		return 0, false, &PlanFileError{Reason: "not a saved plan: its footer does not give the length of its header; run alignctl plan again"}
	}
	return n, true, nil
}

// copyBody checks the body parts against the header and copies each to a
// file of its own, hashing it on the way.
func (p *Plan) copyBody(r io.ReaderAt, start, length int64, tmpDir string) (err error) {
	b := p.Body
	parts := []jsonplan.BodyPart{b.AssignmentChanges, b.CRMChanges}
	var at int64
	for _, part := range parts {
		if part.Offset != at || part.Length < 0 || part.Length > length-at {
			return &PlanFileError{Reason: "not a saved plan: the parts of its body do not fill it (cut short?); run alignctl plan again"}
		}
		at += part.Length
	}
	if at != length {
		return &PlanFileError{Reason: "not a saved plan: the parts of its body do not fill it (cut short?); run alignctl plan again"}
	}
	dir, err := os.MkdirTemp(tmpDir, "alignctl-plan-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	files := bodyFiles{dir: dir, assignments: filepath.Join(dir, "assignment_changes.parquet"), crm: filepath.Join(dir, "crm_changes.parquet")}
	for i, name := range []string{files.assignments, files.crm} {
		if err := copyPart(io.NewSectionReader(r, start+parts[i].Offset, parts[i].Length), name, parts[i].SHA256); err != nil {
			return err
		}
	}
	p.body = &files
	return nil
}

func copyPart(r io.Reader, name, digest string) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(f, h), r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if jsonplan.DigestPrefix+hex.EncodeToString(h.Sum(nil)) != digest {
		return &PlanFileError{Reason: "plan was edited after it was made: its body does not match its digest; run alignctl plan again"}
	}
	return nil
}

// Close removes the temporary files of a plan's body; a plan without one
// has nothing to remove.
func (p *Plan) Close() error {
	if p.body == nil {
		return nil
	}
	err := os.RemoveAll(p.body.dir)
	p.body = nil
	return err
}

// LoadBody reads a saved plan's body into AssignmentChanges and CRMChanges,
// for the readers that need them in Go (apply --approved, show plan); the
// plan then reads as its JSON, format_version "2".
func (p *Plan) LoadBody(ctx context.Context) error {
	if p.body == nil {
		return nil
	}
	db, err := query.Open(ctx, "")
	if err != nil {
		return err
	}
	defer db.Close()
	in := query.Interner{}
	if p.AssignmentChanges, err = db.ReadChanges(ctx, p.body.assignments, in); err != nil {
		return err
	}
	if p.AssignmentChanges == nil {
		p.AssignmentChanges = []AssignmentChange{}
	}
	p.CRMChanges = []CRMChange{}
	err = db.ReadParquet(ctx, p.body.crm, "instance, object, action, record, fields", func(scan func(...any) error) error {
		var c CRMChange
		var fields any // a list, or NULL for none
		if err := scan(&c.Instance, &c.Object, &c.Action, &c.Record, &fields); err != nil {
			return err
		}
		c.Instance, c.Object, c.Action = in.Of(c.Instance), in.Of(c.Object), query.CRMAction(in.Of(string(c.Action)))
		list, _ := fields.([]any)
		for _, f := range list {
			m, _ := f.(map[string]any)
			name, _ := m["name"].(string)
			value, _ := m["value"].(string)
			c.Fields = append(c.Fields, CRMField{Name: in.Of(name), Value: value})
		}
		p.CRMChanges = append(p.CRMChanges, c)
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", p.body.crm, err)
	}
	p.FormatVersion, p.Body, p.spool = FormatVersion, nil, nil
	return nil
}
