package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// WriteText prints the plan for a person: the resource tree, the pod capacity, the monthly cost
// and the findings. The text depends only on the stack file and the options.
func (p *Plan) WriteText(out io.Writer) error {
	w := &errWriter{w: out}
	w.printf("Stack %s of %s in %s: %d resources\n\n", p.Config.Stack, p.Config.Project, p.Config.Region(), len(p.Record.Resources))
	p.writeTree(w)
	w.printf("\nPod capacity:\n")
	for _, pc := range p.Capacity {
		p.writeCapacity(w, pc)
	}
	c := p.Cost
	w.printf("\nEstimated monthly cost in %s, %s (%v hours a month, prices as of %s):\n", c.Region, c.Currency, c.HoursPerMonth, c.AsOf)
	for _, item := range c.Items {
		note := ""
		if item.Note != "" {
			note = "  (" + item.Note + ")"
		}
		w.printf("  %9.2f  %s: %s x $%s%s\n", item.MonthlyUSD, item.Item, quantity(item), number(item.UnitUSD), note)
	}
	for _, u := range c.Unpriced {
		w.printf("  %9s  %s: %s\n", "unpriced", u.Item, u.Reason)
	}
	w.printf("  %9.2f  total (%.2f with every node group at its maximum size)\n", c.TotalUSD, c.TotalAtMaxNodesUSD)
	w.printf("  Assumptions: %.0f GB through NAT, %.0f GB of logs ingested, %.0f GB of images, %.0f events a month, spot at %v%% below on-demand; change them with --nat-gb, --log-gb, --image-gb, --events, --spot-discount.\n",
		c.Usage.NATGBPerMonth, c.Usage.LogIngestionGBPerMonth, c.Usage.ImageStorageGB, c.Usage.EventsPerMonth, c.Usage.SpotDiscountPercent)
	w.printf("\nFindings:\n")
	if len(p.Findings) == 0 {
		w.printf("  none\n")
	}
	for _, f := range p.Findings {
		status := "FAIL"
		if f.Accepted {
			status = "accepted"
		}
		w.printf("  [%s %s] %s %s: %s (%s)\n", f.Severity, status, f.ID, f.ResourceName, f.Message, f.Title)
		if f.Accepted {
			w.printf("      accepted because: %s\n", f.Reason)
		}
	}
	if p.Failed() {
		w.printf("\nThe plan fails: a HIGH finding is not accepted.\n")
	}
	return w.err
}

func (p *Plan) writeCapacity(w *errWriter, pc PodCapacity) {
	name := p.unknowns.names[pc.NodeGroup]
	if pc.Problem != "" {
		w.printf("  %s: %s\n", name, pc.Problem)
		return
	}
	pd := "without prefix delegation"
	if pc.PrefixDelegation {
		pd = "with prefix delegation"
	}
	w.printf("  %s: %d pods per %s %s x max %d nodes = %d; the stack runs %d:\n", name, pc.MaxPodsPerNode, pc.InstanceType, pd, pc.MaxNodes, pc.Capacity, pc.Needed)
	for _, d := range pc.Demand {
		w.printf("    %3d  %s\n", d.Total, d.Source)
	}
	w.printf("    %s\n", nodesOnDemand(pc))
}

// nodesOnDemand says how the group gets from its desired size to its maximum.
func nodesOnDemand(pc PodCapacity) string {
	switch {
	case pc.MaxNodes <= pc.DesiredNodes:
		return fmt.Sprintf("nodes: %d, a fixed size", pc.MaxNodes)
	case pc.Autoscaled:
		return fmt.Sprintf("nodes: %d running (min %d); the Cluster Autoscaler starts more, up to %d, on demand (when pods are Pending for room) and removes them when unneeded",
			pc.DesiredNodes, pc.MinNodes, pc.MaxNodes)
	default:
		return fmt.Sprintf("nodes: %d running; nothing starts more, up to %d (no Cluster Autoscaler): the capacity above is only what the maximum would hold",
			pc.DesiredNodes, pc.MaxNodes)
	}
}

func round(x float64) float64 { return float64(int64(x*100+0.5)) / 100 }

// quantity prints a line item's quantity in its unit: "730 hour", or "1 x 100k emails" for a
// unit that is itself a batch.
func quantity(item LineItem) string {
	q := number(round(item.Quantity))
	if item.Unit != "" && item.Unit[0] >= '0' && item.Unit[0] <= '9' {
		return q + " x " + item.Unit
	}
	return q + " " + item.Unit
}

// Document is the JSON plan. Its shape is documented in docs/plan.md and schema/plan.schema.json.
type Document struct {
	Schema    string         `json:"schema"`
	Project   string         `json:"project"`
	Stack     string         `json:"stack"`
	Region    string         `json:"region"`
	Resources []JSONResource `json:"resources"`
	Outputs   map[string]any `json:"outputs"`
	Cost      Cost           `json:"cost"`
	Capacity  []PodCapacity  `json:"podCapacity"`
	Findings  []Finding      `json:"findings"`
	Failed    bool           `json:"failed"`
}

// JSONResource is one resource of the JSON plan.
type JSONResource struct {
	URN          string         `json:"urn"`
	Type         string         `json:"type"`
	Name         string         `json:"name"`
	Parent       string         `json:"parent,omitempty"`
	Custom       bool           `json:"custom"`
	Remote       bool           `json:"remote,omitempty"`
	StandIn      bool           `json:"standIn,omitempty"`
	Inputs       map[string]any `json:"inputs"`
	Dependencies []string       `json:"dependencies"`
	Options      JSONOptions    `json:"options"`
}

