package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The JSON plan is a contract other tools read: these tests check it as they would, on the
// JSON text both committed stack files produce.

// genericPlan is a stack's JSON plan as a tool decodes it.
func genericPlan(t *testing.T, stack string) (map[string]any, []byte) {
	t.Helper()
	var b bytes.Buffer
	if err := build(t, stack, options()).WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc, b.Bytes()
}

// refTarget is the type and property a reference in an input of a given name must point at.
type refTarget struct{ typ, property string }

const (
	typeSubnet  = "aws:ec2/subnet:Subnet"
	typeVPC     = "aws:ec2/vpc:Vpc"
	typeSG      = "aws:ec2/securityGroup:SecurityGroup"
	typeRoleRef = "aws:iam/role:Role"
	typeKey     = "aws:kms/key:Key"
	typeCluster = "aws:eks/cluster:Cluster"
)

// refTargets says, per input name (the last key of its path, list indices dropped, or the last
// two keys where the last alone is ambiguous) and per resource type holding it ("*": any), what
// a reference there must point at. An input the table does not know fails the test, so that a
// new kind of reference is checked on purpose.
var refTargets = map[string]map[string]refTarget{
	"vpcId":                    {"*": {typeVPC, "id"}},
	"subnetId":                 {"*": {typeSubnet, "id"}},
	"subnetIds":                {"*": {typeSubnet, "id"}},
	"privateSubnetIds":         {"*": {typeSubnet, "id"}},
	"securityGroupId":          {"*": {typeSG, "id"}},
	"sourceSecurityGroupId":    {"*": {typeSG, "id"}},
	"securityGroupIds":         {"*": {typeSG, "id"}},
	"vpcSecurityGroupIds":      {"*": {typeSG, "id"}},
	"routeTableId":             {"*": {"aws:ec2/routeTable:RouteTable", "id"}},
	"gatewayId":                {"*": {"aws:ec2/internetGateway:InternetGateway", "id"}},
	"natGatewayId":             {"*": {"aws:ec2/natGateway:NatGateway", "id"}},
	"allocationId":             {"*": {"aws:ec2/eip:Eip", "id"}},
	"launchTemplate.id":        {"*": {"aws:ec2/launchTemplate:LaunchTemplate", "id"}},
	"roleArn":                  {"*": {typeRoleRef, "arn"}},
	"nodeRoleArn":              {"*": {typeRoleRef, "arn"}},
	"iamRoleArn":               {"*": {typeRoleRef, "arn"}},
	"serviceAccountRoleArn":    {"*": {typeRoleRef, "arn"}},
	"principalArn":             {"*": {typeRoleRef, "arn"}},
	"role":                     {"*": {typeRoleRef, "name"}},
	"iamInstanceProfile":       {"*": {"aws:iam/instanceProfile:InstanceProfile", "name"}},
	"keyArn":                   {"*": {typeKey, "arn"}},
	"encryptionConfigKeyArn":   {"*": {typeKey, "arn"}},
	"kmsKeyId":                 {"*": {typeKey, "arn"}},
	"kmsMasterKeyId":           {"*": {typeKey, "arn"}},
	"targetKeyId":              {"*": {typeKey, "id"}},
	"clusterName":              {"*": {typeCluster, "name"}},
	"url":                      {"aws:iam/openIdConnectProvider:OpenIdConnectProvider": {typeCluster, "identities[0].oidcs[0].issuer"}},
	"logDestination":           {"*": {"aws:cloudwatch/logGroup:LogGroup", "arn"}},
	"repository":               {"*": {"aws:ecr/repository:Repository", "name"}},
	"secretId":                 {"*": {"aws:secretsmanager/secret:Secret", "id"}},
	"eventBusName":             {"*": {"aws:cloudwatch/eventBus:EventBus", "name"}},
	"rule":                     {"*": {"aws:cloudwatch/eventRule:EventRule", "name"}},
	"topic":                    {"*": {"aws:sns/topic:Topic", "arn"}},
	"arn":                      {"aws:cloudwatch/eventTarget:EventTarget": {"aws:sns/topic:Topic", "arn"}, "aws:sns/topicPolicy:TopicPolicy": {"aws:sns/topic:Topic", "arn"}},
	"deadLetterConfig.arn":     {"*": {"aws:sqs/queue:Queue", "arn"}},
	"queueUrl":                 {"*": {"aws:sqs/queue:Queue", "url"}},
	"openIdConnectProviderArn": {"*": {"aws:iam/openIdConnectProvider:OpenIdConnectProvider", "arn"}},
	"vpcEndpointId":            {"*": {"aws:ec2/vpcEndpoint:VpcEndpoint", "id"}},
	"networkInterface":         {"aws:ec2/eip:Eip": {"aws:ec2/networkInterface:NetworkInterface", "id"}},
	"networkInterfaceId":       {"*": {"aws:ec2/networkInterface:NetworkInterface", "id"}},
	"securityGroups":           {"aws:ec2/networkInterface:NetworkInterface": {typeSG, "id"}},
	// the stack's outputs
	"publicSubnetIds":            {stackOutput: {typeSubnet, "id"}},
	"natGatewayPublicIps":        {stackOutput: {"aws:ec2/eip:Eip", "publicIp"}}, // the NAT gateways' or the NAT instance's elastic IPs
	"clusterEndpoint":            {stackOutput: {typeCluster, "endpoint"}},
	"oidcIssuerUrl":              {stackOutput: {typeCluster, "identities[0].oidcs[0].issuer"}},
	"oidcProviderArn":            {stackOutput: {"aws:iam/openIdConnectProvider:OpenIdConnectProvider", "arn"}},
	"githubOidcProviderArn":      {stackOutput: {"aws:iam/openIdConnectProvider:OpenIdConnectProvider", "arn"}},
	"nodeGroupName":              {stackOutput: {"aws:eks/nodeGroup:NodeGroup", "nodeGroupName"}},
	"repositoryUrl":              {stackOutput: {"aws:ecr/repository:Repository", "repositoryUrl"}},
	"pushRoleArn":                {stackOutput: {typeRoleRef, "arn"}},
	"previewRoleArn":             {stackOutput: {typeRoleRef, "arn"}},
	"driftRoleArn":               {stackOutput: {typeRoleRef, "arn"}},
	"appRoleArn":                 {stackOutput: {typeRoleRef, "arn"}},
	"eventBusArn":                {stackOutput: {"aws:cloudwatch/eventBus:EventBus", "arn"}},
	"topicArn":                   {stackOutput: {"aws:sns/topic:Topic", "arn"}},
	"deadLetterQueueUrl":         {stackOutput: {"aws:sqs/queue:Queue", "url"}},
	"databaseSecretArn":          {stackOutput: {"aws:secretsmanager/secret:Secret", "arn"}},
	"bastionInstanceId":          {stackOutput: {"aws:ec2/instance:Instance", "id"}},
	"eks.amazonaws.com/role-arn": {stackOutput: {typeRoleRef, "arn"}, "kubernetes:helm.sh/v3:Release": {typeRoleRef, "arn"}},
	"clusterAutoscalerRoleArn":   {stackOutput: {typeRoleRef, "arn"}},
	"deadLetterQueueArn":         {stackOutput: {"aws:sqs/queue:Queue", "arn"}},
	"eventRuleArn":               {stackOutput: {"aws:cloudwatch/eventRule:EventRule", "arn"}},
}

