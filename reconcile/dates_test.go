package reconcile

import (
	"testing"
	"time"
)

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// The two worked examples of the rules-engine seed, and the end-date rules.
func TestNewWindow(t *testing.T) {
	july1 := at("2015-07-01T00:00:00Z")
	tests := []struct {
		name      string
		now       string
		starts    []*time.Time
		ends      []*time.Time
		wantStart string
		wantEnd   string // "" = open
		wantOK    bool
	}{
		{
			name: "seed example 1: everything starts July 1, run July 26 9:33 starts at the run",
			now:  "2015-07-26T09:33:00Z", starts: []*time.Time{july1, july1, july1},
			wantStart: "2015-07-26T09:33:00Z", wantOK: true,
		},
		{
			name: "seed example 2: run June 23 with a rule starting July 1 starts July 1",
			now:  "2015-06-23T00:00:00Z", starts: []*time.Time{july1, nil},
			wantStart: "2015-07-01T00:00:00Z", wantOK: true,
		},
		{
			name: "end is the earliest end involved",
			now:  "2015-07-26T09:33:00Z", starts: []*time.Time{july1},
			ends:      []*time.Time{at("2016-01-01T00:00:00Z"), nil, at("2015-12-31T00:00:00Z")},
			wantStart: "2015-07-26T09:33:00Z", wantEnd: "2015-12-31T00:00:00Z", wantOK: true,
		},
		{
			name: "an entity that ended before now creates nothing",
			now:  "2015-07-26T09:33:00Z", ends: []*time.Time{at("2015-07-01T00:00:00Z")},
			wantStart: "2015-07-26T09:33:00Z", wantEnd: "2015-07-01T00:00:00Z", wantOK: false,
		},
		{
			name: "an end at the start leaves no time",
			now:  "2015-06-23T00:00:00Z", starts: []*time.Time{july1}, ends: []*time.Time{july1},
			wantStart: "2015-07-01T00:00:00Z", wantEnd: "2015-07-01T00:00:00Z", wantOK: false,
		},
		{
			name: "no dates at all: from now, open",
			now:  "2015-06-23T00:00:00Z", wantStart: "2015-06-23T00:00:00Z", wantOK: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, ok := NewWindow(*at(tt.now), tt.starts, tt.ends)
			if ok != tt.wantOK {
				t.Fatalf("ok = %v, want %v", ok, tt.wantOK)
			}
			if got := w.Start.Format(time.RFC3339); got != tt.wantStart {
				t.Errorf("start = %s, want %s", got, tt.wantStart)
			}
			gotEnd := ""
			if w.End != nil {
				gotEnd = w.End.Format(time.RFC3339)
			}
			if gotEnd != tt.wantEnd {
				t.Errorf("end = %q, want %q", gotEnd, tt.wantEnd)
			}
		})
	}
}

func TestActive(t *testing.T) {
	now := *at("2026-03-01T00:00:00Z")
	tests := []struct {
		start, end *time.Time
		want       bool
	}{
		{nil, nil, true},
		{at("2026-03-01T00:00:00Z"), nil, true},
		{at("2026-03-02T00:00:00Z"), nil, false},
		{nil, at("2026-03-01T00:00:00Z"), false}, // [start, end) is half-open
		{nil, at("2026-03-01T00:00:01Z"), true},
	}
	for i, tt := range tests {
		if got := Active(now, tt.start, tt.end); got != tt.want {
			t.Errorf("%d: Active = %v, want %v", i, got, tt.want)
		}
	}
}
