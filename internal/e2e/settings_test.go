package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mission-link/infra/internal/e2e"
)

func getenv(vars map[string]string) func(string) string {
	return func(key string) string { return vars[key] }
}

func TestSettingsFromEnv(t *testing.T) {
	good := map[string]string{
		e2e.EnvEnable: "1", e2e.EnvAccountID: sandboxID, e2e.EnvEmail: "platform-e2e@mission-link.io",
		e2e.EnvPublicCIDR: "203.0.113.7/32", e2e.EnvStack: "e2e-gh-1234567890-1", e2e.EnvDir: "/tmp/e2e",
	}
	s, err := e2e.SettingsFromEnv(getenv(good))
	if err != nil {
		t.Fatal(err)
	}
	if s.AccountID != sandboxID || s.Email != good[e2e.EnvEmail] || s.PublicCIDR != "203.0.113.7/32" || s.StackName != "e2e-gh-1234567890-1" || s.Dir != "/tmp/e2e" {
		t.Errorf("settings %+v", s)
	}
	if !e2e.Enabled(getenv(good)) || e2e.Enabled(getenv(map[string]string{e2e.EnvEnable: "true"})) {
		t.Errorf("Enabled must take exactly %s=1", e2e.EnvEnable)
	}

	// Every problem at once, each named by its variable.
	_, err = e2e.SettingsFromEnv(getenv(map[string]string{e2e.EnvPublicCIDR: "2001:db8::/64", e2e.EnvStack: "dev", e2e.EnvEmail: "Ops <ops@mission-link.io>"}))
	for _, want := range []string{e2e.EnvAccountID + ` ("")`, e2e.EnvEmail + ` ("Ops <ops@mission-link.io>")`, e2e.EnvPublicCIDR + ` ("2001:db8::/64")`, e2e.EnvStack + `: stack name "dev"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

func TestSkipMessageNamesWhatToSet(t *testing.T) {
	for _, want := range []string{e2e.EnvEnable + "=1", e2e.EnvAccountID, e2e.EnvEmail, "-tags e2e", "-timeout " + strings.TrimSuffix(e2e.TestTimeout.String(), "0m0s"), "docs/e2e.md"} {
		if !strings.Contains(e2e.SkipMessage, want) {
			t.Errorf("the skip message lacks %q: %s", want, e2e.SkipMessage)
		}
	}
}

func TestStackNames(t *testing.T) {
	name, err := e2e.NewStackName(time.Date(2026, 12, 6, 17, 45, 0, 0, time.FixedZone("KST", 9*3600)), bytes.NewReader([]byte{0xa1, 0xb2}))
	if err != nil {
		t.Fatal(err)
	}
	if name != "e2e-2612060845-a1b2" {
		t.Errorf("NewStackName = %q, want e2e-2612060845-a1b2 (the UTC minute, then the random bits)", name)
	}
	if err := e2e.CheckStackName(name); err != nil {
		t.Errorf("a name the test makes is refused: %v", err)
	}
	for _, bad := range []string{"dev", "prod", "e2e-", "E2E-x", "e2e-Upper", "e2e_x", "x-e2e-1", "e2e-" + strings.Repeat("a", 17)} {
		if e2e.CheckStackName(bad) == nil {
			t.Errorf("CheckStackName(%q) passed", bad)
		}
	}
	if _, err := e2e.NewStackName(time.Now(), bytes.NewReader(nil)); err == nil {
		t.Error("NewStackName without randomness passed")
	}
}

func TestLookupPublicAddress(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		want   string // the prefix, or a word of the error
	}{
		{http.StatusOK, "203.0.113.7\n", "203.0.113.7/32"},
		{http.StatusOK, "2001:db8::7\n", "not an IPv4 address"},
		{http.StatusOK, "<html>captive portal</html>", "not an IPv4 address"},
		{http.StatusBadGateway, "", "502"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			}))
			defer srv.Close()
			got, err := e2e.LookupPublicAddress(context.Background(), srv.Client(), srv.URL)
			switch {
			case err != nil && !strings.Contains(err.Error(), tc.want):
				t.Errorf("error %v lacks %q", err, tc.want)
			case err != nil && !strings.Contains(err.Error(), e2e.EnvPublicCIDR):
				t.Errorf("error %v does not say what to set instead", err)
			case err == nil && got.String() != tc.want:
				t.Errorf("LookupPublicAddress = %s, want %s", got, tc.want)
			}
		})
	}
}
