package stackconfig

import (
	"os"
	"path/filepath"
	"testing"
)

// The text a stack file writes, found by the path an error names: nested keys, list items, an
// aws: key; nothing for a path the file does not hold or a value that is not a scalar.
func TestWrittenIn(t *testing.T) {
	file := filepath.Join(t.TempDir(), "Pulumi.dev.yaml")
	text := "config:\n  aws:allowedAccountIds:\n    - \"111122223333\"\n  mission-link:cluster:\n    nodeGroup:\n      maxSize: 99999999999999999999\n    version: 1.30\n  mission-link:network: {\"bastion\": {\"sshCidrs\": [\"10.0.0.0/8\", 1e3]}}\n"
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	written := writtenIn(file, "mission-link")
	for path, want := range map[string]string{
		"cluster.nodeGroup.maxSize":   "99999999999999999999",
		"cluster.version":             "1.30",
		"network.bastion.sshCidrs[1]": "1e3",
		"aws:allowedAccountIds[0]":    "111122223333",
		"cluster.nodeGroup":           "",
		"cluster.nodeGroup.minSize":   "",
		"network.bastion.sshCidrs[2]": "",
	} {
		got, ok := written(path)
		if got != want || ok != (want != "") {
			t.Errorf("%s: %q, %v; want %q", path, got, ok, want)
		}
	}
	if writtenIn(filepath.Join(t.TempDir(), "none.yaml"), "mission-link") != nil || writtenIn("", "mission-link") != nil {
		t.Error("a missing stack file must give no lookup")
	}
}
