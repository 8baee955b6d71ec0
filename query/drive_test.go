package query

import (
	"context"
	"fmt"
	"testing"
)

// masksOf lists the satisfied-criteria sets over n criteria that make f true,
// as the config compiler does for an expression.
func masksOf(n int, f func(c func(i int) bool) bool) []uint64 {
	var out []uint64
	for m := uint64(0); m < 1<<n; m++ {
		if f(func(i int) bool { return m&(1<<(i-1)) != 0 }) {
			out = append(out, m)
		}
	}
	return out
}

func TestDriveSets(t *testing.T) {
	tests := []struct {
		name string
		n    int
		pos  []int
		expr func(c func(int) bool) bool
		want string
	}{
		{"1 AND 2: either alone", 2, []int{1, 2},
			func(c func(int) bool) bool { return c(1) && c(2) }, "[[1] [2]]"},
		{"1 AND (2 OR 3) AND NOT 4: 1, or 2 with 3", 4, []int{1, 2, 3},
			func(c func(int) bool) bool { return c(1) && (c(2) || c(3)) && !c(4) }, "[[1] [2 3]]"},
		{"1 OR 2: both", 2, []int{1, 2},
			func(c func(int) bool) bool { return c(1) || c(2) }, "[[1 2]]"},
		{"(1 AND 2) OR (3 AND 4): one of each branch", 4, []int{1, 2, 3, 4},
			func(c func(int) bool) bool { return c(1) && c(2) || c(3) && c(4) }, "[[1 3] [1 4] [2 3] [2 4]]"},
		{"(1 OR 2) AND 3, 3 negative: 1 with 2", 3, []int{1, 2},
			func(c func(int) bool) bool { return (c(1) || c(2)) && c(3) }, "[[1 2]]"},
		{"1 AND 2, 1 negative: 2", 2, []int{2},
			func(c func(int) bool) bool { return c(1) && c(2) }, "[[2]]"},
		{"1 OR 2, 2 negative: a scan", 2, []int{1},
			func(c func(int) bool) bool { return c(1) || c(2) }, "[]"},
		{"NOT 1: a scan", 1, []int{1},
			func(c func(int) bool) bool { return !c(1) }, "[]"},
		{"1 OR NOT 2: a scan", 2, []int{1, 2},
			func(c func(int) bool) bool { return c(1) || !c(2) }, "[]"},
		{"never true: nothing to drive", 1, []int{1},
			func(c func(int) bool) bool { return false }, "[]"},
		{"1 AND (1 OR 2): 1 alone is minimal", 2, []int{1, 2},
			func(c func(int) bool) bool { return c(1) && (c(1) || c(2)) }, "[[1]]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := driveSets(tt.n, masksOf(tt.n, tt.expr), tt.pos)
			if fmt.Sprint(got) != tt.want {
				t.Fatalf("driveSets = %v, want %s", got, tt.want)
			}
		})
	}
}

func TestDriveSetsOf16Criteria(t *testing.T) {
	// 1 AND 2 AND ... AND 16: sixteen sets of one criterion.
	got := driveSets(16, []uint64{1<<16 - 1}, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	if len(got) != 16 || fmt.Sprint(got[0], got[15]) != "[1] [16]" {
		t.Fatalf("driveSets = %v", got)
	}
}

func TestDriveModes(t *testing.T) {
	rs := &RuleSet{Rules: []Rule{
		{Key: 1, Match: "all", NCrit: 3},
		{Key: 2, Match: "any", NCrit: 2},
		{Key: 3, Match: "any", NCrit: 2},
		{Key: 4, Match: "all", NCrit: 0},
		{Key: 5, Match: "all", NCrit: 1},
		{Key: 6, Match: "expr", NCrit: 2, Masks: masksOf(2, func(c func(int) bool) bool { return c(1) && !c(2) })},
		{Key: 7, Hierarchy: true, Match: "all", NCrit: 1},
		{Key: 8, Match: "expr", NCrit: 1, Masks: nil},
	}}
	positive := map[[2]int]bool{
		{1, 1}: true, {1, 2}: false, {1, 3}: true,
		{2, 1}: true, {2, 2}: true,
		{3, 1}: true, {3, 2}: false,
		{5, 1}: false,
		{6, 1}: true, {6, 2}: true,
		{7, 1}: true,
	}
	got := driveModes(rs, positive)
	want := map[int]string{
		1: "options [[1] [3]]", // match all: each positive criterion alone
		2: "options [[1 2]]",   // match any: all of them
		3: "all []",            // match any with a negative criterion
		4: "all []",            // no criteria
		5: "all []",            // negative criteria only
		6: "options [[1]]",     // 1 AND NOT 2
		7: " []",               // hierarchy: the related accounts
		8: "none []",           // an expression that is never true
	}
	for k, w := range want {
		if s := got[k].mode + " " + fmt.Sprint(got[k].options); s != w {
			t.Errorf("rule %d: %s, want %s", k, s, w)
		}
	}
}

// An expression is driven by one drive set, chosen by value counts; an
// account that satisfies it through a criterion of the set other than the
// one another account used is still matched, and the accounts that satisfy
// only criteria outside the set are not candidates. An expression driven by
// equality criteria only is masked (TestMaskedRules): it has no candidates.
func TestExpressionDriveSet(t *testing.T) {
	db := opSnapshot(t)
	and23 := masksOf(3, func(c func(int) bool) bool { return c(1) && (c(2) || c(3)) })
	ma := crit{"address__v", "state__v", "equals", []string{"MA"}}                // A1 A3 A4 A5
	onc := crit{"account__v", "specialty_1__v", "equals", []string{"Oncologist"}} // A1
	hand := crit{"account__v", "specialty_2__v", "equals", []string{"Hand"}}      // A4
	oncCard := crit{"account__v", "specialty_1__v", "in", []string{"Oncologist", "Cardiologist"}}
	hcp := crit{"account__v", "record_type__v", "equals", []string{"HCP"}} // A1 A2 A3 A4
	tests := []struct {
		name       string
		rs         *RuleSet
		want       []string
		candidates int
	}{
		// MA holds 4 rows, Oncologist and Hand 2 together: 2 OR 3 drives, and
		// A4 comes in through 3 alone.
		{"MA AND (Oncologist OR Hand): driven by 2 and 3", oneRule("expr", and23, ma, onc, hand), []string{"A1", "A4"}, 0},
		// Oncologist or Cardiologist holds 2 rows, MA and HCP 8: 1 drives,
		// and A2 (New York) satisfies the alternative through 3 alone.
		{"(Oncologist or Cardiologist) AND (MA OR HCP): driven by 1", oneRule("expr", and23, oncCard, ma, hcp), []string{"A1", "A2"}, 0},
	}
	// The geography of T1 (A1's ZIP code) holds 1 account: it drives.
	geo := oneRule("expr", and23, ma, onc, hand)
	geo.Bindings = []Binding{binding(1, "r", "T1", true)}
	geo.Geographies = []Geography{{Territory: "T1", Code: "02138", Start: now}}
	tests = append(tests, struct {
		name       string
		rs         *RuleSet
		want       []string
		candidates int
	}{"geography competes with the drive sets", geo, []string{"A1"}, 1})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := matchedAccounts(t, db, tt.rs)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("matched %v, want %v", got, tt.want)
			}
			var n int
			if err := db.QueryRow(context.Background(), `SELECT candidates FROM engine_stats`).Scan(&n); err != nil || n != tt.candidates {
				t.Fatalf("%d candidates (%v), want %d", n, err, tt.candidates)
			}
		})
	}
}
