package plan

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/internal/awsspec"
	"github.com/mission-link/infra/internal/harness"
	"github.com/mission-link/infra/internal/program"
	"github.com/mission-link/infra/internal/stackconfig"
)

//go:embed data/exceptions.json
var exceptionsJSON []byte

// Options tune the estimate and the capacity check.
type Options struct {
	// AsOf (YYYY-MM-DD) decides whether the cluster's version is in standard or extended support.
	AsOf  string
	Usage Usage
	// AppMaxPods is the app's HPA maximum.
	AppMaxPods int
}

// Exception accepts a rule's findings on the resources of a type whose name matches Name (a
// path.Match pattern).
type Exception struct {
	Rule   string `json:"rule"`
	Type   string `json:"type"`
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Finding is a rule that does not hold for a resource.
type Finding struct {
	Rule
	Resource     string `json:"resource"`
	ResourceName string `json:"resourceName"`
	Message      string `json:"message"`
	Accepted     bool   `json:"accepted"`
	Reason       string `json:"reason,omitempty"`
}

// Plan is what a stack would create, cost and be flagged for.
type Plan struct {
	Config   harness.StackConfig
	Record   *harness.Record
	Outputs  pulumi.Map
	values   map[string]any
	Cost     Cost
	Capacity []PodCapacity
	Findings []Finding
	unknowns *unknowns
}

// Exceptions reads data/exceptions.json strictly.
func Exceptions() ([]Exception, error) {
	var file struct {
		About      string      `json:"about"`
		Exceptions []Exception `json:"exceptions"`
	}
	dec := json.NewDecoder(bytes.NewReader(exceptionsJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("reading data/exceptions.json: %w", err)
	}
	for i, e := range file.Exceptions {
		if _, err := path.Match(e.Name, ""); err != nil || e.Reason == "" || e.Rule == "" || e.Type == "" {
			return nil, fmt.Errorf("data/exceptions.json: exception %d (%s %q) needs a rule, a type, a valid name pattern and a reason", i, e.Rule, e.Name)
		}
	}
	return file.Exceptions, nil
}

// covers says whether the exception accepts the rule's finding on res. Patterns were checked
// when the file was read.
func (e Exception) covers(rule string, res harness.Resource) bool {
	matched, err := path.Match(e.Name, res.Name)
	return err == nil && matched && e.Rule == rule && e.Type == res.Type
}

// Build runs the program for the stack under the harness's mocks and evaluates the result. A
// config error is returned as the program returns it.
func Build(cfg harness.StackConfig, opts Options) (*Plan, error) {
	table, err := Prices()
	if err != nil {
		return nil, err
	}
	exceptions, err := Exceptions()
	if err != nil {
		return nil, err
	}
	if err := checkRegionData(cfg.Region(), table); err != nil {
		return nil, err
	}
	p := &Plan{Config: cfg}
	// The program judges the cluster's version on the plan's date, as `pulumi up` would on that day.
	in := stackconfig.Input{Values: cfg.Values, SecretKeys: cfg.SecretKeys, Date: opts.AsOf, StackFile: cfg.StackFile}
	p.Record, err = harness.Run(cfg, func(ctx *pulumi.Context) error {
		outputs, err := program.Build(ctx, in)
		if err != nil {
			return err
		}
		p.Outputs = outputs
		outputs.ToMapOutput().ApplyT(func(m map[string]any) map[string]any { p.values = m; return m })
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.unknowns = indexUnknowns(p.Record)
	p.Cost = estimateCost(p.Record, cfg.Region(), opts.AsOf, opts.Usage, table)
	p.Capacity = podCapacity(p.Record, opts.AppMaxPods)
	p.Findings = evaluate(p.Record, p.Capacity, exceptions, p.Cost, table)
	return p, nil
}

// checkRegionData refuses a region AWS has but the plan has no prices and AZs for: a plan there
// would price nothing and invent the AZs. A region AWS does not have is left to the program's
// config check, which names it with everything else.
func checkRegionData(region string, table *PriceTable) error {
	if awsspec.CheckRegion(stackconfig.RegionKey, region) != nil {
		return nil
	}
	_, priced := table.Regions[region]
	if priced && harness.KnowsRegion(region) {
		return nil
	}
	return &stackconfig.Error{Problems: []string{fmt.Sprintf("%s (%q) is a region the offline plan has no data for (prices in internal/plan/data/prices.json, AZs in internal/harness/mocks.go): it has %s; `pulumi preview` works in any region",
		stackconfig.RegionKey, region, strings.Join(slices.Sorted(maps.Keys(table.Regions)), ", "))}}
}

func evaluate(r *harness.Record, caps []PodCapacity, exceptions []Exception, cost Cost, table *PriceTable) []Finding {

	var out []Finding
	for _, rule := range Rules() {
		check := rule.check
		switch rule.ID {
		case "ML-EKS-005":
			check = func(r *harness.Record) []violation { return capacityViolations(r, caps) }
		case "ML-EKS-008":
			check = func(r *harness.Record) []violation { return extendedSupportViolations(r, cost, table) }
		}
		for _, v := range check(r) {
			f := Finding{Rule: rule, Resource: v.res.URN, ResourceName: v.res.Name, Message: v.message}
			for _, e := range exceptions {
				if e.covers(rule.ID, v.res) {
					f.Accepted, f.Reason = true, e.Reason
				}
			}
			out = append(out, f)
		}
	}
	return out
}

// Failed says whether a HIGH finding is not accepted.
func (p *Plan) Failed() bool {
	return slices.ContainsFunc(p.Findings, func(f Finding) bool { return f.Severity == High && !f.Accepted })
}

func (p *Plan) outputKeys() []string { return slices.Sorted(maps.Keys(p.Outputs)) }

// allMade are every made-up value, for rendering stack outputs, which carry no dependencies.
func (u *unknowns) allMade() []made {
	var out []made
	for _, urn := range slices.Sorted(maps.Keys(u.byURN)) {
		out = append(out, u.byURN[urn]...)
	}
	sortLongestFirst(out)
	return append(out, u.invokes...)
}

// pulumiIsSecret says whether a stack output is a secret.
func pulumiIsSecret(v pulumi.Input) bool { return pulumi.IsSecret(pulumi.ToOutput(v)) }
