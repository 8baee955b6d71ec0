// Command scale writes an alignment at any size: a config repository
// (DIR/config) and the file CRM snapshot it aligns (DIR/crm), for the
// benchmarks of DESIGN.md section 9 (`make bench`, examples/bench).
//
//	go run ./examples/scale -out DIR [-accounts N] [-territories T] [-criteria C] [-field-forces F]
//	go run ./examples/scale -out DIR -widen   # the one-rule change the benchmark plans
//	go run ./examples/scale -out DIR [-mix NAME] [-change PCT]
//
// -mix picks the rules (mixes.go): "templates", the default, or one of the
// shapes customers write by lists (ZIP lists, specialty lists, many
// criteria, calls and product metrics, match expressions). -change PCT
// writes the config again with PCT percent of its rules edited (the same
// flags otherwise), for the benchmark's plan after a small change.
//
// Accounts split ~80% HCP / ~20% HCO with skewed specialties, ~96% US, the
// rest Puerto Rico and Canada (outside the country filter), a few inactive;
// 1-3 addresses with US ZIP codes (leading zeros kept), affiliations, calls
// in the last 200 days and product metrics. Each field force has a tree
// nation -> region -> district -> territory, the ZIP codes split among its
// territories (whole prefixes as "021*", shared prefixes code by code), and
// rules that together use every operator.
//
// The output depends only on the flags: every random draw comes from a
// fixed seed (one stream for the accounts, one for the alignment), so the
// same flags give byte-identical files, and the accounts do not change with
// -territories or -criteria.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// seed is the generator's fixed random seed.
const seed = 20261101

type options struct {
	out                   string
	accounts, territories int
	criteria, fieldForces int
	mix                   string
	change                float64 // percent of the rules to edit; config only
}

func main() {
	var o options
	widen := false
	flag.StringVar(&o.out, "out", "", "folder to write config/ and crm/ to (required)")
	flag.IntVar(&o.accounts, "accounts", 100_000, "number of accounts")
	flag.IntVar(&o.territories, "territories", 0, "number of territories, every level (default: accounts/200, at most 25,000)")
	flag.IntVar(&o.criteria, "criteria", 0, "number of rule criteria (default: accounts/100)")
	flag.IntVar(&o.fieldForces, "field-forces", 0, fmt.Sprintf("number of field forces, 1-%d (default 8)", len(fieldForces)))
	flag.BoolVar(&widen, "widen", false, "edit -out's config: widen one field force rule (the benchmark's one-rule change)")
	flag.StringVar(&o.mix, "mix", "templates", "the rules: templates, zip-lists, specialty-lists, many-criteria, multi-row or expressions")
	flag.Float64Var(&o.change, "change", 0, "write -out's config only, with this percent of the rules edited (same other flags)")
	flag.Parse()
	if o.out == "" {
		fmt.Fprintln(os.Stderr, "scale: -out is required")
		flag.Usage()
		os.Exit(2)
	}
	var err error
	if widen {
		err = widenRule(filepath.Join(o.out, "config"))
	} else {
		err = generate(o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

// defaults fills the sizes that scale with the accounts: 25,000 territories
// and 50,000 criteria at 5 million accounts.
func (o *options) defaults() error {
	if o.territories == 0 {
		o.territories = min(25_000, max(8*12, o.accounts/200))
	}
	if o.criteria == 0 {
		o.criteria = max(200, o.accounts/100)
	}
	if o.fieldForces == 0 {
		o.fieldForces = 8
	}
	if o.mix == "" {
		o.mix = "templates"
	}
	switch {
	case o.accounts < 1000:
		return fmt.Errorf("-accounts %d: at least 1000", o.accounts)
	case o.fieldForces < 1 || o.fieldForces > len(fieldForces):
		return fmt.Errorf("-field-forces %d: between 1 and %d", o.fieldForces, len(fieldForces))
	case o.territories > 25_000:
		return fmt.Errorf("-territories %d: Vault CRM allows at most 25,000 per CRM instance", o.territories)
	}
	return nil
}

// generate writes the config and the snapshot.
func generate(o options) error {
	if err := o.defaults(); err != nil {
		return err
	}
	places := newPlaces(rand.New(rand.NewPCG(seed, 1)))
	pop := drawPopulation(rand.New(rand.NewPCG(seed, 2)), places, o.accounts)
	m, err := mixNamed(o.mix)
	if err != nil {
		return err
	}
	al, err := buildAlignment(rand.New(rand.NewPCG(seed, 3)), pop, o.fieldForces, o.territories, o.criteria)
	if err != nil {
		return err
	}
	if m.leaf != nil {
		al.mixRules(rand.New(rand.NewPCG(seed, 5)), pop, m)
	}
	if o.change > 0 {
		changed := al.changeRules(o.change)
		if err := writeConfig(filepath.Join(o.out, "config"), al, o.accounts); err != nil {
			return err
		}
		fmt.Printf("scale: %d rules changed\n", changed)
		return nil
	}
	if err := writeConfig(filepath.Join(o.out, "config"), al, o.accounts); err != nil {
		return err
	}
	if err := writeSnapshot(filepath.Join(o.out, "crm"), rand.New(rand.NewPCG(seed, 4)), pop, al); err != nil {
		return err
	}
	// One line that examples/bench reads back: the sizes actually written.
	rules, territories := 0, 0
	for i, tree := range al.trees {
		territories += len(tree)
		rules += len(al.ffRules[i])
		for _, t := range tree {
			rules += len(t.rules)
		}
	}
	fmt.Printf("scale: %d accounts, %d territories, %d criteria, %d rules, %d field forces\n",
		o.accounts, territories, al.criteria, rules, len(al.forces))
	return nil
}

// widenRule makes the one-rule change: Oncology's specialist rule takes
// Radiation Oncology too.
func widenRule(config string) error {
	path := filepath.Join(config, "field-forces.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if n := bytes.Count(b, []byte(widenFrom)); n != 1 {
		return fmt.Errorf("%s: %d places to widen (want 1): was it generated by this program, or widened already?", path, n)
	}
	return os.WriteFile(path, bytes.Replace(b, []byte(widenFrom), []byte(widenTo), 1), 0o644)
}
