package plan

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/mission-link/infra/internal/harness"
	"github.com/mission-link/infra/internal/iampolicy"
)

// WriteMermaid draws the stack's architecture from the recorded graph as a Mermaid flowchart in a
// Markdown file: the VPC with its subnets per AZ, NAT and bastion, the cluster and its node group,
// the registry and CI's push, the event path bus -> rule -> topic -> subscriptions, secrets and the
// app's role. Nothing in it is drawn by hand, so it cannot drift from the program.
func (p *Plan) WriteMermaid(out io.Writer) error {
	d := &diagram{r: p.Record, w: &errWriter{w: out}, ids: map[string]string{}}
	d.w.printf("# Architecture of the %s stack\n\n", p.Config.Stack)
	d.w.printf("Generated from the program by `go run ./cmd/plan --stack %s --mermaid docs/architecture.md`;\n", p.Config.Stack)
	d.w.printf("`go test ./plan` fails when this file is stale.\n\n```mermaid\nflowchart LR\n")
	d.network()
	d.cluster()
	d.registry()
	d.messaging()
	d.appIdentity()
	d.w.printf("```\n")
	return d.w.err
}

type diagram struct {
	r   *harness.Record
	w   *errWriter
	ids map[string]string
}

// id is a stable Mermaid node ID for a resource.
func (d *diagram) id(res harness.Resource) string {
	if id, ok := d.ids[res.URN]; ok {
		return id
	}
	id := fmt.Sprintf("r%d", len(d.ids)+1)
	d.ids[res.URN] = id
	return id
}

func (d *diagram) node(res harness.Resource, label string) string {
	id := d.id(res)
	d.w.printf("  %s[\"%s\"]\n", id, strings.ReplaceAll(label, `"`, "'"))
	return id
}

func (d *diagram) edge(from, to harness.Resource, label string) {
	if label == "" {
		d.w.printf("  %s --> %s\n", d.id(from), d.id(to))
		return
	}
	d.w.printf("  %s -- %s --> %s\n", d.id(from), label, d.id(to))
}

func (d *diagram) source(res harness.Resource, key string) (harness.Resource, bool) {
	src, err := d.r.InputSource(res, key)
	return src, err == nil
}

func (d *diagram) network() {
	for _, vpc := range d.r.ByType("aws:ec2/vpc:Vpc") {
		d.w.printf("  subgraph %s [\"VPC %s\"]\n", d.id(vpc), vpc.String("cidrBlock"))
		byAZ := map[string][]harness.Resource{}
		for _, s := range d.r.ByType("aws:ec2/subnet:Subnet") {
			if src, ok := d.source(s, "vpcId"); ok && src.URN == vpc.URN {
				byAZ[s.String("availabilityZone")] = append(byAZ[s.String("availabilityZone")], s)
			}
		}
		azs := make([]string, 0, len(byAZ))
		for az := range byAZ {
			azs = append(azs, az)
		}
		slices.Sort(azs)
		for i, az := range azs {
			d.w.printf("    subgraph az%d [\"%s\"]\n", i+1, az)
			for _, s := range byAZ[az] {
				kind := "private"
				if s.StringMap("tags")["kubernetes.io/role/elb"] == "1" {
					kind = "public"
				}
				d.w.printf("    ")
				d.node(s, fmt.Sprintf("%s subnet %s", kind, s.String("cidrBlock")))
				d.zoneMembers(s)
			}
			d.w.printf("    end\n")
		}
		d.w.printf("  end\n")
	}
	for _, igw := range d.r.ByType("aws:ec2/internetGateway:InternetGateway") {
		d.node(igw, "internet gateway")
		for _, nat := range d.r.ByType("aws:ec2/natGateway:NatGateway") {
			d.edge(nat, igw, "")
		}
		for _, inst := range d.r.ByType("aws:ec2/instance:Instance") {
			if d.natInstance(inst) {
				d.edge(inst, igw, "")
			}
		}
	}
	d.privateRoutes()
	d.gatewayEndpoints()
}

// subnetOf is the subnet an instance runs in: its own, or its primary interface's.
func (d *diagram) subnetOf(inst harness.Resource) (harness.Resource, bool) {
	if s, ok := d.source(inst, "subnetId"); ok {
		return s, true
	}
	for _, urn := range inst.PropertyDependencies["networkInterfaces"] {
		if eni, ok := d.r.ByURN(urn); ok {
			return d.source(eni, "subnetId")
		}
	}
	return harness.Resource{}, false
}

