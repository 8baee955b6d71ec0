package reconcile

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkWriteJSON writes a first plan of 200 k assignment creates and
// 190 k account territories to push (syntheticPlan) to io.Discard.
func BenchmarkWriteJSON(b *testing.B) {
	p := syntheticPlan(200_000)
	var size bytes.Buffer
	if err := p.WriteJSON(&size); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(size.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if err := p.WriteJSON(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadPlan reads the saved plan BenchmarkWriteJSON writes.
func BenchmarkReadPlan(b *testing.B) {
	var saved bytes.Buffer
	if err := syntheticPlan(200_000).WriteJSON(&saved); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(saved.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadPlan(bytes.NewReader(saved.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteSaved writes the plan of BenchmarkWriteJSON as plan --out
// saves it: JSON header, Parquet body.
func BenchmarkWriteSaved(b *testing.B) {
	p := syntheticPlan(200_000)
	b.ReportAllocs()
	for b.Loop() {
		if err := p.WriteSaved(b.Context(), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
