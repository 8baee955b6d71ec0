package reconcile

import "github.com/alignctl/alignctl/reconcile/jsonplan"

// CRMFields are the values a CRM change writes, sorted by name: the plan's
// JSON form (a first plan has millions of CRM changes, and a map for each
// cost several times its two fields), which the engine keeps as it is.
type (
	CRMFields = jsonplan.CRMFields
	CRMField  = jsonplan.CRMField
)

func crmFieldsOf(m map[string]string) CRMFields { return jsonplan.FieldsOf(m) }
