// Package crm holds the CRM connectors behind one interface: crm/file (a
// folder of CSV files in the snapshot format) and crm/vault (the Vault REST API).
package crm

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// The Vault objects alignctl reads and writes.
const (
	Account          = "account__v"
	Address          = "address__v"
	ChildAccount     = "child_account__v"
	ProductMetrics   = "product_metrics__v"
	Call             = "call2__v"
	User             = "user__sys"
	Territory        = "territory__v"
	AccountTerritory = "account_territory__v"
	UserTerritory    = "user_territory__v"
	MySetupProducts  = "my_setup_products__v"
	// Multichannel Cycle Plans, read only: a cycle, its plans (one per
	// territory) and their targets (accounts with interaction goals).
	MCCycle           = "mc_cycle__v"
	MCCyclePlan       = "mc_cycle_plan__v"
	MCCyclePlanTarget = "mc_cycle_plan_target__v"
	// Deletions is the pseudo-object listing deleted records:
	// object, id, deleted_date, merged_into.
	Deletions = "deletions"
)

// ImportObjects are the objects an import reads, in the order it loads them
// (accounts first: the country filter of the others depends on them).
var ImportObjects = []string{Account, Address, ChildAccount, ProductMetrics, Call, User, Territory, AccountTerritory, UserTerritory, MySetupProducts,
	MCCycle, MCCyclePlan, MCCyclePlanTarget, Deletions}

// Record is one CRM record: Vault field name -> value, as text.
type Record map[string]string

// Result is the outcome of writing one record, in the order of the request.
// ID is the CRM record id (fresh for a create); Err is nil on success.
type Result struct {
	ID  string
	Err error
}

// Export is an object's data as a CSV file in the snapshot format: header row
// of field names including id and modified_date__v.
type Export struct {
	// Path is the CSV file, or "" when the CRM has no such object (no rows).
	Path string
	// Cleanup releases a temporary file; never nil.
	Cleanup func()
}

// Connector is a CRM: it exports objects for import and writes pushed records.
type Connector interface {
	// Export returns a CSV of the object's records. It holds at least every
	// record modified at or after since (zero: all records); it may hold more,
	// and the importer filters on modified_date__v.
	Export(ctx context.Context, object string, since time.Time) (Export, error)
	// Fields lists the object's field names (for mappings --check).
	Fields(ctx context.Context, object string) ([]string, error)
	// Create, Update and Delete write records in one call per batch; the
	// connector batches as its API requires. A returned error means the call
	// as a whole failed (nothing is known to be written); per-record failures
	// are in the results.
	//
	// Create upserts a record that carries ExternalID: when the object
	// already holds a record with that external id, that record is updated
	// and its id returned, so a create sent twice (a retry after a lost
	// response, a push run again after a crash) writes one record.
	Create(ctx context.Context, object string, recs []Record) ([]Result, error)
	Update(ctx context.Context, object string, recs []Record) ([]Result, error)
	Delete(ctx context.Context, object string, ids []string) ([]Result, error)
}

// Batcher is a connector that says how many records a push sends it per
// call, when that is not Vault's 500. A push commits each call's results to
// the state before the next call, so a connector whose calls cost nothing
// per call (the file CRM) takes larger ones: each commit scans the state's
// assignments.
type Batcher interface {
	BatchSize() int
}

// ExternalID is the field that makes a create idempotent: alignctl gives
// every record it creates a key derived from what the record stands for
// (the account and territory of an account territory, say).
const ExternalID = "external_id__v"

// RecordError is a per-record failure reported by the CRM.
type RecordError struct {
	Object string
	ID     string // record id, or the index in the request when the record has none
	Type   string // the CRM's error type, e.g. INVALID_DATA
	Msg    string
}

func (e *RecordError) Error() string {
	return fmt.Sprintf("%s %s: %s: %s", e.Object, e.ID, e.Type, e.Msg)
}

// ErrUnknownObject is returned by Fields for an object the CRM does not have.
var ErrUnknownObject = errors.New("unknown object")

// ServerClock is a connector that knows the CRM's own clock, as its latest
// response reported it (Vault: the HTTP Date header of its answers). An
// import's watermark comes from the CRM's records and clock, never from
// alignctl's: records the CRM stamps between two imports must not fall
// between watermarks when the two clocks disagree. Zero when the connector
// has seen no response yet.
type ServerClock interface {
	ServerTime() time.Time
}

// AccountExporter is a connector that exports the records of an object that
// belong to given accounts, whatever their modified date, in the snapshot
// format of Export. An import reads the children (addresses, affiliations,
// product metrics, calls) of accounts that enter the selected countries,
// which an incremental export does not return because they did not change.
// A record belongs to the accounts when any of fields (the object's account
// references: account__v; parent_account__v and child_account__v for
// child_account__v) holds one of them. A connector without it is read in
// full for such an import.
type AccountExporter interface {
	ExportAccounts(ctx context.Context, object string, fields, accounts []string) (Export, error)
}

// DeletionWindow is a connector whose list of deleted records reaches back
// a limited time (Vault: 30 days, on its own clock). When an import's
// watermark of crm.Deletions is older than that, the list misses records:
// the import then reads every id of each object and takes the records the
// state holds and the CRM no longer has as deleted. A connector that keeps
// its deletions forever (the file CRM) does not implement it.
type DeletionWindow interface {
	// DeletionsCover reports whether Export(Deletions, since) lists every
	// record deleted since since.
	DeletionsCover(since time.Time) bool
	// ExportIDs exports the id of every record of the object, as a CSV
	// whose one column is id (Path "" when the CRM has no such object).
	ExportIDs(ctx context.Context, object string) (Export, error)
}
