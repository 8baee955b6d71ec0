package file

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/alignctl/alignctl/crm"
)

// idPrefixes are the id prefixes of the objects a push writes; any other
// object gets the upper-cased first three letters of its name and "-".
var idPrefixes = map[string]string{
	crm.Territory:        "TER-",
	crm.AccountTerritory: "ATR-",
	crm.UserTerritory:    "UTR-",
	crm.MySetupProducts:  "MSP-",
}

// IDPrefix is the prefix of the ids the file CRM gives new records of object:
// TER-, ATR-, UTR-, MSP- for the pushed objects, else the first three letters
// of the object name, upper-cased, and "-" (account__v: ACC-).
func IDPrefix(object string) string {
	if p, ok := idPrefixes[object]; ok {
		return p
	}
	var b strings.Builder
	for _, r := range object {
		if b.Len() == 3 {
			break
		}
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "REC-"
	}
	return strings.ToUpper(b.String()) + "-"
}

// formatID is the id with sequence seq: the prefix and at least six digits.
func formatID(prefix string, seq int64) string {
	return fmt.Sprintf("%s%06d", prefix, seq)
}

// idSeq is the sequence number of id when it has the given prefix followed by
// digits only, else 0 (an id made elsewhere never collides with ours, since
// ours always have that shape).
func idSeq(id, prefix string) int64 {
	digits, ok := strings.CutPrefix(id, prefix)
	if !ok || digits == "" {
		return 0
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0
	}
	return n
}
