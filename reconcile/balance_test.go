package reconcile

import (
	"slices"
	"testing"
)

func TestSpread(t *testing.T) {
	for _, tc := range []struct {
		counts []int
		want   Spread
	}{
		{nil, Spread{}},
		{[]int{4}, Spread{Min: 4, Median: 4, Max: 4}},
		{[]int{3, 4}, Spread{Min: 3, Median: 3.5, Max: 4, CV: 0.143}},
		{[]int{0, 0, 0}, Spread{}},
		{[]int{10, 0, 5}, Spread{Min: 0, Median: 5, Max: 10, CV: 0.816}},
	} {
		ts := make([]TerritoryAccounts, len(tc.counts))
		for i, n := range tc.counts {
			ts[i].After = n
		}
		if got := spread(ts, func(t TerritoryAccounts) int { return t.After }); got != tc.want {
			t.Errorf("spread(%v) = %+v, want %+v", tc.counts, got, tc.want)
		}
	}
}

func TestFurthestFromMedian(t *testing.T) {
	ts := []TerritoryAccounts{{Territory: "T1", After: 10}, {Territory: "T2", After: 1}, {Territory: "T3", After: 19},
		{Territory: "T4", After: 12}, {Territory: "T5", After: 8}}
	for _, tc := range []struct {
		n    int
		want []string
	}{
		{0, []string{}},
		{2, []string{"T2", "T3"}}, // 9 from the median each: ties by id
		{3, []string{"T2", "T3", "T4"}},
		{9, []string{"T2", "T3", "T4", "T5", "T1"}},
	} {
		var got []string
		for _, f := range FurthestFromMedian(ts, 10, tc.n) {
			got = append(got, f.Territory)
		}
		if !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("FurthestFromMedian(n=%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
	if ts[0].Territory != "T1" {
		t.Errorf("FurthestFromMedian reordered its input")
	}
}
