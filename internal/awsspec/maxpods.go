package awsspec

// Pod limits of the VPC CNI on EKS. Without prefix delegation every pod takes one secondary IPv4
// address of an ENI: max pods = ENIs x (IPv4 per ENI - 1) + 2 (the primary address of each ENI is
// the node's, and two host-network pods, aws-node and kube-proxy, take none). With prefix
// delegation every slot holds a /28 prefix (16 addresses), and EKS caps the result at 110 for
// instances below 30 vCPUs, else at 250. Source: amazon-eks-ami
// templates/shared/runtime/eni-max-pods.txt and the EKS user guide, "Assign more IP addresses to
// Amazon EKS nodes with prefixes" (https://docs.aws.amazon.com/eks/latest/userguide/cni-increase-ip-addresses.html).
const (
	// AddressesPerPrefix is the size of a delegated prefix, a /28.
	AddressesPerPrefix = 16
	// MaxPodsSmall is EKS's cap with prefix delegation below 30 vCPUs.
	MaxPodsSmall = 110
	// MaxPodsLarge is EKS's cap with prefix delegation from 30 vCPUs.
	MaxPodsLarge     = 250
	vcpusForLargeCap = 30
)

// InstanceShape is what decides the pods a node runs: its ENIs, the IPv4 addresses each ENI
// holds, and its vCPUs.
type InstanceShape struct {
	ENIs       int `json:"enis"`
	IPv4PerENI int `json:"ipv4PerEni"`
	VCPUs      int `json:"vcpus"`
}

// MaxPods is how many pods EKS lets a node of this shape run.
func MaxPods(shape InstanceShape, prefixDelegation bool) int {
	slots := shape.ENIs * (shape.IPv4PerENI - 1)
	if !prefixDelegation {
		return slots + 2
	}
	limit := MaxPodsSmall
	if shape.VCPUs >= vcpusForLargeCap {
		limit = MaxPodsLarge
	}
	return min(slots*AddressesPerPrefix+2, limit)
}

// AWS reserves the first four addresses and the last one of every subnet
// (https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html).
const (
	reservedLowAddresses  = 4
	reservedHighAddresses = 1
	delegatedPrefixLength = 28
)

// FreePrefixes is how many aligned /28 blocks of a subnet of this prefix length the VPC CNI can
// delegate with prefix delegation: all of them but the first, which holds the four reserved low
// addresses, and the last, which holds the reserved broadcast. A /27 or /28 subnet has none.
func FreePrefixes(prefixLength int) int {
	if prefixLength >= delegatedPrefixLength {
		return 0
	}
	return max(0, 1<<(delegatedPrefixLength-prefixLength)-2)
}

// SubnetPodAddresses counts the addresses pods can get in subnets of these prefix lengths, when
// enis ENIs of the nodes each hold one primary address. With prefix delegation the VPC CNI
// assigns whole, aligned /28 blocks (FreePrefixes), and each ENI's primary address spoils at most
// one more (counted as spoiling one each: the worst case); without it, every address but the
// reserved ones and the ENIs' own.
func SubnetPodAddresses(prefixLengths []int, enis int, prefixDelegation bool) int {
	total := 0
	for _, bits := range prefixLengths {
		if prefixDelegation {
			total += FreePrefixes(bits) * AddressesPerPrefix
			continue
		}
		total += 1<<(32-bits) - reservedLowAddresses - reservedHighAddresses
	}
	spoiled := enis
	if prefixDelegation {
		spoiled *= AddressesPerPrefix
	}
	return max(0, total-spoiled)
}
