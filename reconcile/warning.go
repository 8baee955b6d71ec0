package reconcile

import (
	"fmt"
	"strings"
	"time"

	"github.com/alignctl/alignctl/query"
	"github.com/alignctl/alignctl/schema"
)

// Warnings and conflicts are data: the engine says what it found, and the
// views say it in words (Text). The plan's JSON keeps the words only
// (jsonplan: warnings and conflicts are strings, as before they were
// typed), so a plan read back from it holds each as a sentence (WarnText,
// Conflict.Sentence).

// WarningKind says what a warning is about, and so which of its fields are
// set (listed beside each kind).
type WarningKind string

// The kinds of warning, each with the fields it sets. A plan's:
const (
	WarnMergedAccount        WarningKind = "merged_account"         // Territory, Account, Winner (the account it was merged into)
	WarnUnknownAccount       WarningKind = "unknown_account"        // Territory, Account, Instance
	WarnCountryNotSelected   WarningKind = "country_not_selected"   // Territory, Country, Instance, Countries (the selected ones)
	WarnUnusedAttribute      WarningKind = "unused_attribute"       // Pos, FieldForce or Territory, Field (the key); validate's too
	WarnStaleMappings        WarningKind = "stale_mappings"         // Instance, Objects (inbound mappings changed since a full import)
	WarnCountryFilterChanged WarningKind = "country_filter_changed" // Instance
	WarnDrift                WarningKind = "drift"                  // Deleted, Added, Changed (the CRM's drift from the last push)

	// Bad records under a plan's cycle plan targets: at most warnListed
	// of a group named, the rest counted (WarnMoreRecords).
	WarnCycleStatus   WarningKind = "cycle_status"   // Object (mc_cycle__v or mc_cycle_plan__v), Record, Field, Value
	WarnCycleDate     WarningKind = "cycle_date"     // Object, Record, Field, Value
	WarnTargetGoal    WarningKind = "target_goal"    // Object, Record, Field, Value
	WarnMissingRecord WarningKind = "missing_record" // Instance, Object, Record, Field, Refers (cycle plan, account, cycle, territory), Value
	WarnMoreRecords   WarningKind = "more_records"   // Group, Count (the group's records not named)

	// An import's.
	WarnFirstImport      WarningKind = "first_import"      // Instance, Count (account_territory__v rows taken as crm assignments)
	WarnUnknownTerritory WarningKind = "unknown_territory" // Instance, Count (rows skipped)
	WarnAccountMerges    WarningKind = "account_merges"    // Instance, Moved, Widened
	WarnDeletedInCRM     WarningKind = "deleted_in_crm"    // Instance, Count (assignments end-dated)
	WarnMissingField     WarningKind = "missing_field"     // Instance, Object, Field
	WarnDeletionWindow   WarningKind = "deletion_window"   // Instance, Since (the watermark), Objects (read in full), PerObject (deletions found)

	// WarnText is a warning read back from a plan's JSON, which keeps
	// its words only: Sentence.
	WarnText WarningKind = "text"
)

// Warning is one thing a plan or an import asks the user to look at. The
// fields its Kind lists are set; the others are zero.
type Warning struct {
	Kind       WarningKind
	Pos        schema.Pos
	Instance   string
	FieldForce string
	Territory  string
	Account    string
	Winner     string
	Country    string
	Countries  []string
	Object     string
	Objects    []string
	Record     string
	Field      string
	Value      string
	Refers     string
	Group      string
	Count      int64
	// Moved and Widened are an import's merged assignments.
	Moved, Widened int64
	// Deleted, Added and Changed are the drift's records.
	Deleted, Added, Changed int
	Since                   time.Time
	PerObject               []ObjectCount
	Sentence                string
}

// ObjectCount is a count of one CRM object's records.
type ObjectCount struct {
	Object string
	Count  int64
}

