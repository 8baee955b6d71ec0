package query

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkImport stages and merges a generated snapshot (accounts, two
// addresses each, affiliations, product metrics and calls: 6 records per
// account) into a fresh state file in one transaction, as import does.
// "full" reads every record; "incremental" a watermark that keeps a tenth.
//
//	go test ./query -run '^$' -bench Import -benchtime 3x
func BenchmarkImport(b *testing.B) {
	const accounts = 50_000
	dir := b.TempDir()
	writeBenchSnapshot(b, dir, accounts)
	for _, bc := range []struct {
		name  string
		since time.Time
	}{
		{"full", time.Time{}},
		{"incremental", benchSnapshotStart.Add(9 * benchSnapshotSpan / 10)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			for i := 0; b.Loop(); i++ {
				db, err := Open(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("state%d.duckdb", i)))
				if err != nil {
					b.Fatal(err)
				}
				err = db.Tx(ctx, func() error {
					for _, name := range []string{"account__v", "address__v", "child_account__v", "product_metrics__v", "call2__v"} {
						obj, _ := LookupObject(name)
						path := filepath.Join(dir, name+".csv")
						staged, err := db.StageCSV(ctx, path, obj.Required, obj.TimeColumn, Staging{Since: bc.since})
						if err != nil {
							return err
						}
						if _, err := db.MergeCRM(ctx, obj, staged, "us", bc.since.IsZero(), nil); err != nil {
							return err
						}
					}
					return nil
				})
				db.Close()
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(6*accounts)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
	// An incremental import over a state that holds the snapshot already:
	// the tenth it reads is unchanged (as the watermark's overlap reads
	// records again), so it is compared with the state and nothing is
	// taken. Only the incremental merge is timed.
	b.Run("incremental-unchanged", func(b *testing.B) {
		ctx := context.Background()
		since := benchSnapshotStart.Add(9 * benchSnapshotSpan / 10)
		merge := func(db *DB, since time.Time) error {
			return db.Tx(ctx, func() error {
				for _, name := range []string{"account__v", "address__v", "child_account__v", "product_metrics__v", "call2__v"} {
					obj, _ := LookupObject(name)
					staged, err := db.StageCSV(ctx, filepath.Join(dir, name+".csv"), obj.Required, obj.TimeColumn, Staging{Since: since})
					if err != nil {
						return err
					}
					st, err := db.MergeCRM(ctx, obj, staged, "us", since.IsZero(), nil)
					if err != nil {
						return err
					}
					if !since.IsZero() && st.Loaded != 0 {
						return fmt.Errorf("%s: %d unchanged records loaded again", name, st.Loaded)
					}
				}
				return nil
			})
		}
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			db, err := Open(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("state%d.duckdb", i)))
			if err != nil {
				b.Fatal(err)
			}
			if err := merge(db, time.Time{}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			err = merge(db, since)
			db.Close()
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

var (
	benchSnapshotStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	benchSnapshotSpan  = 700 * 24 * time.Hour
)

// writeBenchSnapshot writes the CSV files of n accounts, their modified
// dates spread evenly over benchSnapshotSpan.
func writeBenchSnapshot(b *testing.B, dir string, n int) {
	b.Helper()
	modified := func(i int) string {
		return benchSnapshotStart.Add(time.Duration(i) * (benchSnapshotSpan / time.Duration(n))).Format(time.RFC3339)
	}
	files := []struct {
		name, header string
		row          func(w *bufio.Writer, i int)
	}{
		{"account__v", "id,name__v,country__v,specialty_1__v,tier__c,modified_date__v", func(w *bufio.Writer, i int) {
			fmt.Fprintf(w, "A%08d,\"Doe, Jane %d\",US,%s,%c,%s\n", i, i, benchSpecialties[i%len(benchSpecialties)].name, 'A'+i%3, modified(i))
		}},
		{"address__v", "id,account__v,city__v,state__v,postal_code__v,primary__v,modified_date__v", func(w *bufio.Writer, i int) {
			z := i % benchZIPs
			fmt.Fprintf(w, "D%08da,A%08d,Boston,%s,%s,true,%s\n", i, i, benchState(z), benchZIP(z), modified(i))
			fmt.Fprintf(w, "D%08db,A%08d,Quincy,%s,%s,false,%s\n", i, i, benchState(z), benchZIP(z+1), modified(i))
		}},
		{"child_account__v", "id,parent_account__v,child_account__v,modified_date__v", func(w *bufio.Writer, i int) {
			fmt.Fprintf(w, "C%08d,A%08d,A%08d,%s\n", i, (i*7919)%n, i, modified(i))
		}},
		{"product_metrics__v", "id,account__v,product__v,decile__c,modified_date__v", func(w *bufio.Writer, i int) {
			fmt.Fprintf(w, "M%08d,A%08d,ONCAVIR,%d,%s\n", i, i, i%10+1, modified(i))
		}},
		{"call2__v", "id,account__v,call_date__v,status__v,modified_date__v", func(w *bufio.Writer, i int) {
			fmt.Fprintf(w, "K%08d,A%08d,2026-01-%02d,submitted__v,%s\n", i, (i*104729)%n, i%28+1, modified(i))
		}},
	}
	for _, f := range files {
		out, err := os.Create(filepath.Join(dir, f.name+".csv"))
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriter(out)
		w.WriteString(f.header + "\n")
		for i := range n {
			f.row(w, i)
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := out.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