// JSONOptions are a resource's options.
type JSONOptions struct {
	Protect             bool     `json:"protect"`
	IgnoreChanges       []string `json:"ignoreChanges"`
	DeleteBeforeReplace bool     `json:"deleteBeforeReplace"`
	RetainOnDelete      bool     `json:"retainOnDelete"`
	ReplaceOnChanges    []string `json:"replaceOnChanges,omitempty"`
	Provider            string   `json:"provider,omitempty"`
}

// SchemaVersion names the JSON plan's shape.
const SchemaVersion = "mission-link-plan/v1"

// JSON builds the JSON plan.
func (p *Plan) JSON() Document {
	doc := Document{Schema: SchemaVersion, Project: p.Config.Project, Stack: p.Config.Stack, Region: p.Config.Region(),
		Resources: []JSONResource{}, Outputs: map[string]any{}, Cost: p.Cost, Capacity: p.Capacity, Findings: p.Findings, Failed: p.Failed()}
	if doc.Findings == nil {
		doc.Findings = []Finding{}
	}
	// Lists are lists, never null (the schema says so): a stack without node groups has none.
	doc.Capacity = slices.Clone(p.Capacity)
	if doc.Capacity == nil {
		doc.Capacity = []PodCapacity{}
	}
	for i := range doc.Capacity {
		if doc.Capacity[i].Demand == nil {
			doc.Capacity[i].Demand = []PodDemand{}
		}
	}
	for _, res := range p.Record.Resources {
		jr := JSONResource{URN: res.URN, Type: res.Type, Name: res.Name, Parent: res.Parent, Custom: res.Custom, Remote: res.Remote,
			StandIn: res.StandIn, Inputs: map[string]any{}, Dependencies: res.Dependencies,
			Options: JSONOptions{Protect: res.Options.Protect, IgnoreChanges: res.Options.IgnoreChanges,
				DeleteBeforeReplace: res.Options.DeleteBeforeReplace, RetainOnDelete: res.Options.RetainOnDelete,
				ReplaceOnChanges: res.Options.ReplaceOnChanges, Provider: res.ProviderURN()}}
		if jr.Dependencies == nil {
			jr.Dependencies = []string{}
		}
		if jr.Options.IgnoreChanges == nil {
			jr.Options.IgnoreChanges = []string{}
		}
		for key, v := range res.Inputs {
			jr.Inputs[string(key)] = p.unknowns.jsonValue(v, p.unknowns.candidates(res, string(key)))
		}
		doc.Resources = append(doc.Resources, jr)
	}
	all := p.unknowns.allMade()
	for _, key := range p.outputKeys() {
		secret := pulumiIsSecret(p.Outputs[key])
		if secret {
			doc.Outputs[key] = "[secret]"
			continue
		}
		doc.Outputs[key] = p.unknowns.jsonValue(resource.NewPropertyValue(p.values[key]), all)
	}
	return doc
}

// WriteJSON writes the JSON plan, indented; map keys are sorted, so the text is stable.
func (p *Plan) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p.JSON()); err != nil {
		return fmt.Errorf("writing the JSON plan: %w", err)
	}
	return nil
}

// WriteMarkdown writes the plan for a pull request's job summary: counts, pod capacity, cost and
// findings.
func (p *Plan) WriteMarkdown(out io.Writer) error {
	w := &errWriter{w: out}
	status := "passes"
	if p.Failed() {
		status = "**fails**: a HIGH finding is not accepted"
	}
	w.printf("## Offline plan: stack `%s` in %s\n\n%d resources; estimated **$%.2f** a month ($%.2f at max nodes); the plan %s.\n\n",
		p.Config.Stack, p.Config.Region(), len(p.Record.Resources), p.Cost.TotalUSD, p.Cost.TotalAtMaxNodesUSD, status)
	w.printf("### Findings\n\n| severity | rule | resource | finding | status |\n|---|---|---|---|---|\n")
	for _, f := range p.Findings {
		st := "open"
		if f.Accepted {
			st = "accepted: " + f.Reason
		}
		w.printf("| %s | %s | `%s` | %s: %s | %s |\n", f.Severity, f.ID, f.ResourceName, f.Title, mdEscape(f.Message), mdEscape(st))
	}
	w.printf("\n### Pod capacity\n\n")
	for _, pc := range p.Capacity {
		w.printf("- `%s`: %d pods per node x %d nodes = %d, the stack runs %d (fits: %v); %s\n", p.unknowns.names[pc.NodeGroup], pc.MaxPodsPerNode, pc.MaxNodes, pc.Capacity, pc.Needed, pc.Fits, nodesOnDemand(pc))
	}
	w.printf("\n### Monthly cost (prices as of %s)\n\n| USD | item | quantity |\n|---:|---|---|\n", p.Cost.AsOf)
	for _, item := range p.Cost.Items {
		w.printf("| %.2f | %s | %s |\n", item.MonthlyUSD, mdEscape(item.Item), quantity(item))
	}
	for _, u := range p.Cost.Unpriced {
		w.printf("| unpriced | %s | %s |\n", mdEscape(u.Item), mdEscape(u.Reason))
	}
	w.printf("\n### Resources per type\n\n| count | type |\n|---:|---|\n")
	counts := p.Record.CountByType()
	for _, typ := range slices.Sorted(maps.Keys(counts)) {
		w.printf("| %d | `%s` |\n", counts[typ], typ)
	}
	return w.err
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
