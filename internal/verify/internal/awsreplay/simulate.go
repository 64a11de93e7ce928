package awsreplay

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/mission-link/infra/internal/verify/awscheck"
)

// policy is an IAM policy document, as far as the simulator reads it.
type policy struct {
	Statement []statement
}

// statement is one statement of a policy. IAM writes Action, Resource and a condition's values as
// a string or a list. Principal is not read (see SimulatePolicies).
type statement struct {
	Sid       string
	Effect    string
	Action    awscheck.PolicyStrings
	Resource  awscheck.PolicyStrings
	Condition map[string]map[string]awscheck.PolicyStrings
}

// Simulate answers iam:SimulatePrincipalPolicy from the actions the role's policy allows, each
// on exactly the listed resource, as IAM evaluates an identity policy without wildcards.
func Simulate(allowed map[string]string) Responder {
	var p policy
	for action, resource := range allowed {
		p.Statement = append(p.Statement, statement{Sid: "app", Effect: "Allow", Action: awscheck.PolicyStrings{action}, Resource: awscheck.PolicyStrings{resource}})
	}
	return simulator(func(string) (*policy, error) { return &p, nil })
}

// SimulatePolicies answers iam:SimulatePrincipalPolicy as IAM evaluates the identity policy of the
// request's PolicySourceArn (policies holds each role's, as JSON) together with the request's
// ResourcePolicy and context entries: a Deny of either policy whose action, resource and
// conditions match decides explicitDeny, else an Allow of the identity policy decides allowed, else
// implicitDeny. Actions and resources match exactly or up to a trailing "*"; conditions may use
// StringEquals and StringNotEquals, and a context key the request does not carry satisfies only
// StringNotEquals and is reported missing, as IAM evaluates a key absent from the request. A
// resource policy's Allow is not evaluated: the stack's key policy allows only the account's root,
// which in KMS leaves the decision to IAM policies. A role not in policies is NoSuchEntity.
func SimulatePolicies(policies map[string]string) Responder {
	return simulator(func(role string) (*policy, error) {
		text, ok := policies[role]
		if !ok {
			return nil, nil
		}
		var p policy
		if err := json.Unmarshal([]byte(text), &p); err != nil {
			return nil, fmt.Errorf("the policy of %s: %w", role, err)
		}
		return &p, nil
	})
}

// iamIdentity is the ARN of an IAM user, group or role.
var iamIdentity = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:(user|group|role)/`)

// simulator answers from the identity policy of a role: nil when the role does not exist.
func simulator(identity func(role string) (*policy, error)) Responder {
	return func(c Call) Response {
		role := c.Form.Get("PolicySourceArn")
		p, err := identity(role)
		if err != nil {
			return QueryError(http.StatusInternalServerError, "awsreplay", err.Error())
		}
		if p == nil {
			return QueryError(http.StatusNotFound, "NoSuchEntity", fmt.Sprintf("The role with name %s cannot be found.", role[strings.LastIndex(role, "/")+1:]))
		}
		var resourcePolicy *policy
		if text := c.Form.Get("ResourcePolicy"); text != "" {
			// The IAM API (aws-sdk-go-v2 service/iam v1.66.0's model): the caller the resource
			// policy's Principal is evaluated against is CallerArn, else PolicySourceArn, and
			// must be a user, group or role, never an assumed role or a service principal.
			caller := c.Form.Get("CallerArn")
			if caller == "" {
				caller = role
			}
			if !iamIdentity.MatchString(caller) {
				return QueryError(http.StatusBadRequest, "InvalidInput", "CallerArn is required if you include a ResourcePolicy and the PolicySourceArn is not the ARN for an IAM user, group, or role.")
			}
			resourcePolicy = &policy{}
			if err := json.Unmarshal([]byte(text), resourcePolicy); err != nil {
				return QueryError(http.StatusBadRequest, "MalformedPolicyDocument", "The policy document is not valid JSON: "+err.Error())
			}
		}
		context := contextEntries(c.Form)
		var members strings.Builder
		for _, action := range formList(c.Form, "ActionNames") {
			for _, resource := range formList(c.Form, "ResourceArns") {
				e, err := evaluate(p, resourcePolicy, action, resource, context)
				if err != nil {
					return QueryError(http.StatusInternalServerError, "awsreplay", err.Error())
				}
				members.WriteString(e.xml())
			}
		}
		return XML(fmt.Sprintf(`<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <SimulatePrincipalPolicyResult>
    <IsTruncated>false</IsTruncated>
    <EvaluationResults>%s
    </EvaluationResults>
  </SimulatePrincipalPolicyResult>
  <ResponseMetadata>
    <RequestId>004d7059-4c14-11e5-b121-bd8c7EXAMPLE</RequestId>
  </ResponseMetadata>