// natInstance says whether a route targets one of the instance's network interfaces.
func (d *diagram) natInstance(inst harness.Resource) bool {
	for _, route := range d.r.ByType("aws:ec2/route:Route") {
		if eni, ok := d.source(route, "networkInterfaceId"); ok && slices.Contains(inst.PropertyDependencies["networkInterfaces"], eni.URN) {
			return true
		}
	}
	return false
}

// routeTarget is what a route sends traffic to in the diagram: a NAT gateway, or the instance
// whose interface it targets.
func (d *diagram) routeTarget(route harness.Resource) (harness.Resource, bool) {
	if nat, ok := d.source(route, "natGatewayId"); ok {
		return nat, true
	}
	eni, ok := d.source(route, "networkInterfaceId")
	if !ok {
		return harness.Resource{}, false
	}
	for _, inst := range d.r.ByType("aws:ec2/instance:Instance") {
		if slices.Contains(inst.PropertyDependencies["networkInterfaces"], eni.URN) {
			return inst, true
		}
	}
	return harness.Resource{}, false
}

// subnetsOf are the subnets associated with a route table.
func (d *diagram) subnetsOf(table harness.Resource) []harness.Resource {
	var out []harness.Resource
	for _, assoc := range d.r.ByType("aws:ec2/routeTableAssociation:RouteTableAssociation") {
		if t, ok := d.source(assoc, "routeTableId"); ok && t.URN == table.URN {
			if subnet, ok := d.source(assoc, "subnetId"); ok {
				out = append(out, subnet)
			}
		}
	}
	return out
}

// gatewayEndpoints draws the gateway endpoints and the subnets whose tables route to them.
func (d *diagram) gatewayEndpoints() {
	for _, ep := range d.r.ByType("aws:ec2/vpcEndpoint:VpcEndpoint") {
		policy := "no restricting policy"
		if len(endpointPolicy(&harness.Record{Resources: []harness.Resource{ep}})) == 0 {
			policy = "endpoint policy"
		}
		d.node(ep, fmt.Sprintf("%s gateway endpoint (%s)", strings.ToUpper(lastDotPart(ep.String("serviceName"))), policy))
		for _, assoc := range d.r.ByType("aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation") {
			if e, ok := d.source(assoc, "vpcEndpointId"); !ok || e.URN != ep.URN {
				continue
			}
			if table, ok := d.source(assoc, "routeTableId"); ok {
				for _, subnet := range d.subnetsOf(table) {
					d.edge(subnet, ep, lastDotPart(ep.String("serviceName")))
				}
			}
		}
	}
}

func lastDotPart(s string) string { return s[strings.LastIndex(s, ".")+1:] }

// zoneMembers draws what sits in a subnet: NAT gateways and instances.
func (d *diagram) zoneMembers(subnet harness.Resource) {
	for _, nat := range d.r.ByType("aws:ec2/natGateway:NatGateway") {
		if src, ok := d.source(nat, "subnetId"); ok && src.URN == subnet.URN {
			d.w.printf("    ")
			d.node(nat, "NAT gateway + elastic IP")
		}
	}
	for _, inst := range d.r.ByType("aws:ec2/instance:Instance") {
		if src, ok := d.subnetOf(inst); ok && src.URN == subnet.URN {
			d.w.printf("    ")
			label := fmt.Sprintf("%s (%s, SSM only)", inst.Name, inst.String("instanceType"))
			if d.natInstance(inst) {
				label = fmt.Sprintf("NAT instance %s + elastic IP (%s, SSM only)", inst.Name, inst.String("instanceType"))
			}
			d.node(inst, label)
		}
	}
}

// privateRoutes draws each private subnet's way out through its NAT gateway or NAT instance.
func (d *diagram) privateRoutes() {
	for _, route := range d.r.ByType("aws:ec2/route:Route") {
		target, ok := d.routeTarget(route)
		if !ok {
			continue
		}
		if table, ok := d.source(route, "routeTableId"); ok {
			for _, subnet := range d.subnetsOf(table) {
				d.edge(subnet, target, "0.0.0.0/0")
			}
		}
	}
}

