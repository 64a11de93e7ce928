package awsspec

import "strings"

// InstanceSize is what an instance type offers the scheduler: vCPUs and memory.
type InstanceSize struct {
	VCPUs     int
	MemoryMiB int
}

// sizeClasses are instance families whose sizes have the same vCPUs and memory, and those sizes.
// Source: the EC2 instance type specifications (https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html,
// co.html, mo.html), checked entry by entry against the list the Cluster Autoscaler v1.35.0
// generates from EC2 DescribeInstanceTypes (cluster-autoscaler/cloudprovider/aws/ec2_instance_types.go).
// A family or size missing here is not known to the program (the Graviton .medium sizes, for one,
// have 1 vCPU and differ per class).
var sizeClasses = []struct {
	families []string
	sizes    map[string]InstanceSize
}{
	{ // burstable
		[]string{"t3", "t3a", "t4g"},
		map[string]InstanceSize{"nano": {2, 512}, "micro": {2, 1024}, "small": {2, 2048}, "medium": {2, 4096},
			"large": {2, 8192}, "xlarge": {4, 16384}, "2xlarge": {8, 32768}},
	},
	{ // general purpose
		[]string{"m5", "m5a", "m6i", "m6a", "m7i", "m7a", "m6g", "m7g"},
		map[string]InstanceSize{"large": {2, 8192}, "xlarge": {4, 16384}, "2xlarge": {8, 32768}, "4xlarge": {16, 65536}},
	},
	{ // compute optimized
		[]string{"c5", "c5a", "c6i", "c6a", "c7i", "c6g", "c7g"},
		map[string]InstanceSize{"large": {2, 4096}, "xlarge": {4, 8192}, "2xlarge": {8, 16384}, "4xlarge": {16, 32768}},
	},
	{ // memory optimized
		[]string{"r5", "r5a", "r6i", "r6a", "r7i", "r6g", "r7g"},
		map[string]InstanceSize{"large": {2, 16384}, "xlarge": {4, 32768}, "2xlarge": {8, 65536}, "4xlarge": {16, 131072}},
	},
}

// SizeOf returns the vCPUs and memory of an instance type, and false for a type this table does
// not know.
func SizeOf(instanceType string) (InstanceSize, bool) {
	family, size, ok := strings.Cut(instanceType, ".")
	if !ok {
		return InstanceSize{}, false
	}
	for _, class := range sizeClasses {
		for _, f := range class.families {
			if f == family {
				s, known := class.sizes[size]
				return s, known
			}
		}
	}
	return InstanceSize{}, false
}
