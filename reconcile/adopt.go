package reconcile

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/schema"
)

// AdoptOptions are the inputs of Adopt besides the CRM and the config.
type AdoptOptions struct {
	Instance *schema.CRMInstance
	// FieldForce puts every territory in one field force of this id; ""
	// makes one field force per root territory.
	FieldForce string
	Now        time.Time
	// MaxPerFile is how many territories one file holds before a root's
	// tree is split per child subtree (0: adoptMaxPerFile).
	MaxPerFile int
}

// adoptMaxPerFile keeps a generated file small enough to review in a pull
// request: a root's tree beyond it goes one file per child of the root.
const adoptMaxPerFile = 500

// Adoption is the config adopt generates: files relative to the output
// folder, and what they hold.
type Adoption struct {
	Files           []AdoptedFile
	Territories     int
	FieldForces     int
	Assignments     int // manual assignments written
	SelfAssignments int // account_territory__v records left as crm assignments
	RosterMembers   int
	Products        int
}

// AdoptedFile is one generated YAML file.
type AdoptedFile struct {
	Path string // slash-separated, relative to the output folder
	Data []byte
}

// AdoptError lists every reason the CRM cannot be adopted as it is, each
// naming the CRM records concerned.
type AdoptError struct{ Problems []string }

func (e *AdoptError) Error() string {
	return "adopt: the CRM cannot be written as config; nothing was written:\n" + strings.Join(e.Problems, "\n")
}

// adopted is one territory__v record on its way to config.
type adopted struct {
	rec         crm.Record
	id          string // name__v: the config territory id
	parent      *adopted
	children    []*adopted
	root        *adopted
	depth       int
	products    []crm.Record
	manual      []crm.Record // account_territory__v records written as manual assignments
	self        []crm.Record // left as crm assignments
	fieldForce  string
	problematic bool
}

// Adopt reads the CRM instance's territories, account territories, user
// territories, users and setup products, and makes the config that
// reproduces them: pushed after import, plan and apply, it writes nothing.
// Problems (ids that are no config ids, duplicate names, parent cycles, more
// than Vault CRM allows) come back together as an *AdoptError.
func Adopt(ctx context.Context, conn crm.Connector, cfg *schema.Config, opts AdoptOptions) (*Adoption, error) {
	objects := map[string][]crm.Record{}
	for _, obj := range []string{crm.Territory, crm.AccountTerritory, crm.UserTerritory, crm.User, crm.MySetupProducts} {
		recs, err := ReadRecords(ctx, conn, obj)
		if err != nil {
			return nil, fmt.Errorf("adopt %s: %w", opts.Instance.ID, err)
		}
		objects[obj] = recs
	}
	b := adoptBuilder{cfg: cfg, opts: opts, byCRMID: map[string]*adopted{}}
	b.territories(objects[crm.Territory])
	b.tree()
	b.assignments(objects[crm.AccountTerritory], objects[crm.UserTerritory])
	b.products(objects[crm.MySetupProducts])
	members := b.roster(objects[crm.UserTerritory], objects[crm.User])
	b.clashes(members)
	if len(b.problems) > 0 {
		slices.Sort(b.problems)
		return nil, &AdoptError{Problems: slices.Compact(b.problems)}
	}
	return b.render(members), nil
}

type adoptBuilder struct {
	cfg      *schema.Config
	opts     AdoptOptions
	all      []*adopted // sorted by id
	byCRMID  map[string]*adopted
	problems []string
}

func (b *adoptBuilder) problemf(format string, args ...any) {
	b.problems = append(b.problems, fmt.Sprintf(format, args...))
}

// validID says why s cannot be a config id, or "". The schema takes any
// non-empty string; alignctl also refuses what a YAML reviewer could not
// see or a CRM key would not match: surrounding white space, control
// characters.
func validID(s string) string {
	switch {
	case s == "":
		return "is empty"
	case strings.TrimSpace(s) != s:
		return "has leading or trailing white space"
	case strings.ContainsFunc(s, unicode.IsControl):
		return "holds a control character"
	}
	return ""
}

