package schema

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestLoadValid(t *testing.T) {
	cfg, err := LoadDir("testdata/valid")
	if err != nil {
		t.Fatal(err)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	day := func(y int, m time.Month, d int) *time.Time {
		t := time.Date(y, m, d, 0, 0, 0, 0, paris)
		return &t
	}

	t.Run("files", func(t *testing.T) {
		want := []string{
			"field_forces/forces.yaml",
			"mappings.yaml",
			"roster/members.yaml",
			"settings.yaml",
			"territories/northeast/boston.yml",
			"territories/northeast/root.yaml",
			"territories/quiet.yaml",
		}
		if !slices.Equal(cfg.Files, want) {
			t.Errorf("Files = %q, want %q (no .github, no README.md)", cfg.Files, want)
		}
		if len(cfg.Hash) != 64 {
			t.Errorf("Hash = %q, want 64 hex digits", cfg.Hash)
		}
	})

	t.Run("settings", func(t *testing.T) {
		s := cfg.Settings
		if s.Timezone != "Europe/Paris" || s.Location.String() != "Europe/Paris" {
			t.Errorf("Timezone = %q, Location = %v", s.Timezone, s.Location)
		}
		if s.RuleSelectionCriteria != RuleSelectionSendToCRM || s.DataLoader != "./loaded" {
			t.Errorf("RuleSelectionCriteria = %q, DataLoader = %q", s.RuleSelectionCriteria, s.DataLoader)
		}
		if g := s.Guardrails; g.MinAccountsPerTerritory == nil || *g.MinAccountsPerTerritory != 10 || *g.MaxAccountsPerTerritory != 500 {
			t.Errorf("Guardrails = %+v", g)
		}
		if !slices.Equal(s.InactiveAccountStatuses, []string{"inactive__v"}) {
			t.Errorf("InactiveAccountStatuses = %q", s.InactiveAccountStatuses)
		}
		us := cfg.Instance("us")
		if us == nil || us.Type != "vault" || us.APIVersion != "v24.1" || us.CredentialsEnv != "ALIGN_US" {
			t.Fatalf("instance us = %+v", us)
		}
		codes := func(cs []Country) (out []string) {
			for _, c := range cs {
				out = append(out, c.Code+"="+map[bool]string{true: "on", false: "off"}[c.Active])
			}
			return out
		}
		if got := codes(us.Countries); !slices.Equal(got, []string{"US=on", "PR=on", "CA=off"}) {
			t.Errorf("countries = %q", got)
		}
		if got := us.SelectedCountries(); !slices.Equal(got, []string{"US", "PR"}) {
			t.Errorf("SelectedCountries = %q", got)
		}
		if want := (Pos{"testdata/valid/settings.yaml", 10, 17}); us.Countries[0].Pos != want {
			t.Errorf("country US at %v, want %v", us.Countries[0].Pos, want)
		}
	})

	t.Run("sorted by id", func(t *testing.T) {
		var ffs, ts, rms, fms []string
		for _, f := range cfg.FieldForces {
			ffs = append(ffs, f.ID)
		}
		for _, x := range cfg.Territories {
			ts = append(ts, x.ID)
		}
		for _, m := range cfg.RosterMembers {
			rms = append(rms, m.ID)
		}
		for _, m := range cfg.FieldMappings {
			fms = append(fms, m.Direction+" "+m.CRMObject)
		}
		for _, c := range []struct{ got, want []string }{
			{ffs, []string{"CARD", "ONC"}},
			{ts, []string{"CARD-1", "ONC-100", "ONC-101"}},
			{rms, []string{"RM-1", "RM-2"}},
			{fms, []string{"inbound territory_metrics__c", "outbound account_territory__v"}},
		} {
			if !slices.Equal(c.got, c.want) {
				t.Errorf("got %q, want %q", c.got, c.want)
			}
		}
	})

	t.Run("field force", func(t *testing.T) {
		onc := cfg.FieldForce("ONC")
		if !onc.Start.Equal(*day(2026, 1, 1)) || onc.End != nil || !onc.Exclusive || onc.CopyProductsToTerritories {
			t.Errorf("ONC = %+v", onc)
		}
		if onc.Start.Location().String() != "Europe/Paris" || onc.Start.UTC().Hour() != 23 {
			t.Errorf("ONC starts %v, want midnight in Paris (23:00 UTC)", onc.Start)
		}
		wantEx := []Exclusion{
			{Pos: Pos{"testdata/valid/field_forces/forces.yaml", 12, 14}, Account: "ACC-1"},
			{Pos: Pos{"testdata/valid/field_forces/forces.yaml", 12, 21}, Account: "ACC-2", Start: day(2026, 3, 1), Reason: "deceased"},
		}
		if !reflect.DeepEqual(onc.Exclusions, wantEx) {
			t.Errorf("Exclusions = %+v, want %+v", onc.Exclusions, wantEx)
		}
		if len(onc.Products) != 1 || onc.Products[0].Product != "KEYTRUDA" || !onc.Products[0].SendToCRM {
			t.Errorf("Products = %+v", onc.Products)
		}
		r := onc.Rules[0]
		if r.OwnerKind != "field_force" || r.Owner != "ONC" || !r.SendToCRM || r.Type != RuleAccount || r.Match != MatchAll ||
			!slices.Equal(r.AccountSources, []string{SourceCRM}) || r.Geography {
			t.Errorf("ONC rule = %+v, want defaults", r)
		}
		card := cfg.FieldForce("CARD")
		if card.Start != nil || card.Rules != nil || card.Exclusive {
			t.Errorf("CARD = %+v", card)
		}
	})

	t.Run("territory", func(t *testing.T) {
		ter := cfg.Territory("ONC-101")
		if ter.Parent != "ONC-100" || ter.FieldForce != "ONC" || ter.CRMInstance != "us" || ter.Country != "US" || !ter.SendToCRM {
			t.Errorf("ONC-101 = %+v", ter)
		}
		if !ter.End.Equal(*day(2026, 12, 31)) {
			t.Errorf("End = %v", ter.End)
		}
		if want := (Pos{"testdata/valid/territories/northeast/boston.yml", 1, 1}); ter.Pos != want {
			t.Errorf("Pos = %v, want %v", ter.Pos, want)
		}
		wantGeo := []Geography{
			{Pos: Pos{"testdata/valid/territories/northeast/boston.yml", 11, 5}, Code: "021*", Start: day(2026, 1, 1)},
			{Pos: Pos{"testdata/valid/territories/northeast/boston.yml", 12, 5}, Code: "02134"},
		}
		if !reflect.DeepEqual(ter.Geographies, wantGeo) {
			t.Errorf("Geographies = %+v, want %+v", ter.Geographies, wantGeo)
		}
		if len(ter.Products) != 2 || ter.Products[0].Product != "KEYTRUDA" || !ter.Products[0].SendToCRM ||
			ter.Products[1].Product != "OPDIVO" || !ter.Products[1].Start.Equal(*day(2026, 2, 1)) {
			t.Errorf("Products = %+v", ter.Products)
		}
		if len(ter.Assignments) != 2 || !ter.Assignments[0].SendToCRM || ter.Assignments[1].SendToCRM {
			t.Errorf("Assignments = %+v", ter.Assignments)
		}
		if p := cfg.Territory("ONC-100").Parent; p != "" {
			t.Errorf("ONC-100 parent = %q, want root", p)
		}
	})

	t.Run("rules", func(t *testing.T) {
		r := cfg.Territory("ONC-101").Rules[0]
		want := &Rule{
			Pos:            Pos{"testdata/valid/territories/northeast/boston.yml", 21, 5},
			ID:             "onc-101-oncologists",
			OwnerKind:      "territory",
			Owner:          "ONC-101",
			SendToCRM:      true,
			AccountSources: []string{"crm", "data_loader"},
			Start:          day(2026, 1, 1),
			Type:           RuleAccount,
			Geography:      true,
			Match:          "1 AND (2 or not 3)",
			Criteria: []Criterion{
				{Pos: Pos{"testdata/valid/territories/northeast/boston.yml", 30, 9}, Object: "account__v", Field: "specialty_1__v", Operator: "in",
					Value: `Oncology, Pediatric Oncology, Plastic Surgery\, Hand`},
				{Pos: Pos{"testdata/valid/territories/northeast/boston.yml", 31, 9}, Object: "call2__v", Field: "call_date__v", Operator: "less_than_days", Value: "90"},
				{Pos: Pos{"testdata/valid/territories/northeast/boston.yml", 32, 9}, Object: "territory_metrics__c", Field: "tier", Operator: "is_null"},
			},
		}
		if !reflect.DeepEqual(r, want) {
			t.Errorf("rule =\n%+v\nwant\n%+v", r, want)
		}
		h := cfg.Territory("ONC-101").Rules[1]
		if h.Type != RuleHierarchy || h.Assign != "child" || !h.Intermediaries || !slices.Equal(h.IgnoreSources, []string{"manual"}) {
			t.Errorf("hierarchy rule = %+v", h)
		}
		if got := SplitIn(r.Criteria[0].Value); !slices.Equal(got, []string{"Oncology", "Pediatric Oncology", "Plastic Surgery, Hand"}) {
			t.Errorf("SplitIn(value) = %q", got)
		}
	})

	t.Run("send_to_crm defaults to the territory's", func(t *testing.T) {
		q := cfg.Territory("CARD-1")
		if q.SendToCRM || q.Products[0].SendToCRM || q.Assignments[0].SendToCRM || q.Rules[0].SendToCRM {
			t.Errorf("CARD-1 = %+v: everything under it should default to send_to_crm false", q)
		}
	})

	t.Run("roster", func(t *testing.T) {
		m1, m2 := cfg.RosterMembers[0], cfg.RosterMembers[1]
		if !m1.MasteredByAlign || m2.MasteredByAlign {
			t.Errorf("MasteredByAlign: RM-1 %v (default true), RM-2 %v", m1.MasteredByAlign, m2.MasteredByAlign)
		}
		want := []RosterTerritory{
			{Pos: Pos{"testdata/valid/roster/members.yaml", 12, 5}, Territory: "ONC-101", Start: day(2026, 1, 1), Primary: true, SendToCRM: true},
			{Pos: Pos{"testdata/valid/roster/members.yaml", 13, 5}, Territory: "ONC-100"},
		}
		if !reflect.DeepEqual(m1.Territories, want) {
			t.Errorf("RM-1 territories = %+v, want %+v", m1.Territories, want)
		}
	})

	t.Run("field mappings", func(t *testing.T) {
		in := cfg.FieldMappings[0]
		if len(in.System) != 2 || in.System[0].Active || !in.System[1].Active || in.Custom[0].AlignField != "tier" {
			t.Errorf("inbound mapping = %+v", in)
		}
		if got := cfg.CriterionObjects(); !slices.Contains(got, "territory_metrics__c") || slices.Contains(got, "account_territory__v") {
			t.Errorf("CriterionObjects = %q: want inbound objects only", got)
		}
	})
}

func TestLoadDirDot(t *testing.T) {
	t.Chdir("testdata/valid")
	cfg, err := LoadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Territory("ONC-101").Pos.String(); got != "territories/northeast/boston.yml:1:1" {
		t.Errorf("Pos = %q, want no folder prefix", got)
	}
}

func TestIsConfigFile(t *testing.T) {
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"settings.yaml", true},
		{"territories/east.yml", true},
		{".gitlab-ci.yml", false},
		{"territories/.draft.yaml", false},
		{"README.md", false},
		{"crm/account__v.csv", false},
		{"notes.yaml.bak", false},
	} {
		if got := IsConfigFile(tc.path); got != tc.want {
			t.Errorf("IsConfigFile(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
	// CI files beside the config are not read as config.
	cfg, err := LoadFS(fstest.MapFS{
		"settings.yaml":              {Data: []byte("kind: settings\ncrm_instances: []\n")},
		".gitlab-ci.yml":             {Data: []byte("stages: [plan]\n")},
		".github/workflows/plan.yml": {Data: []byte("on: pull_request\n")},
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Files) != 1 {
		t.Errorf("Files = %v, want settings.yaml only", cfg.Files)
	}
}

func TestLoadDirMissing(t *testing.T) {
	_, err := LoadDir("testdata/no-such-folder")
	if err == nil || !strings.Contains(err.Error(), "testdata/no-such-folder") {
		t.Errorf("err = %v, want one naming the folder", err)
	}
	var ds Diagnostics
	if errors.As(err, &ds) {
		t.Errorf("a missing folder is not a config diagnostic")
	}
}

func TestLoadDefaults(t *testing.T) {
	cfg, err := LoadFS(fstest.MapFS{
		"settings.yaml": {Data: []byte("kind: settings\ncrm_instances: []\n")},
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Settings
	if s.Timezone != "UTC" || s.Location != time.UTC || s.RuleSelectionCriteria != RuleSelectionNone ||
		s.Guardrails.MinAccountsPerTerritory != nil || s.DataLoader != "" {
		t.Errorf("Settings = %+v, want defaults", s)
	}
}

func TestHash(t *testing.T) {
	files := fstest.MapFS{
		"settings.yaml":    {Data: []byte("kind: settings\ncrm_instances: []\n")},
		"a/ff.yml":         {Data: []byte("kind: field_force\nid: F\nname: F\n")},
		".alignctl/x.yaml": {Data: []byte("not: [valid")},
		"notes.txt":        {Data: []byte("ignored")},
	}
	cfg, err := LoadFS(files, "")
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, f := range []string{"a/ff.yml", "settings.yaml"} {
		h.Write([]byte(f + "\x00"))
		h.Write(files[f].Data)
		h.Write([]byte{0})
	}
	if want := hex.EncodeToString(h.Sum(nil)); cfg.Hash != want {
		t.Errorf("Hash = %s, want %s", cfg.Hash, want)
	}
	files["a/ff.yml"] = &fstest.MapFile{Data: []byte("kind: field_force\nid: F\nname: G\n")}
	again, err := LoadFS(files, "")
	if err != nil {
		t.Fatal(err)
	}
	if again.Hash == cfg.Hash {
		t.Error("Hash did not change with a file's content")
	}
}

func TestYAMLFeatures(t *testing.T) {
	// Anchors, aliases and merge keys work as YAML says.
	src := `kind: settings
crm_instances:
  - &us {id: us, type: file, url: ./crm}
---
kind: field_force
id: F
name: F
rules:
  - &base
    id: r1
    criteria:
      - {field: account__v.country__v, operator: equals, value: US}
  - <<: *base
    id: r2
`
	cfg, err := LoadFS(fstest.MapFS{"c.yaml": {Data: []byte(src)}}, "")
	if err != nil {
		t.Fatal(err)
	}
	rules := cfg.FieldForce("F").Rules
	if len(rules) != 2 || rules[1].ID != "r2" || len(rules[1].Criteria) != 1 || rules[1].Criteria[0].Value != "US" {
		t.Errorf("rules = %+v", rules)
	}
}

func TestAliasBomb(t *testing.T) {
	// Ten aliases of ten aliases, nine deep: 10^10 values once expanded,
	// which the schema walk would take for ever over.
	var b strings.Builder
	b.WriteString("kind: field_force\nid: F\nname: F\nx0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "x%d: &a%d [%s]\n", i, i, strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 9)+fmt.Sprintf("*a%d", i-1))
	}
	_, err := LoadFS(fstest.MapFS{"a.yaml": {Data: []byte(b.String())}}, "")
	want := "a.yaml:1:1: the document holds more than 1048576 values once its aliases are expanded; split it"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}