</SimulatePrincipalPolicyResponse>`, members.String()))
	}
}

// formList is a query-protocol list: name.member.1, name.member.2, ...
func formList(form url.Values, name string) []string {
	var out []string
	for i := 1; form.Has(fmt.Sprintf("%s.member.%d", name, i)); i++ {
		out = append(out, form.Get(fmt.Sprintf("%s.member.%d", name, i)))
	}
	return out
}

// contextEntries are the request's context values by lower-cased key: IAM compares condition keys
// without regard to case.
func contextEntries(form url.Values) map[string][]string {
	out := map[string][]string{}
	for i := 1; ; i++ {
		entry := fmt.Sprintf("ContextEntries.member.%d", i)
		name := form.Get(entry + ".ContextKeyName")
		if name == "" {
			return out
		}
		out[strings.ToLower(name)] = formList(form, entry+".ContextKeyValues")
	}
}

// evaluation is one action on one resource, decided.
type evaluation struct {
	action, resource, decision string
	// matched is the deciding statement's Sid and its policy's type (role or resource).
	matched, matchedType string
	missing              []string
}

func (e evaluation) xml() string {
	matched := ""
	if e.matched != "" {
		matched = fmt.Sprintf(`
        <MatchedStatements>
          <member>
            <SourcePolicyId>%s</SourcePolicyId>
            <SourcePolicyType>%s</SourcePolicyType>
          </member>
        </MatchedStatements>`, e.matched, e.matchedType)
	}
	missing := "<MissingContextValues/>"
	if len(e.missing) > 0 {
		missing = "<MissingContextValues><member>" + strings.Join(e.missing, "</member><member>") + "</member></MissingContextValues>"
	}
	return fmt.Sprintf(`
      <member>%s
        %s
        <EvalResourceName>%s</EvalResourceName>
        <EvalDecision>%s</EvalDecision>
        <EvalActionName>%s</EvalActionName>
      </member>`, matched, missing, e.resource, e.decision, e.action)
}

func evaluate(identity, resourcePolicy *policy, action, resource string, context map[string][]string) (evaluation, error) {
	e := evaluation{action: action, resource: resource, decision: "implicitDeny"}
	sources := []struct {
		p    *policy
		kind string
	}{{identity, "role"}, {resourcePolicy, "resource"}}
	for _, effect := range []string{"Deny", "Allow"} {
		for _, source := range sources {
			if source.p == nil || effect == "Allow" && source.kind == "resource" {
				continue
			}
			for _, s := range source.p.Statement {
				if s.Effect != effect || !matchesAny(s.Action, action, true) || !matchesAny(s.Resource, resource, false) {
					continue
				}
				ok, missing, err := conditionsHold(s.Condition, context)
				if err != nil {
					return e, err
				}
				for _, m := range missing {
					if !slices.Contains(e.missing, m) {
						e.missing = append(e.missing, m)
					}
				}
				if ok {
					e.decision = map[string]string{"Deny": "explicitDeny", "Allow": "allowed"}[effect]
					e.matched, e.matchedType = s.Sid, source.kind
					return e, nil
				}
			}
		}
	}
	return e, nil
}

// matchesAny says whether one of patterns ("*", exact, or a prefix ending in "*") matches value;
// actions compare without regard to case, as IAM compares them.
func matchesAny(patterns []string, value string, foldCase bool) bool {
	if foldCase {
		value = strings.ToLower(value)
	}
	for _, p := range patterns {
		if foldCase {
			p = strings.ToLower(p)
		}
		if prefix, wild := strings.CutSuffix(p, "*"); p == value || wild && strings.HasPrefix(value, prefix) {
			return true
		}
	}
	return false
}

// conditionsHold evaluates a statement's conditions; missing are the keys it read that the
// request does not carry.
func conditionsHold(conditions map[string]map[string]awscheck.PolicyStrings, context map[string][]string) (bool, []string, error) {
	hold := true
	var missing []string
	for operator, keys := range conditions {
		for key, want := range keys {
			got, present := context[strings.ToLower(key)]
			if !present {
				missing = append(missing, key)
			}
			equal := slices.ContainsFunc(got, func(v string) bool { return slices.Contains(want, v) })
			switch operator {
			case "StringEquals":
				hold = hold && equal
			case "StringNotEquals":
				hold = hold && !equal
			default:
				return false, nil, fmt.Errorf("awsreplay: condition operator %s is not modelled", operator)
			}
		}
	}
	slices.Sort(missing)
	return hold, missing, nil
}

// QueryError is a query-protocol error answer (IAM, Auto Scaling): the SDK reads the code and the
// message.
func QueryError(status int, code, message string) Response {
	r := XML(fmt.Sprintf(`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <Error>
    <Type>Sender</Type>
    <Code>%s</Code>
    <Message>%s</Message>
  </Error>
  <RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId>
</ErrorResponse>`, code, xmlEscape(message)))
	r.Status = status
	return r
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
