// Package schema reads an alignctl config repository: the YAML documents that
// describe settings, field forces, territories, roster members and field
// mappings. It validates them against the embedded CUE schema and the rules
// that span documents, and returns the typed model that every other package
// works from.
//
// Every problem of a config is reported at once, as Diagnostics with the
// file, line and column of the YAML that causes it.
package schema
