package vaulttest

import (
	"encoding/csv"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Seed puts records into object as they are: ids and values are kept
// verbatim, a record without an id gets a fresh one, one without
// modified_date__v gets the clock's now, and fields the object lacks are
// added to it (in name order). An object the vault lacks is created. The
// object "deletions" (crm.Deletions) takes deletion log entries instead:
// fields object, id, deleted_date, merged_into.
func (s *Server) Seed(object string, rows []map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.store.seed(object, nil, rows, s.now())
}

// SeedTable is Seed for a table whose first row is the header, the shape
// of a snapshot CSV; new fields are added in header order. It panics on a
// ragged table.
func (s *Server) SeedTable(object string, table [][]string) {
	if len(table) == 0 {
		return
	}
	header := table[0]
	rows := make([]map[string]string, 0, len(table)-1)
	for i, row := range table[1:] {
		if len(row) != len(header) {
			panic(fmt.Sprintf("vaulttest: SeedTable(%s): row %d has %d fields, the header %d", object, i+1, len(row), len(header)))
		}
		m := make(map[string]string, len(row))
		for j, f := range header {
			m[f] = row[j]
		}
		rows = append(rows, m)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.store.seed(object, header, rows, s.now())
}

// SeedFolder seeds every object of a snapshot folder (DESIGN.md section 3):
// each <object>.csv, its first row the header.
func (s *Server) SeedFolder(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		object, ok := strings.CutSuffix(e.Name(), ".csv")
		if !ok {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", e.Name(), err)
		}
		s.SeedTable(object, rows)
	}
	return nil
}

// SeedTables seeds every table of a crmtest-style seed (object -> table).
func (s *Server) SeedTables(seed map[string][][]string) {
	for _, object := range slices.Sorted(maps.Keys(seed)) {
		s.SeedTable(object, seed[object])
	}
}

// Rows returns copies of the object's records, sorted by id.
func (s *Server) Rows(object string) []map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.store.objects[object]
	if o == nil {
		return nil
	}
	out := make([]map[string]string, 0, len(o.rows))
	for _, id := range o.sortedIDs() {
		out = append(out, maps.Clone(o.rows[id]))
	}
	return out
}

// Fields returns the object's fields in order, nil for an object the vault
// lacks.
func (s *Server) Fields(object string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.store.objects[object]; o != nil {
		return slices.Clone(o.fields)
	}
	return nil
}

// Deletions returns the deletion log, oldest first.
func (s *Server) Deletions() []Deletion {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.store.deletions)
}

// Merge merges record loser of object into winner, as a Vault CRM account
// merge does: every field of every record that holds the loser's id is
// re-pointed to the winner (and its modified_date__v moves to now), then the
// loser is deleted with merged_into = winner in the deletion log.
func (s *Server) Merge(object, loser, winner string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.store.objects[object]
	if o == nil || o.rows[loser] == nil || o.rows[winner] == nil || loser == winner {
		return fmt.Errorf("vaulttest: Merge(%s, %s, %s): both records must exist and differ", object, loser, winner)
	}
	stamp := s.now()
	for _, name := range slices.Sorted(maps.Keys(s.store.objects)) {
		other := s.store.objects[name]
		for _, rec := range other.rows {
			moved := false
			for f, v := range rec {
				if f != FieldID && v == loser {
					rec[f] = winner
					moved = true
				}
			}
			if moved {
				rec[FieldModifiedDate] = stamp
			}
		}
	}
	s.store.delete(o, loser, stamp, winner)
	return nil
}

// Delete deletes a record as a Vault user would (not through the API): it
// leaves the object and enters the deletion log stamped with the clock.
func (s *Server) Delete(object, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.store.objects[object]
	if o == nil || o.rows[id] == nil {
		return fmt.Errorf("vaulttest: Delete(%s, %s): no such record", object, id)
	}
	s.store.delete(o, id, s.now(), "")
	return nil
}
