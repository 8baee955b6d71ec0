package query

// Running the engine's embedded SQL scripts, statement by statement.

import (
	"context"
	"regexp"
	"strings"
)

var statementEnd = regexp.MustCompile(`;[ \t]*\n`)

// runScript runs an embedded SQL script statement by statement, binding the
// parameters to the statements that use them.
func (d *DB) runScript(ctx context.Context, script string, args ...any) error {
	for _, stmt := range statementEnd.Split(script, -1) {
		stmt = stripComments(stmt)
		if stmt == "" {
			continue
		}
		if !paramRef.MatchString(stmt) {
			if _, err := d.Exec(ctx, stmt); err != nil {
				return err
			}
			continue
		}
		if _, err := d.Exec(ctx, stmt, args...); err != nil {
			return err
		}
	}
	return nil
}

// stripComments drops the comment lines of a statement (they name the
// parameters too), and its final semicolon.
func stripComments(stmt string) string {
	var lines []string
	for _, line := range strings.Split(stmt, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			lines = append(lines, line)
		}
	}
	return strings.TrimSuffix(strings.TrimSpace(strings.Join(lines, "\n")), ";")
}
