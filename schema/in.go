package schema

import "strings"

// SplitIn returns the values of an `in` / `not_in` criterion. Align takes them
// as one comma-separated string in which `\,` is a literal comma, so that
// "Plastic Surgery\, Hand, Oncology" is the two values "Plastic Surgery, Hand"
// and "Oncology". White space around each value is trimmed, empty values are
// dropped and case is kept (the IN operator is case sensitive). A backslash
// before anything but a comma is an ordinary character.
func SplitIn(value string) []string {
	var (
		out []string
		cur strings.Builder
	)
	flush := func() {
		if v := strings.TrimSpace(cur.String()); v != "" {
			out = append(out, v)
		}
		cur.Reset()
	}
	for i := 0; i < len(value); i++ {
		switch c := value[i]; {
		case c == '\\' && i+1 < len(value) && value[i+1] == ',':
			cur.WriteByte(',')
			i++
		case c == ',':
			flush()
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return out
}