func (b *adoptBuilder) territories(recs []crm.Record) {
	byName := map[string][]string{}
	for _, r := range recs {
		t := &adopted{rec: r, id: r["name__v"]}
		if why := validID(t.id); why != "" {
			b.problemf("territory__v %s: name__v %q %s: it cannot be a config territory id", r["id"], t.id, why)
			t.problematic = true
		}
		if r["country__v"] == "" {
			b.problemf("territory__v %s (%s): country__v is empty: every territory needs a country", r["id"], t.id)
		}
		b.byCRMID[r["id"]] = t
		byName[t.id] = append(byName[t.id], r["id"])
		b.all = append(b.all, t)
	}
	for name, ids := range byName {
		if len(ids) > 1 && name != "" {
			slices.Sort(ids)
			b.problemf("territory__v %s: the same name__v %q: config territory ids must be unique", strings.Join(ids, ", "), name)
		}
	}
	if n := len(recs); n > schema.MaxTerritoriesPerInstance {
		b.problemf("territory__v: %d records; Vault CRM and the config allow at most %d per instance", n, schema.MaxTerritoriesPerInstance)
	}
	slices.SortFunc(b.all, func(x, y *adopted) int { return cmp.Or(cmp.Compare(x.id, y.id), cmp.Compare(x.rec["id"], y.rec["id"])) })
}

// tree links parents, finds cycles, and checks the depth and breadth limits.
func (b *adoptBuilder) tree() {
	for _, t := range b.all {
		p := t.rec["parent_territory__v"]
		if p == "" {
			continue
		}
		if t.parent = b.byCRMID[p]; t.parent == nil {
			b.problemf("territory__v %s (%s): parent_territory__v %s is not a territory__v record", t.rec["id"], t.id, p)
			continue
		}
		t.parent.children = append(t.parent.children, t)
	}
	for _, t := range b.all {
		seen := map[*adopted]bool{}
		var path []string
		n := t
		for n != nil && !seen[n] {
			seen[n] = true
			path = append(path, n.rec["id"])
			n = n.parent
		}
		if n != nil {
			if n == t { // report each cycle once, from its first member
				slices.Sort(path)
				if path[0] == t.rec["id"] {
					b.problemf("territory__v %s: parent_territory__v forms a cycle", strings.Join(path, ", "))
				}
			}
			t.problematic = true
			continue
		}
		last := t
		for last.parent != nil {
			last = last.parent
		}
		t.root, t.depth = last, len(path)
		if t.depth == schema.MaxTerritoryLevels+1 {
			b.problemf("territory__v %s (%s): level %d; Vault CRM allows at most %d levels", t.rec["id"], t.id, t.depth, schema.MaxTerritoryLevels)
		}
	}
	for _, t := range b.all {
		if len(t.children) > schema.MaxChildTerritories {
			b.problemf("territory__v %s (%s): %d child territories; Vault CRM allows at most %d", t.rec["id"], t.id, len(t.children), schema.MaxChildTerritories)
		}
		slices.SortFunc(t.children, func(x, y *adopted) int { return cmp.Compare(x.id, y.id) })
		if t.root == nil {
			continue
		}
		t.fieldForce = t.root.id
		if b.opts.FieldForce != "" {
			t.fieldForce = b.opts.FieldForce
		}
	}
}

// assignments sorts account_territory__v records into manual assignments
// and self-assignments. A self-assignment is one a field user made: its
// created_by__v user covers the territory (a user_territory__v record).
// As the first import does, alignctl keeps those as crm assignments, so
// they are not written; the others, made by an administrator or an
// integration, become the territory's manual assignments.
func (b *adoptBuilder) assignments(ats, uts []crm.Record) {
	covers := map[[2]string]bool{}
	for _, u := range uts {
		covers[[2]string{u["user__v"], u["territory__v"]}] = true
	}
	for _, a := range ats {
		t := b.byCRMID[a["territory__v"]]
		switch {
		case t == nil:
			b.problemf("account_territory__v %s: territory__v %s is not a territory__v record", a["id"], a["territory__v"])
			continue
		case validID(a["account__v"]) != "":
			b.problemf("account_territory__v %s: account__v %q %s", a["id"], a["account__v"], validID(a["account__v"]))
			continue
		}
		if by := a["created_by__v"]; by != "" && covers[[2]string{by, a["territory__v"]}] {
			t.self = append(t.self, a)
		} else {
			t.manual = append(t.manual, a)
		}
	}
	for _, t := range b.all {
		// One manual assignment per account: the CRM may hold the pair twice.
		slices.SortFunc(t.manual, func(x, y crm.Record) int {
			return cmp.Or(cmp.Compare(x["account__v"], y["account__v"]), cmp.Compare(x["id"], y["id"]))
		})
		t.manual = slices.CompactFunc(t.manual, func(x, y crm.Record) bool { return x["account__v"] == y["account__v"] })
		slices.SortFunc(t.self, func(x, y crm.Record) int { return cmp.Compare(x["id"], y["id"]) })
	}
}

