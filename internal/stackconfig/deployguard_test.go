package stackconfig

import (
	"net/netip"
	"strings"
	"testing"
)

func TestDocumentationRange(t *testing.T) {
	cases := map[string]string{
		"192.0.2.0/24":      "192.0.2.0/24",
		"198.51.100.0/24":   "198.51.100.0/24",
		"203.0.113.0/24":    "203.0.113.0/24",
		"198.51.100.128/25": "198.51.100.0/24", // a range inside one
		"203.0.113.7/32":    "203.0.113.0/24",
		"198.51.0.0/16":     "", // covers real addresses too
		"203.0.112.0/23":    "",
		"192.0.3.0/24":      "",
		"121.134.7.0/24":    "",
	}
	for cidr, want := range cases {
		doc, ok := DocumentationRange(netip.MustParsePrefix(cidr))
		if ok != (want != "") || (ok && doc.String() != want) {
			t.Errorf("DocumentationRange(%s) = %v, %v; want %q", cidr, doc, ok, want)
		}
	}
}

func TestReservedExampleDomain(t *testing.T) {
	cases := map[string]string{
		"ops@example.com":        "example.com",
		"ops@EXAMPLE.ORG":        "example.org",
		"ops@alerts.example.net": "example.net",
		"ops@mail.test":          ".test",
		"ops@host.invalid":       ".invalid",
		"ops@team.example":       ".example",
		"ops@box.localhost":      ".localhost",
		"ops@example.co":         "",
		"ops@notexample.com":     "",
		"ops@example.com.au":     "",
		"example.com@mission.io": "",
		"ops@mission-link.io":    "",
	}
	for addr, want := range cases {
		got, ok := ReservedExampleDomain(addr)
		if ok != (want != "") || got != want {
			t.Errorf("ReservedExampleDomain(%s) = %q, %v; want %q", addr, got, ok, want)
		}
	}
}

// TestDeployGuards: each guard refuses its placeholder with the key path, the value and what to
// do, and accepts a real value; a config with real values is refused by none.
func TestDeployGuards(t *testing.T) {
	realValues := map[string]string{
		"mission-link:cluster":   `{"publicAccessCidrs":["121.134.7.0/24"]}`,
		"mission-link:messaging": `{"notificationEmails":["platform@mission-link.io"]}`,
		"aws:allowedAccountIds":  `["210987654321"]`,
	}
	cases := []struct {
		rule, key, value string
		want             []string
	}{
		{rule: RuleDocumentationRange, key: "mission-link:cluster", value: `{"publicAccessCidrs":["121.134.7.0/24","198.51.100.0/24"]}`,
			want: []string{`cluster.publicAccessCidrs[1] ("198.51.100.0/24")`, "RFC 5737", "curl -s https://checkip.amazonaws.com",
				"pulumi config set --path 'mission-link:cluster.publicAccessCidrs[1]' <address>/32"}},
		{rule: RuleExampleDomain, key: "mission-link:messaging", value: `{"notificationEmails":["platform@mission-link.io","ops@example.com"]}`,
			want: []string{`messaging.notificationEmails[1] ("ops@example.com")`, "RFC 2606", "48 hours",
				"pulumi config set --path 'mission-link:messaging.notificationEmails[1]' <address>"}},
		{rule: RuleExampleAccount, key: "aws:allowedAccountIds", value: `["210987654321","111122223333"]`,
			want: []string{`aws:allowedAccountIds[1] ("111122223333")`, "AWS's documentation", "aws sts get-caller-identity",
				"pulumi config set --path 'aws:allowedAccountIds[1]' <account-id>"}},
	}
	clean, err := parse(t, copyValues(realValues))
	if err != nil {
		t.Fatal(err)
	}
	if refusals := clean.DeployRefusals("mission-link"); len(refusals) != 0 {
		t.Fatalf("real values refused: %v", refusals)
	}
	guards := map[string]DeployGuard{}
	for _, g := range DeployGuards() {
		guards[g.Rule] = g
	}
	if len(guards) != len(cases) {
		t.Fatalf("%d guards, %d tested", len(guards), len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			values := copyValues(realValues)
			values[tc.key] = tc.value
			s, err := parse(t, values)
			if err != nil {
				t.Fatalf("a placeholder must pass validation (previews and the plan accept it): %v", err)
			}
			g, ok := guards[tc.rule]
			if !ok {
				t.Fatalf("no guard for %s", tc.rule)
			}
			refusals := g.Refusals(*s, "mission-link")
			if len(refusals) != 1 || len(s.DeployRefusals("mission-link")) != 1 {
				t.Fatalf("refusals %v, want exactly this guard's one", refusals)
			}
			for _, want := range tc.want {
				if !strings.Contains(refusals[0].Error(), want) {
					t.Errorf("refusal %q does not mention %q", refusals[0], want)
				}
			}
			if !strings.HasPrefix(refusals[0].Error(), g.Key) {
				t.Errorf("refusal %q does not lead with the guard's key %s", refusals[0], g.Key)
			}
		})
	}
}

func copyValues(values map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range values {
		out[k] = v
	}
	return out
}
