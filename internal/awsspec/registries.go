package awsspec

import (
	"regexp"
	"strings"
)

// LayerPath is the way a registry's image layers reach a node in a private subnet, which decides
// what has to be open for the pull to work.
type LayerPath string

const (
	// LayersFromRegionalS3: the registry answers with the layer as an object of an S3 bucket in
	// the node's own region, so the download goes through the VPC's S3 gateway endpoint, whose
	// policy must allow the read (vpc/endpoints.go allows s3:GetObject on every bucket).
	LayersFromRegionalS3 LayerPath = "S3 in the node's region, through the S3 gateway endpoint"
	// LayersFromInternet: the registry and its layers are on the internet (a CDN, another
	// region's S3), reached through the NAT, which every NAT mode the config accepts has.
	LayersFromInternet LayerPath = "the internet, through the NAT"
)

// Registry is a container registry the stack's nodes pull from.
type Registry struct {
	// Host matches the image's registry host; "*" stands for one DNS label.
	Host string
	// Layers is where the registry serves layers from; Source says how that is known.
	Layers LayerPath
	Source string
}

// Registries are the registries of StackImages.
var Registries = []Registry{
	{Host: "*.dkr.ecr.*.amazonaws.com", Layers: LayersFromRegionalS3,
		Source: "ECR User Guide, \"Minimum Amazon S3 bucket permissions for Amazon ECR\": layers are objects of the region's layer bucket"},
	{Host: "registry.k8s.io", Layers: LayersFromRegionalS3,
		Source: "kubernetes/registry.k8s.io cmd/archeio: clients on AWS addresses are redirected to a bucket of the project's in their own region (its name may change); others to Artifact Registry, through the NAT"},
	{Host: "quay.io", Layers: LayersFromInternet,
		Source: "quay.io serves layers from its CDN"},
	{Host: "ecr-public.aws.com", Layers: LayersFromInternet,
		Source: "Amazon ECR Public (public.ecr.aws) serves layers through CloudFront from us-east-1"},
}

// Image is an image the stack's nodes run, and what runs it.
type Image struct {
	// Repository is the image without its tag; <region> and <account> stand for the stack's.
	Repository string
	// RunBy is what runs it: an EKS addon name, a Helm chart at a version, the app, a command.
	RunBy string
}

// EKSAddonRegistry is the ECR registry of EKS's addon and node images in the commercial regions
// this project knows (Amazon EKS User Guide, "View Amazon container image registries for Amazon
// EKS add-ons": 602401143452 in ap-northeast-2 and us-east-1).
const EKSAddonRegistry = "602401143452.dkr.ecr.<region>.amazonaws.com"

// Images whose repository the program itself sets, and the argo-cd chart version whose default
// images StackImages lists: a test fails when the stack installs another version, until the list
// has been read again from that chart's values.yaml.
const (
	AutoscalerImageRepository  = "registry.k8s.io/autoscaling/cluster-autoscaler"
	VerifyProbeImageRepository = "registry.k8s.io/e2e-test-images/busybox"
	ArgoCDChartImagesVersion   = "10.9.2"
)

// RunBy values of the images an EKS addon or the argo-cd chart runs.
const (
	runByEKSAddon    = "EKS addon "
	runByArgoCDChart = "Helm chart argo-cd " + ArgoCDChartImagesVersion
)

// StackImages are every image the stack and cmd/verify run on the nodes, with what runs them.
var StackImages = []Image{
	{EKSAddonRegistry + "/eks/pause", "the nodes' pod sandbox (AL2023 EKS AMI, containerd's sandbox image)"},
	{EKSAddonRegistry + "/amazon-k8s-cni", runByEKSAddon + "vpc-cni"},
	{EKSAddonRegistry + "/amazon-k8s-cni-init", runByEKSAddon + "vpc-cni"},
	{EKSAddonRegistry + "/amazon/aws-network-policy-agent", runByEKSAddon + "vpc-cni"},
	{EKSAddonRegistry + "/eks/kube-proxy", runByEKSAddon + "kube-proxy"},
	{EKSAddonRegistry + "/eks/coredns", runByEKSAddon + "coredns"},
	{EKSAddonRegistry + "/eks/aws-ebs-csi-driver", runByEKSAddon + "aws-ebs-csi-driver"},
	{EKSAddonRegistry + "/eks/csi-provisioner", runByEKSAddon + "aws-ebs-csi-driver"},
	{EKSAddonRegistry + "/eks/csi-attacher", runByEKSAddon + "aws-ebs-csi-driver"},
	{EKSAddonRegistry + "/eks/csi-resizer", runByEKSAddon + "aws-ebs-csi-driver"},
	{EKSAddonRegistry + "/eks/csi-snapshotter", runByEKSAddon + "aws-ebs-csi-driver"},
	{EKSAddonRegistry + "/eks/csi-node-driver-registrar", runByEKSAddon + "aws-ebs-csi-driver"},
	{EKSAddonRegistry + "/eks/livenessprobe", runByEKSAddon + "aws-ebs-csi-driver"},
	{EKSAddonRegistry + "/eks/metrics-server", runByEKSAddon + "metrics-server"},
	{AutoscalerImageRepository, "Helm chart cluster-autoscaler (the image the stack sets)"},
	// The argo-cd chart's defaults (values.yaml: global.image.repository, redis.image.repository);
	// Dex, Redis HA and the notifications controller are off (gitops/values.go).
	{"quay.io/argoproj/argocd", runByArgoCDChart},
	{"ecr-public.aws.com/docker/library/redis", runByArgoCDChart},
	{"<account>.dkr.ecr.<region>.amazonaws.com/<registry.name>", "the app (deploy/overlays/dev, image set to the stack's ECR repository)"},
	{VerifyProbeImageRepository, "cmd/verify's storage probe"},
}

// RunByEKSAddon says whether an image is one of addon's.
func (i Image) RunByEKSAddon(addon string) bool { return i.RunBy == runByEKSAddon+addon }

// RegistryOf returns the registry an image repository is pulled from, if Registries has it.
func RegistryOf(repository string) (Registry, bool) {
	host, _, _ := strings.Cut(repository, "/")
	host = strings.NewReplacer("<region>", "region", "<account>", "123456789012").Replace(host)
	for i, r := range Registries {
		if registryHosts[i].MatchString(host) {
			return r, true
		}
	}
	return Registry{}, false
}

// registryHosts are Registries' Host patterns as regular expressions, "*" one DNS label.
var registryHosts = func() []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(Registries))
	for i, r := range Registries {
		out[i] = regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(r.Host), `\*`, `[a-z0-9-]+`) + "$")
	}
	return out
}()