func (b *adoptBuilder) products(recs []crm.Record) {
	for _, p := range recs {
		t := b.byCRMID[p["territory__v"]]
		switch {
		case t == nil:
			b.problemf("my_setup_products__v %s: territory__v %s is not a territory__v record", p["id"], p["territory__v"])
			continue
		case validID(p["product__v"]) != "":
			b.problemf("my_setup_products__v %s: product__v %q %s", p["id"], p["product__v"], validID(p["product__v"]))
			continue
		}
		t.products = append(t.products, p)
	}
	for _, t := range b.all {
		slices.SortFunc(t.products, func(x, y crm.Record) int {
			return cmp.Or(cmp.Compare(x["product__v"], y["product__v"]), cmp.Compare(x["id"], y["id"]))
		})
		t.products = slices.CompactFunc(t.products, func(x, y crm.Record) bool { return x["product__v"] == y["product__v"] })
	}
}

// adoptedMember is one user__sys with user_territory__v records.
type adoptedMember struct {
	user        crm.Record
	key         string // username__sys, else federated_id__sys
	territories []*adopted
	records     []string // user_territory__v ids
}

func (b *adoptBuilder) roster(uts, users []crm.Record) []*adoptedMember {
	byID := map[string]crm.Record{}
	for _, u := range users {
		byID[u["id"]] = u
	}
	members := map[string]*adoptedMember{}
	for _, ut := range uts {
		t := b.byCRMID[ut["territory__v"]]
		u, ok := byID[ut["user__v"]]
		switch {
		case t == nil:
			b.problemf("user_territory__v %s: territory__v %s is not a territory__v record", ut["id"], ut["territory__v"])
			continue
		case !ok:
			b.problemf("user_territory__v %s: user__v %s is not a user__sys record", ut["id"], ut["user__v"])
			continue
		}
		m := members[u["id"]]
		if m == nil {
			m = &adoptedMember{user: u, key: cmp.Or(u["username__sys"], u["federated_id__sys"])}
			if why := validID(m.key); why != "" {
				b.problemf("user__sys %s: username__sys and federated_id__sys: %q %s: a roster member needs one", u["id"], m.key, why)
			}
			members[u["id"]] = m
		}
		if !slices.Contains(m.territories, t) {
			m.territories = append(m.territories, t)
		}
		m.records = append(m.records, ut["id"])
	}
	out := make([]*adoptedMember, 0, len(members))
	for _, m := range members {
		if len(m.territories) > schema.MaxTerritoriesPerUser {
			b.problemf("user__sys %s (%s): %d territories; Vault CRM allows at most %d per user", m.user["id"], m.key, len(m.territories), schema.MaxTerritoriesPerUser)
		}
		slices.SortFunc(m.territories, func(x, y *adopted) int { return cmp.Compare(x.id, y.id) })
		slices.Sort(m.records)
		out = append(out, m)
	}
	slices.SortFunc(out, func(x, y *adoptedMember) int {
		return cmp.Or(cmp.Compare(x.key, y.key), cmp.Compare(x.user["id"], y.user["id"]))
	})
	for i := 1; i < len(out); i++ {
		if out[i].key == out[i-1].key && out[i].key != "" {
			b.problemf("user__sys %s, %s: the same username %q: roster member ids must be unique", out[i-1].user["id"], out[i].user["id"], out[i].key)
		}
	}
	return out
}

// clashes finds ids the config already uses: adopt adds to a config that
// holds the settings, and a second copy of a territory would not validate.
func (b *adoptBuilder) clashes(members []*adoptedMember) {
	for _, t := range b.all {
		if have := b.cfg.Territory(t.id); have != nil {
			b.problemf("territory__v %s: territory %s is already in the config (%s)", t.rec["id"], t.id, have.Pos)
		}
	}
	for _, ff := range b.fieldForces() {
		if have := b.cfg.FieldForce(ff.id); have != nil {
			b.problemf("field force %s (from territory__v %s) is already in the config (%s): choose another with --field-force", ff.id, ff.source, have.Pos)
		}
	}
	for _, m := range members {
		for _, have := range b.cfg.RosterMembers {
			if have.ID == m.key {
				b.problemf("user__sys %s: roster member %s is already in the config (%s)", m.user["id"], m.key, have.Pos)
			}
		}
	}
}

