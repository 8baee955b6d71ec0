package schema

import (
	"strconv"
	"time"
)

// Pos is a place in a config file, for error messages: "path/file.yaml:12:5".
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	if p.File == "" {
		return ""
	}
	if p.Line == 0 {
		return p.File
	}
	if p.Col == 0 {
		return p.File + ":" + strconv.Itoa(p.Line)
	}
	return p.File + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col)
}

// Config is one validated config repository. Slices are sorted by ID so that
// everything derived from a config is deterministic.
type Config struct {
	Settings      Settings
	FieldForces   []*FieldForce
	Territories   []*Territory
	RosterMembers []*RosterMember
	FieldMappings []*FieldMapping
	Policies      []*Policy
	// Files are the YAML files read, by path relative to the config root, in
	// lexical order; Hash is a content hash over their paths and bytes, and
	// FileHashes one per file (so that a stale plan can say which changed).
	Files      []string
	Hash       string
	FileHashes map[string]string
}

// Settings is the one `kind: settings` document.
type Settings struct {
	Pos                     Pos
	Timezone                string
	Location                *time.Location
	RuleSelectionCriteria   string // "no_criteria" or "by_send_to_crm"
	CRMInstances            []*CRMInstance
	DataLoader              string // folder in the snapshot format, relative to the config root; "" when none
	Guardrails              Guardrails
	InactiveAccountStatuses []string
}

const (
	RuleSelectionNone      = "no_criteria"
	RuleSelectionSendToCRM = "by_send_to_crm"
)

// CRMInstance is a connected CRM (Align's "Veeva CRM org").
type CRMInstance struct {
	Pos            Pos
	ID             string
	Type           string // "vault" or "file"
	URL            string // vault: base URL; file: folder, relative to the config root unless absolute
	APIVersion     string
	VaultID        string // optional: the vaultId the auth call must return
	CredentialsEnv string // prefix of <PREFIX>_USERNAME / <PREFIX>_PASSWORD
	Countries      []Country
}

// Country is one entry of a CRM instance's country filter.
type Country struct {
	Pos    Pos
	Code   string
	Active bool
}

// Guardrails bound the accounts per territory a plan may leave; nil = no bound.
type Guardrails struct {
	MinAccountsPerTerritory *int
	MaxAccountsPerTerritory *int
}

// FieldForce groups territories and holds the rules they all inherit.
type FieldForce struct {
	Pos                       Pos
	ID                        string
	Name                      string
	Start, End                *time.Time // nil: open
	Exclusive                 bool
	CopyProductsToTerritories bool
	Rules                     []*Rule
	Exclusions                []Exclusion
	Products                  []Product
	// Attributes are inherited by its territories, key by key.
	Attributes []Attribute
}

// Territory is one node of the territory tree.
type Territory struct {
	Pos         Pos
	ID          string
	Name        string
	Parent      string // "" for a root
	FieldForce  string
	CRMInstance string
	Country     string
	Start, End  *time.Time
	SendToCRM   bool        // default true
	Attributes  []Attribute // its own, without its field force's (Config.TerritoryAttributes)
	Geographies []Geography
	Products    []Product
	Exclusions  []Exclusion
	Assignments []Assignment
	Rules       []*Rule
}

// Attribute is one custom Align field of a territory or field force, which a
// custom outbound field mapping of territory__v writes to the CRM.
type Attribute struct {
	Pos        Pos // of the key
	Key, Value string
}

// Geography is a postal code, or a prefix when Code ends in "*".
type Geography struct {
	Pos        Pos
	Code       string
	Start, End *time.Time
}

// Product is a territory product (my_setup_products__v); bare names in YAML
// become a Product with open dates and SendToCRM true.
type Product struct {
	Pos        Pos
	Product    string
	Start, End *time.Time
	SendToCRM  bool
}

// Exclusion keeps an account out of a territory (or every territory of a
// field force); a bare account id in YAML has open dates.
type Exclusion struct {
	Pos        Pos
	Account    string
	Start, End *time.Time
	Reason     string
}

// Assignment is an explicit (manual) assignment of an account.
type Assignment struct {
	Pos        Pos
	Account    string
	Start, End *time.Time
	SendToCRM  bool // default true
}

// Rule kinds and match modes.
const (
	RuleAccount   = "account"
	RuleHierarchy = "hierarchy"
	MatchAll      = "all"
	MatchAny      = "any"
	SourceCRM     = "crm"
	SourceLoader  = "data_loader"
)

// Rule is an account assignment rule of a territory or of a field force.
type Rule struct {
	Pos            Pos
	ID             string
	OwnerKind      string // "territory" or "field_force"
	Owner          string // the territory or field force id
	SendToCRM      bool   // default true
	AccountSources []string
	Start, End     *time.Time
	Type           string // RuleAccount (default) or RuleHierarchy
	Geography      bool
	Match          string // MatchAll (default), MatchAny, or an expression like "1 AND (2 OR 3)"
	Criteria       []Criterion
	// Hierarchy rules only.
	Assign         string // "child" or "parent"
	Intermediaries bool
	IgnoreSources  []string
}

// Criterion is one row of a rule: object.field operator value.
type Criterion struct {
	Pos      Pos
	Object   string // e.g. account__v
	Field    string // e.g. specialty_1__v
	Operator string
	Value    string // the YAML scalar as written; "" for is_null / is_not_null
}

// RosterMember is a user and the territories they cover.
type RosterMember struct {
	Pos             Pos
	ID              string
	User            string
	MasteredByAlign bool
	Territories     []RosterTerritory
}

// RosterTerritory is one roster member territory.
type RosterTerritory struct {
	Pos        Pos
	Territory  string
	Start, End *time.Time
	Primary    bool
	SendToCRM  bool // default true
}

// FieldMapping is the inbound or outbound mapping of one CRM object.
type FieldMapping struct {
	Pos       Pos
	Direction string // "inbound" or "outbound"
	CRMObject string
	System    []SystemMapping
	Custom    []CustomMapping
}

// SystemMapping is a shipped mapping: it may be activated or deactivated only.
type SystemMapping struct {
	Pos      Pos
	CRMField string
	Active   bool
}

// CustomMapping maps a CRM field to an Align field.
type CustomMapping struct {
	Pos        Pos
	CRMField   string
	AlignField string
}

// Territory returns the territory with the given id, or nil.
func (c *Config) Territory(id string) *Territory {
	for _, t := range c.Territories {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// FieldForce returns the field force with the given id, or nil.
func (c *Config) FieldForce(id string) *FieldForce {
	for _, f := range c.FieldForces {
		if f.ID == id {
			return f
		}
	}
	return nil
}

// Instance returns the CRM instance with the given id, or nil.
func (c *Config) Instance(id string) *CRMInstance {
	for _, i := range c.Settings.CRMInstances {
		if i.ID == id {
			return i
		}
	}
	return nil
}

// SelectedCountries is the instance's country filter: the active entries, or
// nil when the list is empty or every entry is inactive (everything selected).
func (i *CRMInstance) SelectedCountries() []string {
	var out []string
	for _, c := range i.Countries {
		if c.Active {
			out = append(out, c.Code)
		}
	}
	return out
}