// stackOutput is the holder type of references in the stack's outputs.
const stackOutput = "stack output"

// ref is one {"$ref": {"urn", "property"}} found in the plan, and where.
type ref struct {
	holder, holderType, path string
	// key and parent are the last two keys of path.
	key, parent   string
	urn, property string
}

// refsIn walks a JSON value and returns every resource reference in it.
func refsIn(v any, holder, holderType, path, parent, key string) []ref {
	switch v := v.(type) {
	case map[string]any:
		if target, ok := v["$ref"].(map[string]any); ok {
			urn, _ := target["urn"].(string)
			if urn == "" {
				return nil // a data source's result
			}
			property, _ := target["property"].(string)
			return []ref{{holder, holderType, path, key, parent, urn, property}}
		}
		var out []ref
		for _, k := range slices.Sorted(maps.Keys(v)) {
			out = append(out, refsIn(v[k], holder, holderType, path+"."+k, key, k)...)
		}
		return out
	case []any:
		var out []ref
		for i, item := range v {
			out = append(out, refsIn(item, holder, holderType, fmt.Sprintf("%s[%d]", path, i), parent, key)...)
		}
		return out
	}
	return nil
}

// TestEveryRefPointsAtTheRightResource: every $ref in both plans names a resource that exists,
// of the type the input expects (subnet IDs at subnets, vpcId at the VPC, a role ARN at a role).
func TestEveryRefPointsAtTheRightResource(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		doc, _ := genericPlan(t, stack)
		types := map[string]string{}
		var refs []ref
		for _, r := range doc["resources"].([]any) {
			res := r.(map[string]any)
			types[res["urn"].(string)] = res["type"].(string)
		}
		for _, r := range doc["resources"].([]any) {
			res := r.(map[string]any)
			refs = append(refs, refsIn(res["inputs"], res["name"].(string), res["type"].(string), "inputs", "", "")...)
		}
		for _, key := range slices.Sorted(maps.Keys(doc["outputs"].(map[string]any))) {
			refs = append(refs, refsIn(doc["outputs"].(map[string]any)[key], key, stackOutput, "outputs."+key, "", key)...)
		}
		if len(refs) < 50 {
			t.Fatalf("%s: only %d references in the plan", stack, len(refs))
		}
		for _, r := range refs {
			where := fmt.Sprintf("%s: %s %s %s", stack, r.holderType, r.holder, r.path)
			got, ok := types[r.urn]
			if !ok {
				t.Errorf("%s points at %s, which is not in the plan", where, r.urn)
				continue
			}
			byName, known := refTargets[r.parent+"."+r.key]
			if !known {
				byName = refTargets[r.key]
			}
			want, ok := byName[r.holderType]
			if !ok {
				want, ok = byName["*"]
			}
			if !ok {
				t.Errorf("%s points at %s.%s: the test does not know what %q must point at", where, got, r.property, r.key)
				continue
			}
			if got != want.typ || r.property != want.property {
				t.Errorf("%s points at %s.%s (%s), want a %s's %s", where, got, r.property, r.urn, want.typ, want.property)
			}
		}
	}
}

