package query

// Evaluation is what EvaluateRules made of a rule set: the desired
// assignments, resolved for exclusive field forces, and their diff against
// the state's assignments. Its methods read them; they live in the
// connection's temporary tables until the next evaluation replaces them, so
// an Evaluation is read before the connection evaluates again (the diff it
// holds is also what DB.ApplyDiff and DB.PreviewDiff write).
type Evaluation struct {
	db *DB
	// Cached says the desired assignments came from the evaluation cache;
	// Reused, how many rules' records an incremental evaluation took from
	// it (EvalCache).
	Cached bool
	Reused int
}
