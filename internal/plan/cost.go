package plan

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/mission-link/infra/internal/awsspec"
	"github.com/mission-link/infra/internal/harness"
)

// Usage is what the estimate assumes for usage-based prices; each can be overridden by a flag.
type Usage struct {
	NATGBPerMonth          float64 `json:"natGbPerMonth"`
	LogIngestionGBPerMonth float64 `json:"logIngestionGbPerMonth"`
	ImageStorageGB         float64 `json:"imageStorageGb"`
	EventsPerMonth         float64 `json:"eventsPerMonth"`
	// SpotDiscountPercent is how far below the on-demand price spot nodes are assumed to run.
	// It is an assumption, not a quote: spot prices follow supply and demand per type and AZ
	// (the EC2 Spot Instance Advisor shows the current savings).
	SpotDiscountPercent float64 `json:"spotDiscountPercent"`
}

// DefaultSpotDiscountPercent is the assumed spot discount: conservative beside the savings the
// Spot Instance Advisor lists for small T3 types (AWS advertises "up to 90%").
const DefaultSpotDiscountPercent = 60

// DefaultUsage is a small team's dev stack: light egress, a few images, modest logging.
func DefaultUsage() Usage {
	return Usage{NATGBPerMonth: 50, LogIngestionGBPerMonth: 10, ImageStorageGB: 5, EventsPerMonth: 100000,
		SpotDiscountPercent: DefaultSpotDiscountPercent}
}

// LineItem is one priced part of the monthly estimate.
type LineItem struct {
	Item       string  `json:"item"`
	Resource   string  `json:"resource,omitempty"`
	Quantity   float64 `json:"quantity"`
	Unit       string  `json:"unit"`
	UnitUSD    float64 `json:"unitUsd"`
	MonthlyUSD float64 `json:"monthlyUsd"`
	Source     string  `json:"source"`
	Note       string  `json:"note,omitempty"`
}

// Unpriced is a part the table has no price for: named, never guessed.
type Unpriced struct {
	Item     string `json:"item"`
	Resource string `json:"resource,omitempty"`
	Reason   string `json:"reason"`
}

// Cost is the monthly estimate.
type Cost struct {
	Currency      string     `json:"currency"`
	Region        string     `json:"region"`
	AsOf          string     `json:"asOf"`
	HoursPerMonth float64    `json:"hoursPerMonth"`
	Usage         Usage      `json:"usage"`
	Items         []LineItem `json:"items"`
	Unpriced      []Unpriced `json:"unpriced"`
	TotalUSD      float64    `json:"totalUsd"`
	// TotalAtMaxNodesUSD is the total with every node group at its maximum size.
	TotalAtMaxNodesUSD float64 `json:"totalAtMaxNodesUsd"`
}

type coster struct {
	cost   Cost
	prices RegionPrices
	table  *PriceTable
	extra  float64 // what node groups at max size add
}

