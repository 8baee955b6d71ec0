package file_test

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/alignctl/alignctl/crm"
	"github.com/alignctl/alignctl/crm/file"
)

// BenchmarkCreate times one create of a batch of 500 new account territories
// (Vault's batch size, and push's) into a file that already holds rows
// records: an append, so its cost should not grow with rows.
func BenchmarkCreate(b *testing.B) {
	for _, rows := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			dir := b.TempDir()
			seedAccountTerritories(b, filepath.Join(dir, "account_territory__v.csv"), rows)
			c := file.New(dir, clock)
			next := rows
			batch := func() []crm.Record {
				recs := make([]crm.Record, 500)
				for i := range recs {
					recs[i] = atRecord(next)
					next++
				}
				return recs
			}
			// The first create indexes the file: one scan, not timed.
			if _, err := c.Create(b.Context(), crm.AccountTerritory, batch()); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := c.Create(b.Context(), crm.AccountTerritory, batch()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func seedAccountTerritories(b *testing.B, path string, rows int) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	w := csv.NewWriter(bw)
	w.Write([]string{"id", "account__v", "territory__v", "external_id__v", "modified_date__v"})
	for i := range rows {
		w.Write([]string{fmt.Sprintf("ATR-%06d", i+1), fmt.Sprintf("ACC-%06d", i), "TER-000001", fmt.Sprintf("aln:at:%d", i), "2026-01-05T10:00:00Z"})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		b.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}
