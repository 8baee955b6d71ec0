package crmtest

import (
	"testing"
	"time"
)

// parseTime reads a time a connector wrote: an unparsable one is a contract
// failure, reported without stopping the subtest.
func parseTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Errorf("time %q is not RFC 3339: %v", s, err)
	}
	return v
}

// mustTime reads a time the suite wrote itself, so a failure is the suite's.
func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// sameInstant compares two RFC 3339 times as instants: a connector may
// render them with another precision or zone.
func sameInstant(a, b string) bool {
	ta, err1 := time.Parse(time.RFC3339Nano, a)
	tb, err2 := time.Parse(time.RFC3339Nano, b)
	return err1 == nil && err2 == nil && ta.Equal(tb)
}
