package query

// The actions of the plan and the push, one vocabulary per kind of change
// (Terraform's plans.Action). They are strings so that the plan's JSON and
// the state's columns hold them as they are; the state's VARCHAR columns
// are read and written as plain strings, converted where they cross.

// ChangeAction is what a plan does to an assignment record.
type ChangeAction string

const (
	ChangeCreate ChangeAction = "create" // a new record
	ChangeEnd    ChangeAction = "end"    // end_date set (to now, or to the start of a record not started)
	ChangeUpdate ChangeAction = "update" // the record's dates change
)

// CRMAction is what a push does to a CRM record: a push item, a CRM change
// of a plan, a push's result and a failed write kept for a retry.
type CRMAction string

const (
	CRMCreate CRMAction = "create"
	CRMUpdate CRMAction = "update"
	CRMDelete CRMAction = "delete"
)
