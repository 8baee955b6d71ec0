package schema

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

const limitsSettings = "kind: settings\ncrm_instances: [{id: us, type: file, url: ./crm}]\n---\nkind: field_force\nid: F\nname: F\n"

func territoryDoc(id, parent string) string {
	p := "null"
	if parent != "" {
		p = parent
	}
	return fmt.Sprintf("kind: territory\nid: %s\nname: %s\nparent: %s\nfield_force: F\ncrm_instance: us\ncountry: US\n", id, id, p)
}

// loadLimits loads the settings above and the given documents, one file,
// and returns the error lines.
func loadLimits(t *testing.T, docs []string) []string {
	t.Helper()
	fsys := fstest.MapFS{
		"settings.yaml": {Data: []byte(limitsSettings)},
		"t.yaml":        {Data: []byte(strings.Join(docs, "---\n"))},
	}
	_, err := LoadFS(fsys, "")
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

func TestLimits(t *testing.T) {
	t.Run("levels", func(t *testing.T) {
		var docs []string
		for i := 1; i <= MaxTerritoryLevels+2; i++ {
			parent := ""
			if i > 1 {
				parent = fmt.Sprintf("L%d", i-1)
			}
			docs = append(docs, territoryDoc(fmt.Sprintf("L%d", i), parent))
		}
		if got := loadLimits(t, docs[:MaxTerritoryLevels]); got != nil {
			t.Errorf("%d levels: %q, want no error", MaxTerritoryLevels, got)
		}
		want := []string{"t.yaml:84:9: territory L11: is at level 11 of the territory tree; Vault CRM allows 10 levels"}
		if got := loadLimits(t, docs); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("children", func(t *testing.T) {
		docs := []string{territoryDoc("ROOT", "")}
		for i := range MaxChildTerritories + 1 {
			docs = append(docs, territoryDoc(fmt.Sprintf("C%03d", i), "ROOT"))
		}
		if got := loadLimits(t, docs[:MaxChildTerritories+1]); got != nil {
			t.Errorf("%d children: %q, want no error", MaxChildTerritories, got)
		}
		want := []string{"t.yaml:1:1: territory ROOT: has 101 direct children; Vault CRM allows at most 100"}
		if got := loadLimits(t, docs); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("territories per user", func(t *testing.T) {
		var docs []string
		var rts []string
		for i := range MaxTerritoriesPerUser + 1 {
			id := fmt.Sprintf("T%03d", i)
			docs = append(docs, territoryDoc(id, ""))
			rts = append(rts, "{territory: "+id+"}")
		}
		roster := "kind: roster_member\nid: RM\nuser: u\nterritories: [" + strings.Join(rts, ", ") + "]\n"
		want := []string{"t.yaml:812:14: roster member RM: has 101 territories; Vault CRM allows at most 100 per user"}
		if got := loadLimits(t, append(docs, roster)); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("territories per instance", func(t *testing.T) {
		if testing.Short() {
			t.Skip("loads 25,001 territories")
		}
		docs := make([]string, 0, MaxTerritoriesPerInstance+1)
		for i := range MaxTerritoriesPerInstance + 1 {
			docs = append(docs, territoryDoc(fmt.Sprintf("T%05d", i), ""))
		}
		want := []string{"settings.yaml:2:17: crm instance us: has 25001 territories; Vault CRM allows at most 25000 per instance"}
		if got := loadLimits(t, docs); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}