func (d *diagram) cluster() {
	for _, c := range d.r.ByType("aws:eks/cluster:Cluster") {
		d.node(c, fmt.Sprintf("EKS %s (Kubernetes %s)", c.String("name"), c.String("version")))
		for _, ng := range d.r.ByType("aws:eks/nodeGroup:NodeGroup") {
			minSize, _ := ng.Number("scalingConfig.minSize")
			maxSize, _ := ng.Number("scalingConfig.maxSize")
			d.node(ng, fmt.Sprintf("node group %s x %v-%v", strings.Join(ng.Strings("instanceTypes"), ","), minSize, maxSize))
			d.edge(c, ng, "")
			for _, urn := range ng.PropertyDependencies["subnetIds"] {
				if s, ok := d.r.ByURN(urn); ok && s.Type == "aws:ec2/subnet:Subnet" {
					d.edge(ng, s, "in")
				}
			}
		}
		var addons []string
		for _, a := range d.r.ByType("aws:eks/addon:Addon") {
			addons = append(addons, a.String("addonName"))
		}
		slices.Sort(addons)
		if len(addons) > 0 {
			d.w.printf("  %s_addons[\"addons: %s\"]\n  %s --> %s_addons\n", d.id(c), strings.Join(addons, ", "), d.id(c), d.id(c))
		}
		for _, sc := range d.r.ByType("kubernetes:storage.k8s.io/v1:StorageClass") {
			d.node(sc, fmt.Sprintf("StorageClass %s (default, %s)", sc.String("metadata.name"), sc.StringMap("parameters")["type"]))
			d.edge(c, sc, "")
		}
		for _, rel := range d.r.ByType("kubernetes:helm.sh/v3:Release") {
			d.node(rel, fmt.Sprintf("Helm %s %s", rel.String("chart"), rel.String("version")))
			d.edge(c, rel, "")
			if rel.String("chart") == autoscalerChart {
				for _, ng := range d.r.ByType("aws:eks/nodeGroup:NodeGroup") {
					d.w.printf("  %s -. scales .-> %s\n", d.id(rel), d.id(ng))
				}
			}
		}
	}
}

func (d *diagram) registry() {
	for _, repo := range d.r.ByType("aws:ecr/repository:Repository") {
		d.node(repo, fmt.Sprintf("ECR %s (%s tags)", repo.String("name"), strings.ToLower(repo.String("imageTagMutability"))))
	}
	for _, p := range d.r.ByType("aws:iam/rolePolicy:RolePolicy") {
		doc, err := iampolicy.Parse(p.String("policy"))
		if err != nil {
			continue
		}
		if _, pushes := doc.FindStatement("PushToAppRepository"); !pushes {
			continue
		}
		role, ok := d.source(p, "role")
		if !ok {
			continue
		}
		d.w.printf("  github([\"GitHub Actions (OIDC)\"])\n")
		d.node(role, "CI push role")
		d.w.printf("  github --> %s\n", d.id(role))
		for _, repo := range d.r.ByType("aws:ecr/repository:Repository") {
			d.edge(role, repo, "push")
		}
	}
}

func (d *diagram) messaging() {
	for _, rule := range d.r.ByType("aws:cloudwatch/eventRule:EventRule") {
		if bus, ok := d.source(rule, "eventBusName"); ok {
			d.node(bus, "EventBridge bus "+bus.String("name"))
			d.node(rule, "rule "+rule.String("eventPattern"))
			d.edge(bus, rule, "")
		}
	}
	for _, target := range d.r.ByType("aws:cloudwatch/eventTarget:EventTarget") {
		rule, _ := d.source(target, "rule")
		topic, ok := d.source(target, "arn")
		if !ok {
			continue
		}
		d.node(topic, "SNS topic (KMS)")
		d.edge(rule, topic, "")
		if dlq, ok := d.source(target, "deadLetterConfig"); ok {
			d.node(dlq, "SQS dead-letter queue (KMS)")
			d.w.printf("  %s -. failed deliveries .-> %s\n", d.id(rule), d.id(dlq))
		}
		emails := 0
		for _, s := range d.r.ByType("aws:sns/topicSubscription:TopicSubscription") {
			if src, ok := d.source(s, "topic"); ok && src.URN == topic.URN {
				emails++
			}
		}
		if emails > 0 {
			d.w.printf("  %s_subs([\"%d email subscription(s)\"])\n  %s --> %s_subs\n", d.id(topic), emails, d.id(topic), d.id(topic))
		}
	}
}

func (d *diagram) appIdentity() {
	for _, secret := range d.r.ByType("aws:secretsmanager/secret:Secret") {
		d.node(secret, "secret "+secret.String("name"))
	}
	for _, res := range d.r.ByType("mission-link:app:Identity") {
		for _, role := range d.r.ByType("aws:iam/role:Role") {
			if role.Parent != res.URN {
				continue
			}
			d.node(role, "app role (IRSA)")
			for _, p := range d.r.ByType("aws:iam/rolePolicy:RolePolicy") {
				if src, ok := d.source(p, "role"); !ok || src.URN != role.URN {
					continue
				}
				for _, urn := range p.PropertyDependencies["policy"] {
					if target, ok := d.r.ByURN(urn); ok && d.ids[urn] != "" && target.Custom {
						d.w.printf("  %s -.-> %s\n", d.id(role), d.id(target))
					}
				}
			}
		}
	}
}
