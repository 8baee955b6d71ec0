package query

import (
	"errors"
)

// Evaluation is what EvaluateRules made of a rule set: the desired
// assignments, resolved for exclusive field forces, and their diff against
// the state's assignments (Diff). Its methods read them from the
// connection's temporary tables, which the next evaluation replaces: a
// method of an Evaluation, or of a Diff or Touched made from it, called
// after the connection evaluated again fails with errReplaced rather than
// read another evaluation's rows.
type Evaluation struct {
	db  *DB
	gen uint64 // db.evaluations when it was made
	// Cached says the desired assignments came from the evaluation cache;
	// Reused, how many rules' records an incremental evaluation took from
	// it (EvalCache).
	Cached bool
	Reused int
}

// errReplaced is a caller's mistake, not the user's: it read an evaluation
// after making another.
var errReplaced = errors.New("internal error: an evaluation was read after the state database evaluated rules again")

// current fails once a later evaluation replaced e's tables.
func (e *Evaluation) current() error {
	if e.gen != e.db.evaluations {
		return errReplaced
	}
	return nil
}
