package vpc

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AvailableZones returns the region's available AZ names, sorted, leaving out Local Zones and
// Wavelength Zones (they need an opt-in and lack services EKS uses). The result decides how many
// resources exist, so it is a plain value looked up before anything is registered.
func AvailableZones(ctx *pulumi.Context, opts ...pulumi.InvokeOption) ([]string, error) {
	res, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{
		State: pulumi.StringRef("available"),
		Filters: []aws.GetAvailabilityZonesFilter{{
			Name:   "opt-in-status",
			Values: []string{"opt-in-not-required"},
		}},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("looking up availability zones: %w", err)
	}
	names := slices.Clone(res.Names)
	slices.Sort(names)
	return names, nil
}