// estimateCost prices the recorded graph in region as of a date (YYYY-MM-DD).
func estimateCost(r *harness.Record, region, asOf string, usage Usage, table *PriceTable) Cost {
	c := &coster{table: table, cost: Cost{Currency: "USD", Region: region, AsOf: asOf, HoursPerMonth: table.HoursPerMonth, Usage: usage,
		Items: []LineItem{}, Unpriced: []Unpriced{}}}
	prices, ok := table.Regions[region]
	if !ok {
		c.cost.Unpriced = append(c.cost.Unpriced, Unpriced{Item: "everything", Reason: fmt.Sprintf("data/prices.json has no prices for region %s", region)})
		return c.cost
	}
	c.prices = prices
	h := table.HoursPerMonth
	for _, res := range r.ByType("aws:eks/cluster:Cluster") {
		c.cluster(res, asOf)
	}
	for _, ng := range r.ByType("aws:eks/nodeGroup:NodeGroup") {
		c.nodeGroup(r, ng)
	}
	for _, inst := range r.ByType("aws:ec2/instance:Instance") {
		c.instance(r, inst)
	}
	nats := len(r.ByType("aws:ec2/natGateway:NatGateway"))
	c.add(LineItem{Item: "NAT gateway hours", Quantity: float64(nats) * h, Unit: "hour"}, prices.NatGatewayHour)
	if nats > 0 {
		c.add(LineItem{Item: "NAT gateway data processed", Quantity: usage.NATGBPerMonth, Unit: "GB", Note: "assumed (--nat-gb)"}, prices.NatGatewayGB)
	}
	c.add(LineItem{Item: "Public IPv4 addresses (elastic IPs)", Quantity: float64(len(r.ByType("aws:ec2/eip:Eip"))) * h, Unit: "hour"}, prices.PublicIPv4Hour)
	c.add(LineItem{Item: "KMS keys", Quantity: float64(len(r.ByType("aws:kms/key:Key"))), Unit: "key-month"}, prices.KMSKeyMonth)
	c.add(LineItem{Item: "Secrets Manager secrets", Quantity: float64(len(r.ByType("aws:secretsmanager/secret:Secret"))), Unit: "secret-month"}, prices.SecretMonth)
	repos := len(r.ByType("aws:ecr/repository:Repository"))
	c.add(LineItem{Item: "ECR image storage", Quantity: float64(repos) * usage.ImageStorageGB, Unit: "GB-month", Note: "assumed per repository (--image-gb)"}, prices.ECRStorageGBMonth)
	if len(r.ByType("aws:cloudwatch/logGroup:LogGroup")) > 0 {
		c.add(LineItem{Item: "CloudWatch Logs ingestion (flow logs, control plane)", Quantity: usage.LogIngestionGBPerMonth, Unit: "GB", Note: "assumed (--log-gb)"}, prices.LogsIngestionGB)
	}
	if len(r.ByType("aws:cloudwatch/eventRule:EventRule")) > 0 {
		c.messaging(r, usage.EventsPerMonth)
	}
	for _, item := range c.cost.Items {
		c.cost.TotalUSD += item.MonthlyUSD
	}
	c.cost.TotalUSD = cents(c.cost.TotalUSD)
	c.cost.TotalAtMaxNodesUSD = cents(c.cost.TotalUSD + c.extra)
	return c.cost
}

func (c *coster) add(item LineItem, p Price) {
	if item.Quantity == 0 {
		return
	}
	item.UnitUSD, item.Source = p.USD, p.Source
	item.MonthlyUSD = cents(item.Quantity * p.USD)
	c.cost.Items = append(c.cost.Items, item)
}

func (c *coster) unpriced(item, urn, reason string) {
	c.cost.Unpriced = append(c.cost.Unpriced, Unpriced{Item: item, Resource: urn, Reason: reason})
}

// cluster prices the control plane by its version's support status on the date, from the EKS
// calendar (awsspec.EKSVersions).
func (c *coster) cluster(res harness.Resource, asOf string) {
	version := res.String("version")
	status, window := awsspec.EKSSupportOn(version, asOf)
	item := LineItem{Item: fmt.Sprintf("EKS control plane (Kubernetes %s)", version), Resource: res.URN, Quantity: c.table.HoursPerMonth, Unit: "hour"}
	switch status {
	case awsspec.SupportStandard:
		item.Note = "standard support until " + window.StandardUntil
		c.add(item, c.prices.EKSClusterHour)
	case awsspec.SupportExtended:
		item.Note = fmt.Sprintf("extended support: standard support ended %s", window.StandardUntil)
		c.add(item, c.prices.EKSExtendedSupportHour)
	case awsspec.SupportEnded:
		c.unpriced(item.Item, res.URN, fmt.Sprintf("version %s left extended support on %s; EKS upgrades such clusters", version, window.ExtendedUntil))
	default:
		c.unpriced(item.Item, res.URN, fmt.Sprintf("version %s is not in the EKS version calendar (awsspec.EKSVersions)", version))
	}
}