// Text is the warning in words: what plan, import and validate print, and
// the plan's JSON holds.
func (w Warning) Text() string {
	switch w.Kind {
	case WarnMergedAccount:
		return fmt.Sprintf("territory %s: manual assignment of account %s, which was merged into %s: it applies to %s; update the config to the winning id",
			w.Territory, w.Account, w.Winner, w.Winner)
	case WarnUnknownAccount:
		return fmt.Sprintf("territory %s: manual assignment of account %s: no such account in CRM instance %s", w.Territory, w.Account, w.Instance)
	case WarnCountryNotSelected:
		return fmt.Sprintf("territory %s: country %s is not selected for crm instance %s (%s): it and its account territories are not pushed",
			w.Territory, w.Country, w.Instance, strings.Join(w.Countries, ", "))
	case WarnUnusedAttribute:
		owner := "territory " + w.Territory
		if w.Territory == "" {
			owner = "field force " + w.FieldForce
		}
		return fmt.Sprintf("%s: %s: attributes.%s is used by no outbound field mapping of territory__v; it is not pushed", w.Pos, owner, w.Field)
	case WarnStaleMappings:
		return fmt.Sprintf("instance %s: the inbound field mappings changed since the last full import of %s: run alignctl import --full",
			w.Instance, strings.Join(w.Objects, ", "))
	case WarnCountryFilterChanged:
		return fmt.Sprintf("instance %s: the country filter changed since the last import: run alignctl import, which reads the accounts that enter or leave it", w.Instance)
	case WarnDrift:
		return fmt.Sprintf("the CRM drifted from what alignctl last pushed (as the last import read it): %d deleted, %d added, %d changed; "+
			"alignctl drift lists them, and the next push restores what the config says", w.Deleted, w.Added, w.Changed)
	case WarnCycleStatus:
		what := "cycle"
		if w.Object != "mc_cycle__v" {
			what = "plan"
		}
		return fmt.Sprintf("%s %s: %s %q is not a status alignctl knows (planned, in progress, active; completed, inactive); the %s counts for nothing",
			w.Object, w.Record, w.Field, w.Value, what)
	case WarnCycleDate:
		return fmt.Sprintf("%s %s: %s %q is not a date; the cycle counts for nothing", w.Object, w.Record, w.Field, w.Value)
	case WarnTargetGoal:
		return fmt.Sprintf("%s %s: %s %q is not a number; read as missing", w.Object, w.Record, w.Field, w.Value)
	case WarnMissingRecord:
		// A target without its record is left out of its plan; a plan
		// without its cycle or territory, altogether.
		leftOut := "target"
		if w.Object == "mc_cycle_plan__v" {
			leftOut = "plan"
		}
		return fmt.Sprintf("instance %s: %s %s: %s names %s %q, which the CRM does not have; the %s is left out",
			w.Instance, w.Object, w.Record, w.Field, w.Refers, w.Value, leftOut)
	case WarnMoreRecords:
		return fmt.Sprintf("%s: %d more records like the above", w.Group, w.Count)
	case WarnFirstImport:
		return fmt.Sprintf("first import of instance %s: %d account_territory__v rows imported as crm assignments", w.Instance, w.Count)
	case WarnUnknownTerritory:
		return fmt.Sprintf("instance %s: %d account_territory__v rows name a territory__v record the CRM does not have; skipped", w.Instance, w.Count)
	case WarnAccountMerges:
		return fmt.Sprintf("instance %s: account merges: %d assignments moved to the winning account, %d merged into the winner's overlapping assignment",
			w.Instance, w.Moved, w.Widened)
	case WarnDeletedInCRM:
		return fmt.Sprintf("instance %s: %d manual or crm assignments end-dated: their account or account_territory__v record was deleted in the CRM", w.Instance, w.Count)
	case WarnMissingField:
		return fmt.Sprintf("instance %s: %s has no field %s, which a field mapping names; skipped (alignctl mappings --check lists them)", w.Instance, w.Object, w.Field)
	case WarnDeletionWindow:
		result := "none deleted"
		if len(w.PerObject) > 0 {
			found := make([]string, len(w.PerObject))
			for i, o := range w.PerObject {
				found[i] = fmt.Sprintf("%s %d", o.Object, o.Count)
			}
			result = "deleted: " + strings.Join(found, ", ")
		}
		return fmt.Sprintf("instance %s: the deletions watermark (%s) is older than the CRM's window of deleted records: read every id of %s to find deletions by absence (%s)",
			w.Instance, w.Since.UTC().Format(time.RFC3339), strings.Join(w.Objects, ", "), result)
	case WarnText:
		return w.Sentence
	}
	// A kind without words is a bug of this file; say what is known rather
	// than print nothing.
	return fmt.Sprintf("%s warning: %+v", w.Kind, w)
}

// WarningTexts are the warnings in words, in order.
func WarningTexts(ws []Warning) []string {
	return convert(ws, Warning.Text)
}

// Conflict is an account that the rules of an exclusive field force give to
// more than one of its territories.
type Conflict struct {
	FieldForce  string
	Account     string
	Territories []string
	// Kept is the territory that already had the account and keeps it;
	// "" when none is assigned.
	Kept string
	// Sentence is all a conflict read back from a plan's JSON holds.
	Sentence string
}

func conflictOf(c query.Conflict) Conflict {
	return Conflict{FieldForce: c.FieldForce, Account: c.Account, Territories: c.Territories, Kept: c.Kept}
}

// Text is the conflict in words, as the plan prints it.
func (c Conflict) Text() string {
	if c.Sentence != "" {
		return c.Sentence
	}
	outcome := "none assigned"
	if c.Kept != "" {
		outcome = "kept in " + c.Kept + ", which already had it"
	}
	return fmt.Sprintf("field force %s is exclusive: account %s matches %s; %s",
		c.FieldForce, c.Account, strings.Join(c.Territories, ", "), outcome)
}

// AccountText is the conflict in words under one territory of explain's
// account, which it need not name again.
func (c Conflict) AccountText() string {
	outcome := "none assigned"
	if c.Kept != "" {
		outcome = "kept in " + c.Kept
	}
	return fmt.Sprintf("field force %s is exclusive and %s all want the account: %s", c.FieldForce, strings.Join(c.Territories, ", "), outcome)
}

// AttributeWarnings are the config's attribute keys that no outbound field
// mapping writes (schema.Config.UnusedAttributes); validate and plan warn
// of them.
func AttributeWarnings(cfg *schema.Config) []Warning {
	var out []Warning
	for _, a := range cfg.UnusedAttributes() {
		out = append(out, Warning{Kind: WarnUnusedAttribute, Pos: a.Pos, FieldForce: a.FieldForce, Territory: a.Territory, Field: a.Key})
	}
	return out
}
