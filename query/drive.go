package query

import "slices"

// Drivers: how the engine finds each rule's candidates.

// drive says how the engine finds a rule's candidates: "options" (from one
// of its drive sets, chosen in SQL from value counts), "all" (every account:
// the rule can be satisfied without any positive criterion), "none" (an
// expression that is never true), or "" (hierarchy rules, whose candidates
// are the related accounts).
type drive struct {
	mode string
	// options are the rule's drive sets: sets of positive criteria (1-based
	// positions) such that every account satisfying the rule satisfies one
	// of the set, none holding another.
	options [][]int
}

// maxDriveOptions bounds the drive sets kept for one expression; the
// smallest come first, so the bound only drops large alternatives.
const maxDriveOptions = 64

func driveModes(rs *RuleSet, positive map[[2]int]bool) map[int]drive {
	out := map[int]drive{}
	for _, r := range rs.Rules {
		if r.Hierarchy {
			out[r.Key] = drive{}
			continue
		}
		var pos []int
		for i := 1; i <= r.NCrit; i++ {
			if positive[[2]int{r.Key, i}] {
				pos = append(pos, i)
			}
		}
		var opts [][]int
		switch r.Match {
		case "all":
			// The one satisfying set holds every criterion: any positive
			// one drives alone.
			for _, p := range pos {
				opts = append(opts, []int{p})
			}
		case "any":
			// Every criterion alone satisfies: all of them drive, and a
			// negative one leaves nothing to drive with.
			if len(pos) == r.NCrit && r.NCrit > 0 {
				opts = [][]int{pos}
			}
		case "expr":
			if len(r.Masks) == 0 {
				// Never true: nothing to drive, no candidates.
				out[r.Key] = drive{mode: "none"}
				continue
			}
			opts = driveSets(r.NCrit, r.Masks, pos)
		}
		if len(opts) == 0 {
			out[r.Key] = drive{mode: "all"}
			continue
		}
		out[r.Key] = drive{mode: "options", options: opts}
	}
	return out
}

// driveSets lists the minimal sets of the positive criteria pos that meet
// every mask of an expression over n criteria (bit i-1 for criterion i),
// smallest first, then in order of their criteria: an account satisfying
// the expression satisfies some criterion of each such set, so the accounts
// satisfying one of the set's criteria are all its candidates. It returns
// nil when the expression is true for some set of satisfied criteria that
// holds no positive one (then only a scan finds its accounts).
func driveSets(n int, masks []uint64, pos []int) [][]int {
	if n == 0 || n > 16 || len(masks) == 0 {
		return nil
	}
	// within[x]: some mask is a subset of x.
	full := uint64(1)<<n - 1
	within := make([]bool, full+1)
	for _, m := range masks {
		if m <= full {
			within[m] = true
		}
	}
	for i := 0; i < n; i++ {
		for x := uint64(0); x <= full; x++ {
			if x&(1<<i) != 0 && within[x&^(1<<i)] {
				within[x] = true
			}
		}
	}
	// A set s meets every mask when no mask fits in its complement.
	meets := func(s uint64) bool { return !within[full&^s] }
	var pmask uint64
	for _, p := range pos {
		pmask |= 1 << (p - 1)
	}
	if !meets(pmask) {
		return nil
	}
	var sets []uint64
	// Enumerate the subsets of the positive criteria.
	for s := pmask; ; s = (s - 1) & pmask {
		if s != 0 && meets(s) {
			minimal := true
			for b := s; b != 0; b &= b - 1 {
				if meets(s &^ (b & -b)) {
					minimal = false
					break
				}
			}
			if minimal {
				sets = append(sets, s)
			}
		}
		if s == 0 {
			break
		}
	}
	out := make([][]int, len(sets))
	for i, s := range sets {
		for p := 1; p <= n; p++ {
			if s&(1<<(p-1)) != 0 {
				out[i] = append(out[i], p)
			}
		}
	}
	slices.SortFunc(out, func(a, b []int) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return slices.Compare(a, b)
	})
	if len(out) > maxDriveOptions {
		out = out[:maxDriveOptions]
	}
	return out
}
