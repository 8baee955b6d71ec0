package reconcile

// ConfigAction is what a plan does to a territory, a roster member
// territory or a territory product: the config adds, changes or drops it.
// An assignment change's action is a query.ChangeAction, a CRM change's a
// query.CRMAction.
type ConfigAction string

const (
	ConfigCreate ConfigAction = "create"
	ConfigUpdate ConfigAction = "update"
	ConfigRemove ConfigAction = "remove"
)
