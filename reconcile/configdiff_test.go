package reconcile

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// numbered is lines from to to of a long file: "n1: 1\n" and so on.
func numbered(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, "n%d: %d\n", i, i)
	}
	return b.String()
}

func TestConfigDiff(t *testing.T) {
	for _, tc := range []struct {
		name       string
		base, head fstest.MapFS
		want       string
	}{
		{
			name: "no change",
			base: fstest.MapFS{
				"settings.yaml":       {Data: []byte("kind: settings\n")},
				"README.md":           {Data: []byte("old notes\n")},
				".github/ci.yaml":     {Data: []byte("on: push\n")},
				"territories/onc.yml": {Data: []byte("kind: territory\n")},
			},
			head: fstest.MapFS{
				"settings.yaml":       {Data: []byte("kind: settings\n")},
				"README.md":           {Data: []byte("new notes\n")},
				".github/ci.yaml":     {Data: []byte("on: pull_request\n")},
				"territories/onc.yml": {Data: []byte("kind: territory\n")},
			},
			want: "",
		},
		{
			name: "changed line in the middle of a long file",
			base: fstest.MapFS{"long.yaml": {Data: []byte(numbered(1, 20))}},
			head: fstest.MapFS{"long.yaml": {Data: []byte(numbered(1, 9) + "n10: ten\n" + numbered(11, 20))}},
			want: `--- a/long.yaml
+++ b/long.yaml
@@ -7,7 +7,7 @@
 n7: 7
 n8: 8
 n9: 9
-n10: 10
+n10: ten
 n11: 11
 n12: 12
 n13: 13
`,
		},
		{
			name: "added file",
			base: fstest.MapFS{"settings.yaml": {Data: []byte("kind: settings\n")}},
			head: fstest.MapFS{
				"settings.yaml":         {Data: []byte("kind: settings\n")},
				"territories/onc.yaml":  {Data: []byte("kind: territory\nid: ONC-101\nname: Boston North\n")},
				"territories/empty.yml": {Data: nil},
			},
			want: `--- /dev/null
+++ b/territories/empty.yml
--- /dev/null
+++ b/territories/onc.yaml
@@ -0,0 +1,3 @@
+kind: territory
+id: ONC-101
+name: Boston North
`,
		},
		{
			name: "removed file",
			base: fstest.MapFS{
				"settings.yaml":        {Data: []byte("kind: settings\n")},
				"territories/onc.yaml": {Data: []byte("kind: territory\nid: ONC-101\n")},
			},
			head: fstest.MapFS{"settings.yaml": {Data: []byte("kind: settings\n")}},
			want: `--- a/territories/onc.yaml
+++ /dev/null
@@ -1,2 +0,0 @@
-kind: territory
-id: ONC-101
`,
		},
		{
			name: "changes far apart get a hunk each",
			base: fstest.MapFS{"long.yaml": {Data: []byte(numbered(1, 30))}},
			head: fstest.MapFS{"long.yaml": {Data: []byte(numbered(1, 1) + numbered(3, 24) + "n24b: inserted\n" + numbered(25, 30))}},
			want: `--- a/long.yaml
+++ b/long.yaml
@@ -1,5 +1,4 @@
 n1: 1
-n2: 2
 n3: 3
 n4: 4
 n5: 5
@@ -22,6 +21,7 @@
 n22: 22
 n23: 23
 n24: 24
+n24b: inserted
 n25: 25
 n26: 26
 n27: 27
`,
		},
		{
			// Six unchanged lines between two changes: their contexts meet.
			name: "changes close together share a hunk",
			base: fstest.MapFS{"long.yaml": {Data: []byte(numbered(1, 20))}},
			head: fstest.MapFS{"long.yaml": {Data: []byte(numbered(1, 4) + "n5: five\n" + numbered(6, 11) + "n12: twelve\n" + numbered(13, 20))}},
			want: `--- a/long.yaml
+++ b/long.yaml
@@ -2,14 +2,14 @@
 n2: 2
 n3: 3
 n4: 4
-n5: 5
+n5: five
 n6: 6
 n7: 7
 n8: 8
 n9: 9
 n10: 10
 n11: 11
-n12: 12
+n12: twelve
 n13: 13
 n14: 14
 n15: 15
`,
		},
		{
			name: "file without a trailing newline",
			base: fstest.MapFS{"settings.yaml": {Data: []byte("kind: settings\ntimezone: UTC")}},
			head: fstest.MapFS{"settings.yaml": {Data: []byte("kind: settings\ntimezone: Europe/Paris")}},
			want: `--- a/settings.yaml
+++ b/settings.yaml
@@ -1,2 +1,2 @@
 kind: settings
-timezone: UTC
\ No newline at end of file
+timezone: Europe/Paris
\ No newline at end of file
`,
		},
		{
			name: "trailing newline added",
			base: fstest.MapFS{"settings.yaml": {Data: []byte("kind: settings\ntimezone: UTC")}},
			head: fstest.MapFS{"settings.yaml": {Data: []byte("kind: settings\ntimezone: UTC\n")}},
			want: `--- a/settings.yaml
+++ b/settings.yaml
@@ -1,2 +1,2 @@
 kind: settings
-timezone: UTC
\ No newline at end of file
+timezone: UTC
`,
		},
		{
			name: "files in order of their paths",
			base: fstest.MapFS{
				"b.yaml":             {Data: []byte("b: 1\n")},
				"a/z.yml":            {Data: []byte("z: 1\n")},
				"a.yaml":             {Data: []byte("a: 1\n")},
				"notes.txt":          {Data: []byte("x\n")},
				".alignctl/old.yaml": {Data: []byte("gone: true\n")},
			},
			head: fstest.MapFS{
				"b.yaml":    {Data: []byte("b: 2\n")},
				"a/z.yml":   {Data: []byte("z: 2\n")},
				"a.yaml":    {Data: []byte("a: 2\n")},
				"notes.txt": {Data: []byte("y\n")},
			},
			want: `--- a/a.yaml
+++ b/a.yaml
@@ -1 +1 @@
-a: 1
+a: 2
--- a/a/z.yml
+++ b/a/z.yml
@@ -1 +1 @@
-z: 1
+z: 2
--- a/b.yaml
+++ b/b.yaml
@@ -1 +1 @@
-b: 1
+b: 2
`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ConfigDiff(tc.base, tc.head)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("ConfigDiff:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}
