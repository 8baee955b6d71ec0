// Package reconcile is alignctl's lifecycle: import CRM data into the state,
// plan the changes the config makes, apply a plan, and push it to the CRM.
package reconcile

import "time"

// Window is the life of an assignment as the rules engine computes it: it
// starts at the latest of now and every start date involved (rule, territory,
// field force, geography) and ends at the earliest end date involved, never
// before now. Dates are never created before the execution time: account
// attributes describe the account as it is now, not as it was.
type Window struct {
	Start time.Time
	End   *time.Time // nil: open
}

// NewWindow computes the window at now of the given start and end dates (nil
// entries are open). ok is false when the window is empty: an entity has
// already ended, or the dates leave no time at all.
func NewWindow(now time.Time, starts, ends []*time.Time) (w Window, ok bool) {
	w.Start = now
	for _, s := range starts {
		if s != nil && s.After(w.Start) {
			w.Start = *s
		}
	}
	for _, e := range ends {
		if e != nil && (w.End == nil || e.Before(*w.End)) {
			e := *e
			w.End = &e
		}
	}
	if w.End != nil && !w.End.After(w.Start) {
		return w, false
	}
	return w, true
}

// Active reports whether an entity with these dates is in effect at t:
// [start, end) is half-open, so an entity whose end date has come is over.
func Active(t time.Time, start, end *time.Time) bool {
	return (start == nil || !start.After(t)) && (end == nil || end.After(t))
}
