package reconcile

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/alignctl/alignctl/crm"
)

// ReadRecords reads every record of a CRM object through the connector's
// export (no state involved): adopt and drift look at the CRM as it is now.
// An object the CRM does not have reads as no records.
func ReadRecords(ctx context.Context, conn crm.Connector, object string) ([]crm.Record, error) {
	exp, err := conn.Export(ctx, object, time.Time{})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", object, err)
	}
	defer exp.Cleanup()
	if exp.Path == "" {
		return nil, nil
	}
	f, err := os.Open(exp.Path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", object, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = false
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", object, err)
	}
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	var out []crm.Record
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", object, err)
		}
		rec := make(crm.Record, len(header))
		for i, h := range header {
			if i < len(row) {
				rec[h] = row[i]
			}
		}
		out = append(out, rec)
	}
}
