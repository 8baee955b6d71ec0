package schema_test

import (
	"fmt"
	"testing/fstest"

	"github.com/alignctl/alignctl/schema"
)

func ExampleSplitIn() {
	for _, v := range schema.SplitIn(`Oncology, Plastic Surgery\, Hand,  Pediatric Oncology`) {
		fmt.Printf("%q\n", v)
	}
	// Output:
	// "Oncology"
	// "Plastic Surgery, Hand"
	// "Pediatric Oncology"
}

func ExampleParseMatch() {
	m, err := schema.ParseMatch("1 and (2 or not 3)", 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	satisfied := map[int]bool{1: true, 3: true}
	fmt.Println(m, m.Eval(func(i int) bool { return satisfied[i] }))

	_, err = schema.ParseMatch("1 AND (2 OR 4", 3)
	fmt.Println(err)
	// Output:
	// 1 AND (2 OR NOT 3) false
	// column 13: there is no criterion 4: the rule has criteria 1 to 3
}

func ExampleLoadFS() {
	config := fstest.MapFS{
		"settings.yaml": {Data: []byte(`kind: settings
crm_instances:
  - {id: us, type: file, url: ./crm, countries: [US]}
`)},
		"territories/onc.yaml": {Data: []byte(`kind: territory
id: ONC-101
name: Boston North
parent: ONC-100
field_force: ONC
crm_instance: us
country: US
rules:
  - id: onc-101
    criteria:
      - {field: account__v.specialty_1__v, operator: inn, value: Oncology}
`)},
	}
	_, err := schema.LoadFS(config, "config")
	fmt.Println(err)
	// Output:
	// config/territories/onc.yaml:4:9: territory ONC-101: parent "ONC-100" is not a territory id
	// config/territories/onc.yaml:5:14: territory ONC-101: field_force "ONC" is not a field force id
	// config/territories/onc.yaml:11:54: rule onc-101: criterion 1: operator "inn" is not one of equals, not_equals, in, not_in, contains, starts_with, greater_than, less_than, is_null, is_not_null, more_than_days, less_than_days; did you mean "in"?
}
