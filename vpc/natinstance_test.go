package vpc_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mission-link/infra/internal/harness"
	"github.com/mission-link/infra/internal/harness/harnesstest"
	"github.com/mission-link/infra/internal/iampolicy"
	"github.com/mission-link/infra/vpc/vpcargs"
)

const (
	typeENI      = "aws:ec2/networkInterface:NetworkInterface"
	typeEndpoint = "aws:ec2/vpcEndpoint:VpcEndpoint"
)

func TestNatInstance(t *testing.T) {
	r := mustRun(t, vpcargs.NetworkArgs{CidrBlock: "10.20.0.0/16", AvailabilityZoneCount: 3, NatGateways: vpcargs.NatInstance})
	if n := len(r.ByType(typeNat)); n != 0 {
		t.Errorf("%d NAT gateways in the instance mode", n)
	}
	inst, ok := r.Get(typeInstance, "net-nat-instance")
	if !ok {
		t.Fatal("no NAT instance")
	}
	enis := r.ByType(typeENI)
	if len(enis) != 1 {
		t.Fatalf("%d network interfaces, want the NAT instance's", len(enis))
	}
	eni := enis[0]

	// The interface: in the first AZ's public subnet, forwarding allowed.
	if subnet := harnesstest.Source(t, r, eni, "subnetId"); subnet.Name != "net-public-ap-northeast-2a" {
		t.Errorf("NAT interface in %s, want the first public subnet", subnet.Name)
	}
	if check, set := eni.Bool("sourceDestCheck"); !set || check {
		t.Error("source/destination check is not turned off on the NAT interface: it would drop forwarded packets")
	}

	// The instance takes that interface as its primary one and nothing else of its own.
	attached := inst.Objects("networkInterfaces")
	if len(attached) != 1 {
		t.Fatalf("NAT instance has %d network interfaces", len(attached))
	}
	if idx, _ := attached[0].Number("deviceIndex"); idx != 0 || !slices.Contains(inst.PropertyDependencies["networkInterfaces"], eni.URN) {
		t.Errorf("NAT interface attached at device index %v (deps %v), want it primary (0)", idx, inst.PropertyDependencies["networkInterfaces"])
	}
	if del, _ := attached[0].Bool("deleteOnTermination"); del {
		t.Error("the NAT interface is deleted with its instance: routes would be stranded")
	}
	for _, key := range []string{"subnetId", "vpcSecurityGroupIds", "associatePublicIpAddress", "keyName"} {
		if _, set := inst.Value(key); set {
			t.Errorf("NAT instance sets %s: the interface carries the network settings, and there is no key pair", key)
		}
	}
	if !inst.Options.DeleteBeforeReplace {
		t.Error("NAT instance is not delete-before-replace: a replacement could not take the interface while the old one holds it")
	}
	if inst.String("instanceType") != "t4g.nano" || inst.String("metadataOptions.httpTokens") != "required" {
		t.Errorf("NAT instance %s, IMDS tokens %q", inst.String("instanceType"), inst.String("metadataOptions.httpTokens"))
	}
	if enc, _ := inst.Bool("rootBlockDevice.encrypted"); !enc {
		t.Error("NAT instance root volume is not encrypted")
	}
	if inst.String("maintenanceOptions.autoRecovery") != "default" {
		t.Error("NAT instance does not keep EC2's automatic recovery")
	}
	if !slices.ContainsFunc(r.Invokes, func(i harness.Invoke) bool {
		return i.Token == "aws:ssm/getParameter:getParameter" &&
			i.Args["name"].StringValue() == "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
	}) || !slices.Equal(inst.Options.IgnoreChanges, []string{"ami"}) {
		t.Error("NAT instance AMI is not the latest Amazon Linux 2023 arm64, fixed after creation")
	}
	profile := harnesstest.Source(t, r, inst, "iamInstanceProfile")
	role := harnesstest.Source(t, r, profile, "role")
	for _, a := range r.ByType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		if harnesstest.Source(t, r, a, "role").URN == role.URN && a.String("policyArn") != "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" {
			t.Errorf("NAT instance role holds %s", a.String("policyArn"))
		}
	}

	// The elastic IP is on the interface, not the instance, and exists before the instance boots.
	eip, ok := r.Get(typeEip, "net-nat-instance")
	if !ok || harnesstest.Source(t, r, eip, "networkInterface").URN != eni.URN {
		t.Fatal("the NAT interface has no elastic IP of its own")
	}
	if !inst.DependsOn(eip.URN) {
		t.Error("NAT instance does not wait for its elastic IP: its first boot would have no internet")
	}

	// Every private table routes to the interface, so a replaced instance strands nothing.
	routes := 0
	for _, route := range r.ByType(typeRoute) {
		if harnesstest.Source(t, r, route, "routeTableId").Name == "net-public" {
			continue
		}
		routes++
		if target := harnesstest.Source(t, r, route, "networkInterfaceId"); target.URN != eni.URN {
			t.Errorf("%s routes to %s, want the NAT interface", route.Name, target.Name)
		}
		if _, set := route.Value("instanceId"); set {
			t.Errorf("%s targets the instance: a replacement would strand it", route.Name)
		}
	}
	if routes != 3 {
		t.Errorf("%d private default routes, want 3", routes)
	}
}

