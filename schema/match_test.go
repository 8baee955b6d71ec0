package schema

import (
	"slices"
	"testing"
)

func TestParseMatch(t *testing.T) {
	tests := []struct {
		expr string
		n    int
		want string // String() of the result
		// truth lists the sets of satisfied criteria that match, among all
		// subsets of 1..n (at most 3).
		truth [][]int
	}{
		{"1", 1, "1", [][]int{{1}}},
		{"1 AND 2", 2, "1 AND 2", [][]int{{1, 2}}},
		{"1 or 2", 2, "1 OR 2", [][]int{{1}, {2}, {1, 2}}},
		{"NOT 2", 2, "NOT 2", [][]int{{}, {1}}},
		{"not not 1", 1, "NOT NOT 1", [][]int{{1}}},
		{"1 AND (2 OR 3)", 3, "1 AND (2 OR 3)", [][]int{{1, 2}, {1, 3}, {1, 2, 3}}},
		{"1 AND 2 OR 3", 3, "(1 AND 2) OR 3", [][]int{{3}, {1, 2}, {1, 3}, {2, 3}, {1, 2, 3}}},
		{"1 OR 2 AND 3", 3, "1 OR (2 AND 3)", [][]int{{1}, {1, 2}, {1, 3}, {2, 3}, {1, 2, 3}}},
		{"(1 AND 2) AND 3", 3, "1 AND 2 AND 3", [][]int{{1, 2, 3}}},
		{"1 and (2 and 3)", 3, "1 AND 2 AND 3", [][]int{{1, 2, 3}}},
		{"NOT (1 OR 2)", 2, "NOT (1 OR 2)", [][]int{{}}},
		{"NOT 1 AND 2", 2, "NOT 1 AND 2", [][]int{{2}}},
		{"((1))", 1, "1", [][]int{{1}}},
		{"1AND(2)", 2, "1 AND 2", [][]int{{1, 2}}},
		{" 1\tAnD\n2 ", 2, "1 AND 2", [][]int{{1, 2}}},
		{"1 OR 1", 1, "1 OR 1", [][]int{{1}}},
		{"12", 12, "12", nil},
	}
	for _, tt := range tests {
		m, err := ParseMatch(tt.expr, tt.n)
		if err != nil {
			t.Errorf("ParseMatch(%q, %d): %v", tt.expr, tt.n, err)
			continue
		}
		if got := m.String(); got != tt.want {
			t.Errorf("ParseMatch(%q).String() = %q, want %q", tt.expr, got, tt.want)
		}
		if tt.n > 3 {
			continue
		}
		for mask := 0; mask < 1<<tt.n; mask++ {
			var set []int
			for i := 1; i <= tt.n; i++ {
				if mask&(1<<(i-1)) != 0 {
					set = append(set, i)
				}
			}
			want := slices.ContainsFunc(tt.truth, func(s []int) bool { return slices.Equal(s, set) || len(s) == 0 && len(set) == 0 })
			got := m.Eval(func(i int) bool { return slices.Contains(set, i) })
			if got != want {
				t.Errorf("ParseMatch(%q).Eval(%v) = %v, want %v", tt.expr, set, got, want)
			}
		}
	}
}

func TestParseMatchErrors(t *testing.T) {
	tests := []struct {
		expr string
		n    int
		want string
	}{
		{"", 2, "column 1: empty expression; join criterion numbers with AND, OR, NOT and parentheses, e.g. 1 AND (2 OR 3)"},
		{"   ", 2, "column 1: empty expression; join criterion numbers with AND, OR, NOT and parentheses, e.g. 1 AND (2 OR 3)"},
		{"1 AND 4", 3, "column 7: there is no criterion 4: the rule has criteria 1 to 3"},
		{"0", 3, "column 1: there is no criterion 0: the rule has criteria 1 to 3"},
		{"2", 1, "column 1: there is no criterion 2: the rule has 1 criterion"},
		{"1", 0, "column 1: there is no criterion 1: the rule has no criteria"},
		{"99999999999999999999", 3, "column 1: there is no criterion 99999999999999999999: the rule has criteria 1 to 3"},
		{"1 AN 2", 2, `column 3: unknown word "AN"; use criterion numbers with AND, OR and NOT`},
		{"1 && 2", 2, `column 3: unexpected '&'; use criterion numbers with AND, OR, NOT and parentheses`},
		{"1 AND (2 OR 3", 3, `column 14: "(" at column 7 is not closed`},
		{"1 AND 2)", 2, `column 8: ")" without a matching "("`},
		{"1 2", 2, `column 3: want AND or OR, got "2"`},
		{"(1 2)", 2, `column 4: want AND, OR or ")", got "2"`},
		{"1 OR", 2, `column 5: want a criterion number, NOT or "(", got the end of the expression`},
		{"AND 1", 2, `column 1: want a criterion number, NOT or "(", got "AND"`},
		{"()", 2, `column 2: want a criterion number, NOT or "(", got ")"`},
		{"NOT", 2, `column 4: want a criterion number, NOT or "(", got the end of the expression`},
		{"é AND 1", 1, `column 1: unknown word "é"; use criterion numbers with AND, OR and NOT`},
		{"1 AND ∧", 1, `column 7: unexpected '∧'; use criterion numbers with AND, OR, NOT and parentheses`},
		{"all", 2, `column 1: unknown word "all"; use criterion numbers with AND, OR and NOT`},
	}
	for _, tt := range tests {
		_, err := ParseMatch(tt.expr, tt.n)
		if err == nil {
			t.Errorf("ParseMatch(%q, %d): no error, want %q", tt.expr, tt.n, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("ParseMatch(%q, %d):\n got %s\nwant %s", tt.expr, tt.n, err, tt.want)
		}
	}
}

func TestParseMatchDepth(t *testing.T) {
	deep := ""
	for range maxMatchDepth + 5 {
		deep += "("
	}
	if _, err := ParseMatch(deep+"1", 1); err == nil {
		t.Fatal("no error for an expression nested too deep")
	}
}

func TestMatchCriteria(t *testing.T) {
	m, err := ParseMatch("3 OR (1 AND NOT 3)", 4)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Criteria(); !slices.Equal(got, []int{1, 3}) {
		t.Errorf("Criteria() = %v, want [1 3]", got)
	}
}

func FuzzParseMatch(f *testing.F) {
	for _, s := range []string{"1 AND (2 OR 3)", "NOT 2", "1 or not (2 and 3)", "((1)", "1 AND", ")", "4 OR 1"} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, expr string, n int) {
		n = n % 50
		m, err := ParseMatch(expr, n)
		if err != nil {
			if _, ok := err.(*MatchError); !ok {
				t.Fatalf("ParseMatch(%q): error %T, want *MatchError", expr, err)
			}
			return
		}
		// The canonical form parses back to itself and means the same.
		s := m.String()
		again, err := ParseMatch(s, n)
		if err != nil {
			t.Fatalf("ParseMatch(%q) = %q, which does not parse: %v", expr, s, err)
		}
		if again.String() != s {
			t.Fatalf("ParseMatch(%q) = %q, then %q", expr, s, again.String())
		}
		for mask := 0; mask < 8; mask++ {
			sat := func(i int) bool { return mask&(1<<((i-1)%3)) != 0 }
			if m.Eval(sat) != again.Eval(sat) {
				t.Fatalf("ParseMatch(%q) and its String %q evaluate differently", expr, s)
			}
		}
		for _, i := range m.Criteria() {
			if i < 1 || i > n {
				t.Fatalf("ParseMatch(%q, %d) uses criterion %d", expr, n, i)
			}
		}
	})
}