type adoptedFieldForce struct{ id, name, source string }

func (b *adoptBuilder) fieldForces() []adoptedFieldForce {
	if b.opts.FieldForce != "" {
		return []adoptedFieldForce{{id: b.opts.FieldForce, name: b.opts.FieldForce, source: "--field-force"}}
	}
	var out []adoptedFieldForce
	for _, t := range b.all {
		if t.parent == nil && t.root == t {
			out = append(out, adoptedFieldForce{id: t.id, name: cmp.Or(t.rec["description__v"], t.id), source: t.rec["id"]})
		}
	}
	return out
}

// render writes the config: field-forces.yaml, territories/ROOT.yaml per
// root (a large tree one file per child subtree of its root), and
// roster/ROOT.yaml by the root of each member's first territory.
func (b *adoptBuilder) render(members []*adoptedMember) *Adoption {
	a := &Adoption{}
	date := b.opts.Now.In(b.cfg.Settings.Location).Format("2006-01-02")
	inst := b.opts.Instance
	header := fmt.Sprintf("# Adopted by alignctl adopt from CRM instance %s at %s.\n", inst.ID, b.opts.Now.UTC().Format(time.RFC3339))
	maxPer := cmp.Or(b.opts.MaxPerFile, adoptMaxPerFile)
	names := fileNames{}

	var ff strings.Builder
	ff.WriteString(header)
	ff.WriteString("# Field forces: one per root territory of the CRM (or the one --field-force named).\n")
	for i, f := range b.fieldForces() {
		if i > 0 {
			ff.WriteString("---\n")
		}
		if f.source == "--field-force" {
			ff.WriteString("# named by alignctl adopt --field-force\n")
		} else {
			fmt.Fprintf(&ff, "# the tree under territory__v %s\n", f.source)
		}
		fmt.Fprintf(&ff, "kind: field_force\nid: %s\nname: %s\nstart_date: %s\n", scalar(f.id), scalar(f.name), date)
		a.FieldForces++
	}
	a.Files = append(a.Files, AdoptedFile{Path: "field-forces.yaml", Data: []byte(ff.String())})

	for _, root := range b.all {
		if root.parent != nil || root.root != root {
			continue
		}
		tree := subtree(root)
		if len(tree) <= maxPer {
			a.Files = append(a.Files, AdoptedFile{Path: names.of("territories", root.id), Data: b.territoryFile(header, tree, date, a)})
			continue
		}
		// A large tree: the root alone, then one file per child subtree.
		a.Files = append(a.Files, AdoptedFile{Path: names.of("territories/"+fileName(root.id), root.id), Data: b.territoryFile(header, []*adopted{root}, date, a)})
		for _, c := range root.children {
			a.Files = append(a.Files, AdoptedFile{Path: names.of("territories/"+fileName(root.id), c.id), Data: b.territoryFile(header, subtree(c), date, a)})
		}
	}

	byRoot := map[*adopted][]*adoptedMember{}
	var roots []*adopted
	for _, m := range members {
		r := m.territories[0].root
		if byRoot[r] == nil {
			roots = append(roots, r)
		}
		byRoot[r] = append(byRoot[r], m)
	}
	slices.SortFunc(roots, func(x, y *adopted) int { return cmp.Compare(x.id, y.id) })
	for _, r := range roots {
		var s strings.Builder
		s.WriteString(header)
		s.WriteString("# Roster members from user_territory__v and user__sys, mastered by Align: a push keeps\n# exactly these user territories.\n")
		for i, m := range byRoot[r] {
			if i > 0 {
				s.WriteString("---\n")
			}
			fmt.Fprintf(&s, "# user__sys %s; user_territory__v %s\n", m.user["id"], strings.Join(m.records, ", "))
			fmt.Fprintf(&s, "kind: roster_member\nid: %s\nuser: %s\nmastered_by_align: true\nterritories:\n", scalar(m.key), scalar(m.key))
			for j, t := range m.territories {
				fmt.Fprintf(&s, "  - territory: %s\n    start_date: %s\n    primary: %t\n", scalar(t.id), date, j == 0)
			}
			a.RosterMembers++
		}
		a.Files = append(a.Files, AdoptedFile{Path: names.of("roster", r.id), Data: []byte(s.String())})
	}
	return a
}