func (c *coster) nodeGroup(r *harness.Record, ng harness.Resource) {
	types := ng.Strings("instanceTypes")
	desired, _ := ng.Number("scalingConfig.desiredSize")
	maxSize, _ := ng.Number("scalingConfig.maxSize")
	if len(types) == 0 {
		c.unpriced("node group instances", ng.URN, "no instance type")
		return
	}
	// EKS may launch any of the types: price the dearest, an upper bound.
	var p Price
	priced := ""
	for _, t := range types {
		tp, ok := c.prices.InstanceHour[t]
		if !ok {
			c.unpriced(fmt.Sprintf("node group instances (%s)", t), ng.URN, fmt.Sprintf("data/prices.json has no price for %s in %s", t, c.cost.Region))
			return
		}
		if priced == "" || tp.USD > p.USD {
			p, priced = tp, t
		}
	}
	h := c.table.HoursPerMonth
	note := fmt.Sprintf("desired %v of max %v; priced as %s", desired, maxSize, priced)
	if len(types) > 1 {
		note += fmt.Sprintf(", the dearest of %s", strings.Join(types, ", "))
	}
	if ng.String("capacityType") == "SPOT" {
		d := c.cost.Usage.SpotDiscountPercent
		p.USD = math.Round(p.USD*(100-d)*1e4) / 1e6
		note += fmt.Sprintf("; SPOT at on-demand less %v%%, an assumption (--spot-discount)", d)
	}
	c.add(LineItem{Item: "EKS nodes", Resource: ng.URN, Quantity: desired * h, Unit: "instance-hour", Note: note}, p)
	c.extra += cents((maxSize - desired) * h * p.USD)
	disk := 0.0
	if lt, err := r.InputSource(ng, "launchTemplate"); err == nil {
		for _, d := range lt.Objects("blockDeviceMappings") {
			size, _ := d.Number("ebs.volumeSize")
			disk += size
		}
	} else if size, ok := ng.Number("diskSize"); ok {
		disk = size
	}
	c.add(LineItem{Item: "EKS node root volumes (gp3)", Resource: ng.URN, Quantity: desired * disk, Unit: "GB-month"}, c.prices.EBSGp3GBMonth)
	c.extra += cents((maxSize - desired) * disk * c.prices.EBSGp3GBMonth.USD)
}

func (c *coster) instance(r *harness.Record, inst harness.Resource) {
	typ := inst.String("instanceType")
	p, ok := c.prices.InstanceHour[typ]
	note := typ
	if isNATInstance(r, inst) {
		note += "; NAT instance: no per-GB processing fee (data out to the internet, charged in every mode, is not estimated)"
	}
	if !ok {
		c.unpriced(fmt.Sprintf("instance %s (%s)", inst.Name, typ), inst.URN, fmt.Sprintf("data/prices.json has no price for %s in %s", typ, c.cost.Region))
	} else {
		c.add(LineItem{Item: fmt.Sprintf("EC2 instance %s", inst.Name), Resource: inst.URN, Quantity: c.table.HoursPerMonth, Unit: "instance-hour", Note: note}, p)
	}
	size, ok := inst.Number("rootBlockDevice.volumeSize")
	if !ok {
		size = 8
	}
	c.add(LineItem{Item: fmt.Sprintf("EBS root volume of %s (gp3)", inst.Name), Resource: inst.URN, Quantity: size, Unit: "GB-month"}, c.prices.EBSGp3GBMonth)
}

func (c *coster) messaging(r *harness.Record, events float64) {
	note := "assumed (--events)"
	c.add(LineItem{Item: "EventBridge custom events", Quantity: events / 1e6, Unit: "million events", Note: note}, c.prices.EventBridgeMillionEvents)
	if len(r.ByType("aws:sns/topic:Topic")) > 0 {
		c.add(LineItem{Item: "SNS publishes", Quantity: events / 1e6, Unit: "million publishes", Note: note}, c.prices.SNSMillionPublishes)
	}
	emails := 0
	for _, s := range r.ByType("aws:sns/topicSubscription:TopicSubscription") {
		if s.String("protocol") == "email" {
			emails++
		}
	}
	deliveries := events * float64(emails)
	c.add(LineItem{Item: "SNS email deliveries", Quantity: deliveries / 1e5, Unit: "100k emails",
		Note: fmt.Sprintf("%s events a month, each emailed to %d subscribed %s: %s emails, priced per 100,000; assumed (--events)",
			number(events), emails, plural(emails, "address", "addresses"), number(deliveries))}, c.prices.SNSEmailPer100k)
}

// isNATInstance says whether a route sends traffic to one of the instance's network interfaces.
func isNATInstance(r *harness.Record, inst harness.Resource) bool {
	enis := inst.PropertyDependencies["networkInterfaces"]
	return slices.ContainsFunc(r.ByType("aws:ec2/route:Route"), func(route harness.Resource) bool {
		target, err := r.InputSource(route, "networkInterfaceId")
		return err == nil && slices.Contains(enis, target.URN)
	})
}

func cents(usd float64) float64 { return math.Round(usd*100) / 100 }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
