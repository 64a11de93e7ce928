package stackconfig

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

var readmeRow = regexp.MustCompile("^\\| `([^`]+)` \\| ([^|]+) \\| ([^|]+) \\|$")

// TestREADMEConfigReference checks the README's config table against the code: one row per key
// the program reads and no other, each with the code's default (a backticked YAML value) or, for
// a key without a default, words such as "(required)" or "none", and a non-empty "allowed".
func TestREADMEConfigReference(t *testing.T) {
	text, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(text)
	start := strings.Index(section, "## Configuration\n")
	if start < 0 {
		t.Fatal("README.md has no Configuration section")
	}
	section = section[start:]
	if end := strings.Index(section[1:], "\n## "); end >= 0 {
		section = section[:end+1]
	}
	rows := map[string][2]string{}
	for _, line := range strings.Split(section, "\n") {
		m := readmeRow.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		key := strings.TrimPrefix(m[1], "mission-link:")
		if _, dup := rows[key]; dup {
			t.Errorf("README lists %s twice", key)
		}
		rows[key] = [2]string{strings.TrimSpace(m[2]), strings.TrimSpace(m[3])}
	}
	for _, k := range Keys() {
		row, ok := rows[k.Path]
		if !ok {
			t.Errorf("README's config table has no row for %s", k.Path)
			continue
		}
		delete(rows, k.Path)
		if row[1] == "" {
			t.Errorf("README: %s says nothing about what is allowed", k.Path)
		}
		if got := readmeDefault(t, row[0]); got != k.Default && !(k.Default == "" && (got == "" || got == "[]" || got == "{}")) {
			t.Errorf("README: %s defaults to %s, the code to %s", k.Path, row[0], orNone(k.Default))
		}
	}
	for key := range rows {
		t.Errorf("README's config table lists %s, which the program does not read", key)
	}
}

// readmeDefault reads a default cell: a backticked YAML value as JSON, or "" for words.
func readmeDefault(t *testing.T, cell string) string {
	t.Helper()
	if !strings.HasPrefix(cell, "`") || !strings.HasSuffix(cell, "`") {
		return ""
	}
	var v any
	if err := yaml.Unmarshal([]byte(strings.Trim(cell, "`")), &v); err != nil {
		t.Errorf("README default %s: %v", cell, err)
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
