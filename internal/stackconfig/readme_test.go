package stackconfig

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

var referenceRow = regexp.MustCompile("^\\| `([^`]+)` \\| ([^|]+) \\| ([^|]+) \\|$")

// configReference is the configuration reference, relative to this package's directory.
const configReference = "../../docs/configuration.md"

// TestConfigReference checks the config table of docs/configuration.md (the reference the
// README links to) against the code: one row per key the program reads and no other, each with the
// code's default (a backticked YAML value) or, for a key without a default, words such as
// "(required)" or "none", and a non-empty "allowed".
func TestConfigReference(t *testing.T) {
	text, err := os.ReadFile(configReference)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][2]string{}
	for _, line := range strings.Split(string(text), "\n") {
		m := referenceRow.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		key := strings.TrimPrefix(m[1], "mission-link:")
		if _, dup := rows[key]; dup {
			t.Errorf("%s lists %s twice", configReference, key)
		}
		rows[key] = [2]string{strings.TrimSpace(m[2]), strings.TrimSpace(m[3])}
	}
	for _, k := range Keys() {
		row, ok := rows[k.Path]
		if !ok {
			t.Errorf("%s has no row for %s", configReference, k.Path)
			continue
		}
		delete(rows, k.Path)
		if row[1] == "" {
			t.Errorf("%s: %s says nothing about what is allowed", configReference, k.Path)
		}
		if got := referenceDefault(t, row[0]); got != k.Default && !(k.Default == "" && (got == "" || got == "[]" || got == "{}")) {
			t.Errorf("%s: %s defaults to %s, the code to %s", configReference, k.Path, row[0], orNone(k.Default))
		}
	}
	for key := range rows {
		t.Errorf("%s lists %s, which the program does not read", configReference, key)
	}
}

// referenceDefault reads a default cell: a backticked YAML value as JSON, or "" for words.
func referenceDefault(t *testing.T, cell string) string {
	t.Helper()
	if !strings.HasPrefix(cell, "`") || !strings.HasSuffix(cell, "`") {
		return ""
	}
	var v any
	if err := yaml.Unmarshal([]byte(strings.Trim(cell, "`")), &v); err != nil {
		t.Errorf("%s: default %s: %v", configReference, cell, err)
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