// placeholder is one ${...} in a $computed string, innermost braces excluded.
var placeholder = regexp.MustCompile(`\$\{([^{}]*)\}`)

// TestComputedStringsDoNotNest: a $computed string holds ${<urn>.<property>} or
// ${<data source>.<property>} placeholders, none inside another, each naming what exists.
func TestComputedStringsDoNotNest(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		doc, _ := genericPlan(t, stack)
		urns := map[string]bool{}
		for _, r := range doc["resources"].([]any) {
			urns[r.(map[string]any)["urn"].(string)] = true
		}
		var computed []string
		var collect func(v any)
		collect = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				if s, ok := v["$computed"].(string); ok {
					computed = append(computed, s)
					return
				}
				for _, item := range v {
					collect(item)
				}
			case []any:
				for _, item := range v {
					collect(item)
				}
			}
		}
		collect(doc["resources"])
		collect(doc["outputs"])
		if len(computed) < 10 {
			t.Fatalf("%s: only %d computed strings", stack, len(computed))
		}
		for _, s := range computed {
			rest := placeholder.ReplaceAllStringFunc(s, func(p string) string {
				inner := placeholder.FindStringSubmatch(p)[1]
				switch {
				case strings.HasPrefix(inner, "urn:"):
					if !slices.ContainsFunc(slices.Collect(maps.Keys(urns)), func(u string) bool { return strings.HasPrefix(inner, u+".") }) {
						t.Errorf("%s: placeholder %s names no resource of the plan", stack, p)
					}
				case !strings.HasPrefix(inner, "aws:") || !strings.Contains(inner, "."):
					t.Errorf("%s: placeholder %s names neither a resource's nor a data source's property", stack, p)
				}
				return ""
			})
			if strings.Contains(rest, "${") {
				t.Errorf("%s: nested placeholder in %q", stack, s)
			}
		}
	}
}

