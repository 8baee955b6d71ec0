package query

// Interner shares equal strings: a plan of millions of changes repeats a few
// thousand territories, rules and reasons, and one copy of each is enough.
// One Interner serves one read; it is not safe for concurrent use.
type Interner map[string]string

// Of is s, or the equal string seen before.
func (in Interner) Of(s string) string {
	if t, ok := in[s]; ok {
		return t
	}
	in[s] = s
	return s
}

// Change shares the repetitive strings of a change. Account, record id and
// the origin of a crm record (its CRM id) are unique and stay as they are.
func (in Interner) Change(c *Change) {
	c.Action = ChangeAction(in.Of(string(c.Action)))
	c.Territory = in.Of(c.Territory)
	c.Instance = in.Of(c.Instance)
	c.Source = in.Of(c.Source)
	c.Rule = in.Of(c.Rule)
	switch {
	case c.Origin == c.Rule:
		c.Origin = c.Rule
	case c.Source != "crm":
		c.Origin = in.Of(c.Origin)
	}
	c.Reason = in.Of(c.Reason)
}
