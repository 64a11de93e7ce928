// Package iampolicy builds IAM policy documents from typed values, so that trust and permission
// policies are checked by the compiler and asserted structurally by tests instead of being written
// as JSON strings.
package iampolicy

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Version is the only current IAM policy language version.
const Version = "2012-10-17"

// Effect is Allow or Deny.
type Effect string

// The two statement effects.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Document is an IAM policy document.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a policy document. Empty fields are left out of the JSON.
type Statement struct {
	Sid       string     `json:"Sid,omitempty"`
	Effect    Effect     `json:"Effect"`
	Principal *Principal `json:"Principal,omitempty"`
	Action    []string   `json:"Action"`
	Resource  []string   `json:"Resource,omitempty"`
	Condition Conditions `json:"Condition,omitempty"`
}

// Principal names who a resource or trust policy applies to.
type Principal struct {
	Service   []string `json:"Service,omitempty"`
	AWS       []string `json:"AWS,omitempty"`
	Federated []string `json:"Federated,omitempty"`
}

// Conditions maps an operator (StringEquals, ArnLike, ...) to condition keys and their values.
type Conditions map[string]map[string][]string

// New returns a document of the current version with the given statements.
func New(statements ...Statement) Document {
	return Document{Version: Version, Statement: statements}
}

// JSON renders the document. encoding/json sorts map keys, so the text is stable.
func (d Document) JSON() (string, error) {
	if len(d.Statement) == 0 {
		return "", fmt.Errorf("policy document has no statements")
	}
	for i, s := range d.Statement {
		if len(s.Action) == 0 {
			return "", fmt.Errorf("policy statement %d (%q) has no actions", i, s.Sid)
		}
	}
	b, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("encoding policy document: %w", err)
	}
	return string(b), nil
}

// Parse decodes a policy document, for tests and the offline plan.
func Parse(text string) (Document, error) {
	var d Document
	if err := json.Unmarshal([]byte(text), &d); err != nil {
		return Document{}, fmt.Errorf("decoding policy document: %w", err)
	}
	return d, nil
}

// FindStatement returns the first statement whose Sid is sid.
func (d Document) FindStatement(sid string) (Statement, bool) {
	i := slices.IndexFunc(d.Statement, func(s Statement) bool { return s.Sid == sid })
	if i < 0 {
		return Statement{}, false
	}
	return d.Statement[i], true
}

// Render turns a document that depends on values known only at deploy time (ARNs, account IDs)
// into a string output: build receives the resolved values in the order they were given.
func Render(build func(values []string) Document, values ...pulumi.StringInput) pulumi.StringOutput {
	inputs := make([]any, len(values))
	for i, v := range values {
		inputs[i] = v
	}
	return pulumi.All(inputs...).ApplyT(func(resolved []any) (string, error) {
		strs := make([]string, len(resolved))
		for i, r := range resolved {
			s, ok := r.(string)
			if !ok {
				return "", fmt.Errorf("policy value %d is %T, not a string", i, r)
			}
			strs[i] = s
		}
		return build(strs).JSON()
	}).(pulumi.StringOutput)
}

// ServiceTrust is a trust policy that lets an AWS service principal (ec2.amazonaws.com, ...)
// assume a role, optionally only under the given conditions.
func ServiceTrust(service string, conditions Conditions) Document {
	return New(Statement{
		Sid:       "AssumedBy" + serviceSid(service),
		Effect:    Allow,
		Principal: &Principal{Service: []string{service}},
		Action:    []string{"sts:AssumeRole"},
		Condition: conditions,
	})
}

// AccountAdministersKey is the default KMS key policy's statement: the key is the account's, and
// who may use it is left to IAM policies (the KMS Developer Guide's "Default key policy").
func AccountAdministersKey(partition, account string) Statement {
	return Statement{
		Sid:       "AccountAdministersKey",
		Effect:    Allow,
		Principal: &Principal{AWS: []string{fmt.Sprintf("arn:%s:iam::%s:root", partition, account)}},
		Action:    []string{"kms:*"},
		Resource:  []string{"*"},
	}
}

// serviceSid turns "vpc-flow-logs.amazonaws.com" into "VpcFlowLogs": Sids allow only [A-Za-z0-9].
func serviceSid(service string) string {
	out := make([]byte, 0, len(service))
	upper := true
	for i := 0; i < len(service) && service[i] != '.'; i++ {
		c := service[i]
		switch {
		case c == '-':
			upper = true
		case upper && c >= 'a' && c <= 'z':
			out = append(out, c-'a'+'A')
			upper = false
		default:
			out = append(out, c)
			upper = false
		}
	}
	return string(out)
}
