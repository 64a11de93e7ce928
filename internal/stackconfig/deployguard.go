package stackconfig

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/mission-link/infra/eks/eksargs"
	"github.com/mission-link/infra/internal/awsspec"
	"github.com/mission-link/infra/messaging/messagingargs"
)

// Deploy guards are the checks that only a real `pulumi up` enforces. The committed stack files
// hold placeholders (a documentation address range, example.com mail) so that the offline plan,
// the tests and a first `pulumi preview` work as they are; the placeholders would fail at AWS or
// never work. Every such check lives here, in one list: a real `pulumi up` (ctx.DryRun() false)
// refuses before anything is registered, naming the key, the value and what to do; a preview
// (ctx.DryRun() true, also the preview step of `pulumi up`) logs each as a warning; and the
// offline plan, which runs as a preview, shows each as a finding of the guard's plan rule.

// The plan rules that show the guards' refusals (internal/plan/rules.go).
const (
	RuleDocumentationRange = "ML-EKS-006"
	RuleExampleDomain      = "ML-SNS-003"
	RuleExampleAccount     = "ML-IAM-005"
)

// DeployGuard is one check that only a real `pulumi up` enforces.
type DeployGuard struct {
	// Rule is the plan rule that shows what the guard refuses as a finding.
	Rule string
	// Key is the config key the guard reads, as a user writes it in Pulumi.<stack>.yaml.
	Key   string
	check func(s Stack, project string) []error
}

// DeployGuards are every check that only a real `pulumi up` enforces, in the order it reports them.
func DeployGuards() []DeployGuard {
	return []DeployGuard{
		{Rule: RuleDocumentationRange, Key: eksargs.ConfigKey + ".publicAccessCidrs", check: documentationRangeRefusals},
		{Rule: RuleExampleDomain, Key: messagingargs.ConfigKey + ".notificationEmails", check: exampleDomainRefusals},
		{Rule: RuleExampleAccount, Key: AllowedAccountIDsKey, check: exampleAccountRefusals},
	}
}

// Refusals are what the guard refuses in a defaulted, valid config of project.
func (g DeployGuard) Refusals(s Stack, project string) []error { return g.check(s, project) }

// DeployRefusals are what every guard refuses in a defaulted, valid config of project.
func (s Stack) DeployRefusals(project string) []error {
	var out []error
	for _, g := range DeployGuards() {
		out = append(out, g.Refusals(s, project)...)
	}
	return out
}

// DocumentationRange returns the RFC 5737 documentation range (awsspec.SpecialIPv4's
// documentation blocks: no host has an address in them) that holds all of p, if any. A range
// that merely overlaps one (198.51.0.0/16) also covers real addresses and is not one.
func DocumentationRange(p netip.Prefix) (netip.Prefix, bool) {
	for _, r := range awsspec.SpecialIPv4 {
		if r.Documentation && p.Bits() >= r.Prefix.Bits() && r.Prefix.Contains(p.Addr()) {
			return r.Prefix, true
		}
	}
	return netip.Prefix{}, false
}

func documentationRangeRefusals(s Stack, project string) []error {
	var out []error
	for i, cidr := range s.Cluster.PublicAccessCidrs {
		p, err := netip.ParsePrefix(cidr)
		if err != nil {
			continue // Validate reports it
		}
		doc, ok := DocumentationRange(p)
		if !ok {
			continue
		}
		key := fmt.Sprintf("%s.publicAccessCidrs[%d]", eksargs.ConfigKey, i)
		out = append(out, fmt.Errorf("%s (%q) is inside %s, a range RFC 5737 reserves for documentation: no machine you deploy from has such an address, so the API would admit nobody, pulumi-eks would wait five minutes for it and every Kubernetes resource would fail as unreachable. "+
			"Put the address you run `pulumi up` and kubectl from there (`curl -s https://checkip.amazonaws.com` prints it): `pulumi config set --path '%s:%s' <address>/32`",
			key, cidr, doc, project, key))
	}
	return out
}

// exampleDomains are the names RFC 2606 reserves: the second-level example domains and the
// reserved top-level domains, none of which can receive mail.
var (
	exampleDomains        = []string{"example.com", "example.net", "example.org"}
	reservedTopLevelNames = []string{"example", "test", "invalid", "localhost"}
)

// ReservedExampleDomain returns the RFC 2606 reserved name that an email address's domain is or
// falls under (example.com, ops.example.com, host.test), if any.
func ReservedExampleDomain(address string) (string, bool) {
	domain := strings.ToLower(strings.TrimSuffix(address[strings.LastIndex(address, "@")+1:], "."))
	for _, d := range exampleDomains {
		if domain == d || strings.HasSuffix(domain, "."+d) {
			return d, true
		}
	}
	for _, tld := range reservedTopLevelNames {
		if domain == tld || strings.HasSuffix(domain, "."+tld) {
			return "." + tld, true
		}
	}
	return "", false
}

func exampleDomainRefusals(s Stack, project string) []error {
	var out []error
	for i, addr := range s.Messaging.NotificationEmails {
		reserved, ok := ReservedExampleDomain(addr)
		if !ok {
			continue
		}
		key := fmt.Sprintf("%s.notificationEmails[%d]", messagingargs.ConfigKey, i)
		out = append(out, fmt.Errorf("%s (%q) is at %s, a name RFC 2606 reserves for examples, where no mailbox can confirm the subscription: SNS would keep it pending, delete it after 48 hours, and every later `pulumi up --refresh` would subscribe it again and send another confirmation. "+
			"Use an address someone reads, or remove it: `pulumi config set --path '%s:%s' <address>`",
			key, addr, reserved, project, key))
	}
	return out
}

// exampleAccountRefusals refuses aws:allowedAccountIds while it names an example account of AWS's
// documentation, as the committed prod stack's placeholder does: the provider would refuse every
// call from the real account, after the program had started.
func exampleAccountRefusals(s Stack, _ string) []error {
	var out []error
	for i, id := range s.AllowedAccountIDs {
		if !slices.Contains(awsspec.ExampleAccountIDs, id) {
			continue
		}
		key := fmt.Sprintf("%s[%d]", AllowedAccountIDsKey, i)
		out = append(out, fmt.Errorf("%s (%q) is an account ID AWS's documentation uses in examples, a placeholder: the AWS provider deploys only into the accounts this list names, so it would refuse the account you deploy into. "+
			"Put the stack's own account there (`aws sts get-caller-identity --query Account --output text` prints yours): `pulumi config set --path '%s' <account-id>`",
			key, id, key))
	}
	return out
}
