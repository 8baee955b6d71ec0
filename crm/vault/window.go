package vault

import (
	"context"
	"errors"
	"time"

	"github.com/alignctl/alignctl/crm"
)

// deletionWindow is how far back Vault lists deleted record ids ("Retrieve
// Deleted Object Record ID": "within the past 30 days"; start_date "no more
// than 30 days past"), on Vault's clock.
const deletionWindow = 30 * 24 * time.Hour

// windowMargin keeps a start_date clear of the window's edge: Vault's clock
// moves on between the response that told it and the call that uses it.
const windowMargin = time.Hour

var _ crm.DeletionWindow = (*Client)(nil)

// DeletionsCover reports whether the deleted-records calls still list every
// record deleted since since: since is within the 30 days before Vault's
// clock (ServerTime; Config.Now before the first response), with an hour's
// margin. A zero since (a full read) is covered.
func (c *Client) DeletionsCover(since time.Time) bool {
	return since.IsZero() || since.After(c.serverNow().Add(-deletionWindow+windowMargin))
}

// ExportIDs exports every id of the object (SELECT id FROM object), the
// full id read that finds deletions older than Vault's window by absence.
func (c *Client) ExportIDs(ctx context.Context, object string) (crm.Export, error) {
	none := crm.Export{Cleanup: func() {}}
	if _, err := c.metadata(ctx, object); errors.Is(err, crm.ErrUnknownObject) {
		return none, nil
	} else if err != nil {
		return none, err
	}
	return c.exportQuery(ctx, object, []fieldMetadata{{Name: fieldID}}, []string{""})
}
