package awsspec

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Partitions.
const (
	PartitionAWS   = "aws"
	PartitionChina = "aws-cn"
	PartitionGov   = "aws-us-gov"
)

// regionPartitions are the regions the program knows and the partition of each (the partition
// is the second field of every ARN there). They are the regions of the partitions "aws",
// "aws-cn" and "aws-us-gov" in aws-sdk-go-v2 v1.39.6's endpoint rules
// (internal/endpoints/awsrulesfn/partitions.json); pulumi-aws v6.83.4 lists the same in its
// Region enum (sdk/go/aws/pulumiEnums.go) but for ap-east-2 and ap-southeast-6, which are newer.
// The isolated partitions (aws-iso*, aws-eusc) are left out: EKS, ECR and GitHub's OIDC
// endpoints there differ, and nothing here was checked against them.
var regionPartitions = map[string]string{
	"af-south-1": PartitionAWS, "ap-east-1": PartitionAWS, "ap-east-2": PartitionAWS,
	"ap-northeast-1": PartitionAWS, "ap-northeast-2": PartitionAWS, "ap-northeast-3": PartitionAWS,
	"ap-south-1": PartitionAWS, "ap-south-2": PartitionAWS,
	"ap-southeast-1": PartitionAWS, "ap-southeast-2": PartitionAWS, "ap-southeast-3": PartitionAWS,
	"ap-southeast-4": PartitionAWS, "ap-southeast-5": PartitionAWS, "ap-southeast-6": PartitionAWS,
	"ap-southeast-7": PartitionAWS,
	"ca-central-1":   PartitionAWS, "ca-west-1": PartitionAWS,
	"eu-central-1": PartitionAWS, "eu-central-2": PartitionAWS, "eu-north-1": PartitionAWS,
	"eu-south-1": PartitionAWS, "eu-south-2": PartitionAWS,
	"eu-west-1": PartitionAWS, "eu-west-2": PartitionAWS, "eu-west-3": PartitionAWS,
	"il-central-1": PartitionAWS, "me-central-1": PartitionAWS, "me-south-1": PartitionAWS,
	"mx-central-1": PartitionAWS, "sa-east-1": PartitionAWS,
	"us-east-1": PartitionAWS, "us-east-2": PartitionAWS, "us-west-1": PartitionAWS, "us-west-2": PartitionAWS,
	"cn-north-1": PartitionChina, "cn-northwest-1": PartitionChina,
	"us-gov-east-1": PartitionGov, "us-gov-west-1": PartitionGov,
}

// Regions are the region names the program knows, sorted.
func Regions() []string { return slices.Sorted(maps.Keys(regionPartitions)) }

// PartitionOf is the partition of a region the program knows.
func PartitionOf(region string) (string, bool) {
	p, ok := regionPartitions[region]
	return p, ok
}

// CheckRegion reports a region the program does not know, suggesting the nearest one.
func CheckRegion(key, region string) error {
	if _, ok := regionPartitions[region]; ok {
		return nil
	}
	hint := ""
	if near := Nearest(region, Regions()); near != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", near)
	}
	return fmt.Errorf("%s (%q) is not an AWS region the program knows%s: one of %s", key, region, hint, strings.Join(Regions(), ", "))
}

// CheckPartition reports an ARN whose partition is not the region's: IAM and EKS refuse a
// principal from another partition.
func CheckPartition(key, arn, region string) error {
	want, ok := PartitionOf(region)
	if !ok || arn == "" {
		return nil // the region is reported on its own
	}
	parts := strings.SplitN(arn, ":", 3)
	if len(parts) < 3 || parts[0] != "arn" || parts[1] == want {
		return nil
	}
	return fmt.Errorf("%s (%q) is in partition %q, but aws:region %q is in %q: use an ARN of partition %q (arn:%s:...)", key, arn, parts[1], region, want, want, want)
}

// Nearest returns the candidate closest to s by edit distance, if it is close enough to be a
// likely typo (at most a third of its length, and at most 4 edits), else "".
func Nearest(s string, candidates []string) string {
	best, bestDistance := "", 0
	for _, c := range candidates {
		d := editDistance(strings.ToLower(s), strings.ToLower(c))
		if best == "" || d < bestDistance {
			best, bestDistance = c, d
		}
	}
	if best == "" || bestDistance > min(4, max(1, len(best)/3)) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between two strings, by runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
