package vault

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/alignctl/alignctl/crm"
)

// MaxVQLLength is the longest VQL statement Vault takes ("Execution
// Constraints" in the VQL reference: "The maximum length of a VQL query
// string is 50,000 characters").
const MaxVQLLength = 50000

var _ crm.AccountExporter = (*Client)(nil)

// ExportAccounts exports the object's records whose fields hold one of the
// accounts, whatever their modified date: SELECT ... WHERE f1 CONTAINS
// ('a', 'b', ...) OR f2 CONTAINS (...) ("Logical Operators" in the VQL
// reference: CONTAINS tests a field against a list of values), in as many
// statements as keep each within MaxVQLLength. An object Vault does not have
// exports as Path "".
func (c *Client) ExportAccounts(ctx context.Context, object string, fields, accounts []string) (crm.Export, error) {
	none := crm.Export{Cleanup: func() {}}
	for _, f := range fields {
		if err := checkName("field", f); err != nil {
			return none, fmt.Errorf("%s: %w", object, err)
		}
	}
	if len(fields) == 0 {
		return none, fmt.Errorf("vault: export of %s by account: no account fields given", object)
	}
	md, err := c.metadata(ctx, object)
	if errors.Is(err, crm.ErrUnknownObject) {
		return none, nil
	}
	if err != nil {
		return none, err
	}
	sel, err := selectFields(object, md)
	if err != nil {
		return none, err
	}
	wheres, err := accountConditions(len(vql(object, sel, "", c.pageSize))+len(" WHERE "), fields, accounts)
	if err != nil {
		return none, fmt.Errorf("vault: export of %s by account: %w", object, err)
	}
	return c.exportQuery(ctx, object, sel, wheres)
}

// accountConditions splits accounts into WHERE conditions, each naming a
// batch of them in every field, so that base plus a condition stays within
// MaxVQLLength. No accounts is no condition at all (nothing to read).
func accountConditions(base int, fields, accounts []string) ([]string, error) {
	render := func(batch []string) string {
		parts := make([]string, len(fields))
		list := "(" + strings.Join(batch, ", ") + ")"
		for i, f := range fields {
			parts[i] = f + " CONTAINS " + list
		}
		return strings.Join(parts, " OR ")
	}
	var out []string
	var batch []string
	size := base + len(render(nil))
	for _, a := range accounts {
		q := vqlString(a)
		grow := len(fields) * (len(q) + len(", "))
		if len(batch) > 0 && size+grow > MaxVQLLength {
			out = append(out, render(batch))
			batch, size = nil, base+len(render(nil))
		}
		if size+grow > MaxVQLLength {
			return nil, fmt.Errorf("account id %.40q is too long for a VQL statement", a)
		}
		batch = append(batch, q)
		size += grow
	}
	if len(batch) > 0 {
		out = append(out, render(batch))
	}
	return out, nil
}

// vqlString is a VQL string literal: single quotes, with \ and ' escaped
// by a backslash ("Query Syntax and Structure": special characters).
func vqlString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
