package cli

// showView picks one of a show table's views by --format, which show has
// checked (checkFormat, showArgsFit).
func showView[T any](format string, text, json, csv view[T]) view[T] {
	if format == "csv" {
		return csv
	}
	return byFormat(format, text, json)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func orAll(scope string) string {
	if scope == "" {
		return "(all)"
	}
	return scope
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
