package e2e

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"net/netip"
	"strings"
	"time"
)

// The environment variables the real-account test reads; docs/e2e.md describes each.
const (
	// EnvEnable must be "1" for the test to run (besides the build tag e2e).
	EnvEnable = "MISSION_LINK_E2E"
	// EnvAccountID is the sandbox account's ID: the test refuses other credentials. Required.
	EnvAccountID = "MISSION_LINK_E2E_ACCOUNT_ID"
	// EnvEmail receives the stack's notifications (messaging.notificationEmails). Required.
	EnvEmail = "MISSION_LINK_E2E_EMAIL"
	// EnvPublicCIDR is the address the cluster's API admits (cluster.publicAccessCidrs).
	// Default: this machine's address as checkip.amazonaws.com sees it, as a /32.
	EnvPublicCIDR = "MISSION_LINK_E2E_PUBLIC_CIDR"
	// EnvOIDCProviderARN names the account's GitHub OIDC provider (ci.oidcProviderArn) when it
	// has one: an account holds one provider per URL, so the stack must not create a second.
	EnvOIDCProviderARN = "MISSION_LINK_E2E_OIDC_PROVIDER_ARN"
	// EnvStack is the stack's name. Default: NewStackName. It must not exist in the backend.
	EnvStack = "MISSION_LINK_E2E_STACK"
	// EnvDir holds the state backend and the workspace. Default: a new temporary directory.
	EnvDir = "MISSION_LINK_E2E_DIR"
	// EnvPassphrase is the passphrase of the stack's secrets. Default: a random one, written
	// beside the state so that a kept state can still be destroyed.
	EnvPassphrase = "PULUMI_CONFIG_PASSPHRASE"
)

// SkipMessage is why the real-account test did not run, and what runs it.
const SkipMessage = "the end-to-end test deploys the whole stack into a real AWS account and costs money: set " +
	EnvEnable + "=1, " + EnvAccountID + " (the sandbox account, which the credentials must be for) and " +
	EnvEmail + ", then run `go test -tags e2e -run '^TestLifecycle$' -count=1 -v -timeout 3h ./internal/e2e/` (docs/e2e.md)"

// CheckIPURL answers with the caller's public IPv4 address.
const CheckIPURL = "https://checkip.amazonaws.com"

// Settings are what the environment gives the real-account test.
type Settings struct {
	AccountID       string
	Email           string
	PublicCIDR      string // empty: LookupPublicAddress
	OIDCProviderARN string
	StackName       string // empty: NewStackName
	Dir             string // empty: a new temporary directory
	Passphrase      string // empty: a random one
}

// Enabled says whether the caller asked for the real-account test.
func Enabled(getenv func(string) string) bool { return getenv(EnvEnable) == "1" }

// SettingsFromEnv reads the settings and reports every missing or malformed one at once.
func SettingsFromEnv(getenv func(string) string) (Settings, error) {
	s := Settings{
		AccountID: getenv(EnvAccountID), Email: getenv(EnvEmail), PublicCIDR: getenv(EnvPublicCIDR),
		OIDCProviderARN: getenv(EnvOIDCProviderARN), StackName: getenv(EnvStack), Dir: getenv(EnvDir), Passphrase: getenv(EnvPassphrase),
	}
	var errs []error
	if !accountIDPattern.MatchString(s.AccountID) {
		errs = append(errs, fmt.Errorf("%s (%q) must be the 12-digit ID of the sandbox account", EnvAccountID, s.AccountID))
	}
	if addr, err := mail.ParseAddress(s.Email); err != nil || addr.Address != s.Email {
		errs = append(errs, fmt.Errorf("%s (%q) must be one email address, such as you@yourcompany.com: the stack subscribes it to its notifications", EnvEmail, s.Email))
	}
	if s.PublicCIDR != "" {
		if p, err := netip.ParsePrefix(s.PublicCIDR); err != nil || !p.Addr().Is4() {
			errs = append(errs, fmt.Errorf("%s (%q) must be an IPv4 CIDR such as 198.51.100.7/32, or unset to use this machine's address", EnvPublicCIDR, s.PublicCIDR))
		}
	}
	if s.StackName != "" {
		if err := CheckStackName(s.StackName); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvStack, err))
		}
	}
	return s, errors.Join(errs...)
}

// NewStackName is a stack name unique to this run: the minute it started and 16 random bits,
// such as e2e-2612060845-a1b2.
func NewStackName(now time.Time, random io.Reader) (string, error) {
	b := make([]byte, 2)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", fmt.Errorf("making a stack name: %w", err)
	}
	return fmt.Sprintf("e2e-%s-%s", now.UTC().Format("0601021504"), hex.EncodeToString(b)), nil
}

// NewPassphrase is a random passphrase for the stack's secrets.
func NewPassphrase(random io.Reader) (string, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", fmt.Errorf("making a passphrase: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// LookupPublicAddress asks url (CheckIPURL) for this machine's public IPv4 address and returns
// it as a /32: the one address the cluster's API then admits, for Pulumi's Kubernetes provider
// and verify's checks.
func LookupPublicAddress(ctx context.Context, client *http.Client, url string) (netip.Prefix, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("asking %s for this machine's address: %w", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("asking %s for this machine's address (or set %s): %w", url, EnvPublicCIDR, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64))
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("reading %s's answer: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return netip.Prefix{}, fmt.Errorf("%s answered %s (set %s instead)", url, resp.Status, EnvPublicCIDR)
	}
	addr, err := netip.ParseAddr(strings.TrimSpace(string(body)))
	if err != nil || !addr.Is4() {
		return netip.Prefix{}, fmt.Errorf("%s answered %q, not an IPv4 address (set %s instead)", url, strings.TrimSpace(string(body)), EnvPublicCIDR)
	}
	return netip.PrefixFrom(addr, 32), nil
}