// planSchema compiles the committed JSON Schema of the plan.
func planSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile("schema/plan.schema.json")
	if err != nil {
		t.Fatalf("compiling schema/plan.schema.json: %v", err)
	}
	return sch
}

// asInstance decodes JSON as the schema library validates it (numbers kept exact).
func asInstance(t *testing.T, raw []byte) any {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// TestPlansMatchTheSchema: both stacks' JSON plans validate against internal/plan/schema/plan.schema.json,
// whose version is the one the plan writes.
func TestPlansMatchTheSchema(t *testing.T) {
	sch := planSchema(t)
	for _, stack := range []string{"dev", "prod"} {
		_, raw := genericPlan(t, stack)
		if err := sch.Validate(asInstance(t, raw)); err != nil {
			t.Errorf("%s: the JSON plan does not match schema/plan.schema.json:\n%v", stack, err)
		}
	}
	text, err := os.ReadFile("schema/plan.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(text, []byte(`"schema": {"const": "`+SchemaVersion+`"}`)) {
		t.Errorf("schema/plan.schema.json does not pin schema to %s", SchemaVersion)
	}
}

// TestSchemaRejectsBrokenPlans: the schema is strict enough that a change of shape fails it.
func TestSchemaRejectsBrokenPlans(t *testing.T) {
	sch := planSchema(t)
	doc, _ := genericPlan(t, "dev")
	firstWith := func(d map[string]any, input string) map[string]any {
		for _, r := range d["resources"].([]any) {
			if inputs := r.(map[string]any)["inputs"].(map[string]any); inputs[input] != nil {
				return inputs
			}
		}
		t.Fatalf("no resource with input %s", input)
		return nil
	}
	breakages := map[string]func(d map[string]any){
		"unknown version":      func(d map[string]any) { d["schema"] = "mission-link-plan/v2" },
		"field missing":        func(d map[string]any) { delete(d, "failed") },
		"field added":          func(d map[string]any) { d["extra"] = true },
		"resource field added": func(d map[string]any) { d["resources"].([]any)[0].(map[string]any)["id"] = "vpc-1" },
		"ref without a property": func(d map[string]any) {
			firstWith(d, "vpcId")["vpcId"] = map[string]any{"$ref": map[string]any{"urn": "urn:pulumi:dev::mission-link::aws:ec2/vpc:Vpc::x"}}
		},
		"ref beside plain keys": func(d map[string]any) {
			firstWith(d, "vpcId")["vpcId"] = map[string]any{"$ref": map[string]any{"urn": "urn:pulumi:dev::mission-link::aws:ec2/vpc:Vpc::x", "property": "id"}, "id": "x"}
		},
		"nested computed": func(d map[string]any) {
			firstWith(d, "vpcId")["vpcId"] = map[string]any{"$computed": "${urn:pulumi:dev::mission-link::a:b:C::x${urn:pulumi:dev::mission-link::a:b:C::y.name}.arn}"}
		},
		"resource not a URN": func(d map[string]any) { firstWith(d, "vpcId")["vpcId"] = map[string]any{"$resource": "vpc"} },
		"cost as text":       func(d map[string]any) { d["cost"].(map[string]any)["totalUsd"] = "185.32" },
		"severity unknown":   func(d map[string]any) { d["findings"].([]any)[0].(map[string]any)["severity"] = "CRITICAL" },
	}
	for name, breakPlan := range breakages {
		t.Run(name, func(t *testing.T) {
			raw, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			var broken map[string]any
			if err := json.Unmarshal(raw, &broken); err != nil {
				t.Fatal(err)
			}
			breakPlan(broken)
			if raw, err = json.Marshal(broken); err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(asInstance(t, raw)); err == nil {
				t.Error("the schema accepts the broken plan")
			}
		})
	}
}
