package podbudget

import (
	"strings"
	"testing"

	"github.com/mission-link/infra/eks/eksargs"
	"github.com/mission-link/infra/internal/awsspec"
)

var everything = Workloads{Addons: eksargs.Addons, Autoscaler: true, ArgoCD: true, AppMaxPods: DefaultAppMaxPods}

func TestDemandCountsEveryWorkload(t *testing.T) {
	d := everything.Demand(2)
	total := 0
	for _, x := range d {
		total += x.Total
	}
	// Three DaemonSets on each of two nodes; EBS CSI controller 2, CoreDNS 2, metrics-server 2,
	// the autoscaler 1, ArgoCD 5 and the app 3.
	if total != 3*2+2+2+2+1+5+3 || len(d) != 9 {
		t.Errorf("demand %+v: %d pods", d, total)
	}
	none := Workloads{AppMaxPods: 4}.Demand(5)
	if len(none) != 1 || none[0] != (Demand{Source: "the app (HPA maximum)", Replicas: 4, Total: 4}) {
		t.Errorf("no addons, no autoscaler, no ArgoCD: %+v", none)
	}
}

func TestWeigh(t *testing.T) {
	shapes := awsspec.InstanceShapes()
	g := NodeGroup{InstanceTypes: []string{"t3.medium"}, MaxNodes: 2, PrefixDelegation: true, SubnetPrefixLengths: []int{20, 20}}
	f, err := Weigh(g, everything, shapes)
	if err != nil {
		t.Fatal(err)
	}
	// Two /20s hold 254 free /28 blocks each; six interfaces spoil six of them.
	if !f.Fits() || f.MaxPodsPerNode != 110 || f.NodePods != 220 || f.ENIs != 6 || f.SubnetPods != (2*254-6)*16 || f.Pods != 220 || f.Needed != 21 {
		t.Errorf("%+v", f)
	}
	// The type with the fewest pods decides the pods, the one with the most ENIs the addresses.
	g.InstanceTypes = []string{"t3.xlarge", "t3.micro"}
	if f, _ := Weigh(g, everything, shapes); f.InstanceType != "t3.micro" || f.MaxPodsPerNode != 34 || f.ENIs != 8 {
		t.Errorf("mixed types: %+v", f)
	}
	g.SubnetPrefixLengths = nil
	if f, _ := Weigh(g, everything, shapes); f.SubnetPods != -1 || f.Pods != 68 || f.SubnetBound() {
		t.Errorf("subnets unknown: %+v", f)
	}
	g.InstanceTypes = []string{"t3.medium", "m7i.large"}
	if _, err := Weigh(g, everything, shapes); err == nil || !strings.Contains(err.Error(), `"m7i.large"`) {
		t.Errorf("a type without ENI data: %v", err)
	}
	if _, err := Weigh(NodeGroup{MaxNodes: 1}, everything, shapes); err == nil {
		t.Error("no instance type weighed")
	}
}

func TestRemedies(t *testing.T) {
	shapes := awsspec.InstanceShapes()
	// Two /26s: two free blocks each, all four taken by two t3.medium nodes' six interfaces.
	g := NodeGroup{InstanceTypes: []string{"t3.medium"}, MaxNodes: 2, PrefixDelegation: true, SubnetPrefixLengths: []int{26, 26}}
	f, _ := Weigh(g, everything, shapes)
	if f.Fits() || !f.SubnetBound() || f.NodeBound() {
		t.Fatalf("%+v", f)
	}
	if r := f.Remedies(everything, shapes, 17, 100); r != (Remedy{SubnetPrefixLength: 25, SubnetPods: (2*6 - 6) * 16}) {
		t.Errorf("/26: %+v", r)
	}
	if r := f.Remedies(everything, shapes, 26, 100); r != (Remedy{}) {
		t.Errorf("no shorter prefix allowed: %+v", r)
	}
	// Without prefix delegation a t3.medium runs 17 pods.
	g = NodeGroup{InstanceTypes: []string{"t3.medium"}, MaxNodes: 1, SubnetPrefixLengths: []int{20, 20}}
	many := everything
	many.AppMaxPods = 40
	f, _ = Weigh(g, many, shapes)
	if f.Fits() || !f.NodeBound() || f.SubnetBound() {
		t.Fatalf("%+v", f)
	}
	// n nodes hold 17n pods and the stack runs 3n + 52: four nodes (68 >= 64), not three (51 < 61).
	if r := f.Remedies(many, shapes, 17, 100); r != (Remedy{MaxNodes: 4}) {
		t.Errorf("one node of 17 pods: %+v", r)
	}
	if r := f.Remedies(many, shapes, 17, 3); r != (Remedy{}) {
		t.Errorf("at most three nodes: %+v", r)
	}
}