func TestNatInstanceSecurityGroup(t *testing.T) {
	r := mustRun(t, vpcargs.NetworkArgs{CidrBlock: "10.20.0.0/16", NatGateways: vpcargs.NatInstance})
	eni := r.ByType(typeENI)[0]
	sg := harnesstest.Source(t, r, eni, "securityGroups")
	ingress, egress := sg.Objects("ingress"), sg.Objects("egress")
	if len(ingress) != 1 || !slices.Equal(ingress[0].Strings("cidrBlocks"), []string{"10.20.0.0/16"}) || ingress[0].String("protocol") != "-1" {
		t.Errorf("NAT ingress %v, want all protocols from the VPC's CIDR only", ingress)
	}
	for _, rule := range ingress {
		if len(rule.Strings("ipv6CidrBlocks")) > 0 || len(rule.Strings("securityGroups")) > 0 {
			t.Errorf("NAT ingress admits more than the VPC: %v", rule.Inputs)
		}
	}
	if len(egress) != 1 || !slices.Equal(egress[0].Strings("cidrBlocks"), []string{"0.0.0.0/0"}) || egress[0].String("protocol") != "-1" {
		t.Errorf("NAT egress %v, want anything anywhere", egress)
	}
}

// TestNatInstanceUserData: EC2 gets the committed script byte for byte, a script bash parses,
// that forwards and masquerades the VPC's traffic, again on every boot.
func TestNatInstanceUserData(t *testing.T) {
	r := mustRun(t, vpcargs.NetworkArgs{NatGateways: vpcargs.NatInstance})
	inst, _ := r.Get(typeInstance, "net-nat-instance")
	script, err := os.ReadFile("natinstance.sh")
	if err != nil {
		t.Fatal(err)
	}
	if inst.String("userData") != string(script) {
		t.Fatal("the NAT instance's user data is not vpc/natinstance.sh")
	}
	if replace, _ := inst.Bool("userDataReplaceOnChange"); !replace {
		t.Error("a changed script would not reach the instance: cloud-init runs user data at first boot only")
	}
	// The boot service's script is a quoted heredoc inside the user data: check it on its own too.
	_, rest, ok := strings.Cut(string(script), "<<'SETUP'\n")
	setup, _, closed := strings.Cut(rest, "\nSETUP\n")
	if !ok || !closed {
		t.Fatal("natinstance.sh has no SETUP heredoc")
	}
	setupFile := filepath.Join(t.TempDir(), "mission-link-nat")
	if err := os.WriteFile(setupFile, []byte(setup+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"natinstance.sh", setupFile} {
		if out, err := exec.Command("bash", "-n", file).CombinedOutput(); err != nil {
			t.Fatalf("bash cannot parse %s: %v\n%s", file, err, out)
		}
		// CI installs shellcheck (.ci/run); a machine without it still gets the parse check.
		if _, err := exec.LookPath("shellcheck"); err != nil {
			t.Log("shellcheck is not on PATH: the scripts were only parsed")
			continue
		}
		if out, err := exec.Command("shellcheck", file).CombinedOutput(); err != nil {
			t.Errorf("shellcheck %s: %v\n%s", file, err, out)
		}
	}
	text := string(script)
	for _, want := range []string{
		"set -euo pipefail",
		"X-aws-ec2-metadata-token",  // IMDSv2, as the instance requires
		"vpc-ipv4-cidr-blocks",      // the VPC's ranges, not a guess
		"net.ipv4.ip_forward=1",     // forwarding
		"send_redirects=0",          // one interface in and out
		"type nat hook postrouting", // masquerading
		`ip saddr { ${vpc} }`,       // only the VPC's traffic
		"masquerade",                //
		"policy drop",               // and nothing else forwarded
		"systemctl enable --now mission-link-nat.service", // again after every boot
		"WantedBy=multi-user.target",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("natinstance.sh lacks %q", want)
		}
	}
	for _, banned := range []string{"curl -s http", "| sh", "| bash", "iptables -P FORWARD ACCEPT"} {
		if strings.Contains(text, banned) {
			t.Errorf("natinstance.sh contains %q", banned)
		}
	}
}