// territoryFile renders territories, parents before children.
func (b *adoptBuilder) territoryFile(header string, ts []*adopted, date string, a *Adoption) []byte {
	var s strings.Builder
	s.WriteString(header)
	for i, t := range ts {
		if i > 0 {
			s.WriteString("---\n")
		}
		fmt.Fprintf(&s, "# territory__v %s, modified %s\n", t.rec["id"], comment(t.rec["modified_date__v"]))
		fmt.Fprintf(&s, "kind: territory\nid: %s\nname: %s\n", scalar(t.id), scalar(cmp.Or(t.rec["description__v"], t.id)))
		if t.parent != nil {
			fmt.Fprintf(&s, "parent: %s\n", scalar(t.parent.id))
		} else {
			s.WriteString("parent: null\n")
		}
		fmt.Fprintf(&s, "field_force: %s\ncrm_instance: %s\ncountry: %s\nstart_date: %s\n",
			scalar(t.fieldForce), scalar(b.opts.Instance.ID), scalar(t.rec["country__v"]), date)
		if len(t.products) > 0 {
			s.WriteString("products:\n")
			for _, p := range t.products {
				fmt.Fprintf(&s, "  - %s # my_setup_products__v %s\n", scalar(p["product__v"]), comment(p["id"]))
				a.Products++
			}
		}
		if len(t.self) > 0 {
			fmt.Fprintf(&s, "# %d self-assignments made in the CRM stay crm assignments (imported, not written here):\n", len(t.self))
			for _, r := range t.self {
				fmt.Fprintf(&s, "#   account_territory__v %s: account %s, created by user__sys %s\n", comment(r["id"]), comment(r["account__v"]), comment(r["created_by__v"]))
			}
			a.SelfAssignments += len(t.self)
		}
		if len(t.manual) > 0 {
			s.WriteString("assignments:\n")
			for _, r := range t.manual {
				fmt.Fprintf(&s, "  # account_territory__v %s\n  - account: %s\n    start_date: %s\n", comment(r["id"]), scalar(r["account__v"]), date)
				a.Assignments++
			}
		}
		a.Territories++
	}
	return []byte(s.String())
}

// subtree lists t and its descendants, parents first.
func subtree(t *adopted) []*adopted {
	out := []*adopted{t}
	for i := 0; i < len(out); i++ {
		out = append(out, out[i].children...)
	}
	return out
}

// fileNames hands out distinct file names within folders.
type fileNames map[string]bool

func (n fileNames) of(dir, id string) string {
	base := dir + "/" + fileName(id)
	p := base + ".yaml"
	for i := 2; n[strings.ToLower(p)]; i++ {
		p = fmt.Sprintf("%s-%d.yaml", base, i)
	}
	n[strings.ToLower(p)] = true
	return p
}

// fileName makes an id safe as a file name on every system.
func fileName(id string) string {
	s := strings.Map(func(r rune) rune {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.') {
			return r
		}
		return '_'
	}, id)
	return strings.TrimLeft(s, ".")
}

// scalar renders a string as one YAML scalar that reads back as the same
// string (a number-like or boolean-like id stays a string).
func scalar(s string) string {
	b, err := yaml.Marshal(s)
	if out := strings.TrimSuffix(string(b), "\n"); err == nil && !strings.Contains(out, "\n") {
		return out
	}
	j, _ := json.Marshal(s) // a JSON string is a YAML double-quoted scalar
	return string(j)
}

// comment keeps a CRM value on its comment line.
func comment(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// WriteAdoption writes the files under dir, refusing to overwrite: when
// any of them exists nothing is written. A file that cannot be written
// removes those written before it.
func WriteAdoption(dir string, a *Adoption) error {
	var exist []string
	for _, f := range a.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if _, err := os.Lstat(p); err == nil {
			exist = append(exist, p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("adopt: %w", err)
		}
	}
	if len(exist) > 0 {
		return fmt.Errorf("adopt: %s already exists; adopt never overwrites a file: choose another --out, or move the file away (nothing was written)", strings.Join(exist, ", "))
	}
	var written []string
	undo := func(err error) error {
		for _, p := range slices.Backward(written) {
			os.Remove(p)
		}
		return fmt.Errorf("adopt: %w (nothing was written)", err)
	}
	for _, f := range a.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
			return undo(err)
		}
		// O_EXCL: a file that appeared since the check is not overwritten either.
		h, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if err != nil {
			return undo(err)
		}
		written = append(written, p)
		_, err = h.Write(f.Data)
		if cerr := h.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return undo(err)
		}
	}
	return nil
}