func TestS3GatewayEndpointInEveryMode(t *testing.T) {
	for _, mode := range []vpcargs.NatMode{vpcargs.NatSingle, vpcargs.NatPerAz, vpcargs.NatInstance, vpcargs.NatNone} {
		t.Run(string(mode), func(t *testing.T) {
			r := mustRun(t, vpcargs.NetworkArgs{AvailabilityZoneCount: 3, NatGateways: mode})
			endpoints := r.ByType(typeEndpoint)
			if len(endpoints) != 1 {
				t.Fatalf("%d VPC endpoints, want the S3 gateway endpoint", len(endpoints))
			}
			ep := endpoints[0]
			if ep.String("serviceName") != "com.amazonaws.ap-northeast-2.s3" || ep.String("vpcEndpointType") != "Gateway" {
				t.Errorf("endpoint %s (%s), want the S3 gateway", ep.String("serviceName"), ep.String("vpcEndpointType"))
			}
			var tables []string
			for _, a := range r.ByType("aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation") {
				if harnesstest.Source(t, r, a, "vpcEndpointId").URN != ep.URN {
					t.Errorf("%s associates another endpoint", a.Name)
				}
				tables = append(tables, harnesstest.Source(t, r, a, "routeTableId").Name)
			}
			slices.Sort(tables)
			want := []string{"net-private-ap-northeast-2a", "net-private-ap-northeast-2b", "net-private-ap-northeast-2c"}
			if !slices.Equal(tables, want) {
				t.Errorf("S3 endpoint on route tables %v, want exactly the private ones %v", tables, want)
			}
			checkS3EndpointPolicy(t, ep)
		})
	}
}

func checkS3EndpointPolicy(t *testing.T, ep harness.Resource) {
	t.Helper()
	doc, err := iampolicy.Parse(ep.String("policy"))
	if err != nil {
		t.Fatalf("S3 endpoint policy: %v", err)
	}
	// Reads of any bucket's objects: ECR's layer bucket, registry.k8s.io's regional redirect bucket,
	// the AL2023 repositories, and whatever bucket a registry moves to, none of them named.
	read, ok := doc.FindStatement("ReadObjectsOfAnyBucket")
	if !ok || !slices.Equal(read.Action, []string{"s3:GetObject"}) || !slices.Equal(read.Resource, []string{"arn:aws:s3:::*/*"}) || len(read.Condition) != 0 {
		t.Errorf("read statement %+v: s3:GetObject on every bucket's objects, nothing more", read)
	}
	own, ok := doc.FindStatement("BucketsOfThisAccount")
	if !ok || !slices.Equal(own.Condition["StringEquals"]["aws:ResourceAccount"], []string{harness.AccountID}) {
		t.Errorf("own-account statement %+v is not limited to the stack's account", own)
	}
	// Nothing but reads reaches another account's buckets: no write can leave the VPC for them.
	for _, s := range doc.Statement {
		if s.Effect == iampolicy.Allow && len(s.Condition) == 0 && !slices.Equal(s.Action, []string{"s3:GetObject"}) {
			t.Errorf("statement %s allows %v on %v of any account", s.Sid, s.Action, s.Resource)
		}
	}
}

// fakeIMDS answers the metadata paths the setup script reads, as curl would print them.
const fakeIMDS = `#!/bin/bash
case "${@: -1}" in
  */api/token) printf 'token' ;;
  */meta-data/mac) cat "$(dirname "$0")/mac" ;;
  */vpc-ipv4-cidr-blocks) printf '10.20.0.0/16\n10.21.0.0/16' ;;
  *) exit 22 ;;
esac
`

// TestNatSetupScriptInANetworkNamespace runs the boot service's script for real, twice, in a
// fresh network namespace with an interface named as on Nitro (ens5) and a fake metadata
// service, and reads back what the kernel holds. It needs root, unshare, ip and nft, so it is
// skipped where they are missing (TestNatInstanceUserData still checks the text).
func TestNatSetupScriptInANetworkNamespace(t *testing.T) {
	for _, tool := range []string{"unshare", "ip", "nft", "sysctl", "mount"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH", tool)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace")
	}
	script, err := os.ReadFile("natinstance.sh")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(script), "<<'SETUP'\n")
	setup, _, _ := strings.Cut(rest, "\nSETUP\n")
	dir := t.TempDir()
	for name, text := range map[string]string{"setup": setup + "\n", "curl": fakeIMDS} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	namespace := "mount -t sysfs sysfs /sys && ip link add ens5 type veth peer name peer0"
	if out, err := exec.Command("unshare", "-n", "-m", "bash", "-c", namespace).CombinedOutput(); err != nil {
		t.Skipf("no network namespace with a veth pair here: %v %s", err, out)
	}
	run := `set -e
` + namespace + `
tr -d '\n' </sys/class/net/ens5/address >"$DIR/mac"
PATH="$DIR:$PATH" bash "$DIR/setup"
PATH="$DIR:$PATH" bash "$DIR/setup"
sysctl -n net.ipv4.ip_forward net.ipv4.conf.ens5.send_redirects
nft list table ip mission_link_nat`
	cmd := exec.Command("unshare", "-n", "-m", "bash", "-c", run)
	cmd.Env = append(os.Environ(), "DIR="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the setup script failed: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{
		"forwarding 10.20.0.0/16, 10.21.0.0/16 out through ens5",
		"\n1\n0\n", // ip_forward on, redirects off
		"policy drop;",
		`oifname "ens5" ip saddr`,
		"masquerade",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("after the setup script, %q is missing:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "masquerade"); n != 1 {
		t.Errorf("%d masquerade rules after two runs, want 1:\n%s", n, text)
	}
}
