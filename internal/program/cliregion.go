package program

import (
	"context"
	"os"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
)

// The environment variables the AWS CLI v2 reads its region from, in its order, before the
// profile's `region` (AWS CLI User Guide, "Configuration settings and precedence").
var cliRegionVariables = []string{"AWS_REGION", "AWS_DEFAULT_REGION"}

// CLIRegion is the region the AWS CLI finds in this process's environment, which the Pulumi CLI
// passes on to the provider plugins: the first of AWS_REGION and AWS_DEFAULT_REGION, else the
// region of the profile `aws eks get-token` runs with (aws:profile, which pulumi-eks puts in its
// kubeconfig as AWS_PROFILE; else AWS_PROFILE; else "default") in AWS_CONFIG_FILE or
// ~/.aws/config. Empty when there is none.
func CLIRegion(lookup func(string) (string, bool), profileRegion func(profile string) string, awsProfile string) string {
	for _, name := range cliRegionVariables {
		if v, ok := lookup(name); ok && v != "" {
			return v
		}
	}
	profile := awsProfile
	if profile == "" {
		profile, _ = lookup("AWS_PROFILE")
	}
	if profile == "" {
		profile = "default"
	}
	return profileRegion(profile)
}

// SharedConfigRegion is a profile's region in the AWS shared config file, read with the AWS SDK
// for Go's own loader; "" when the file, the profile or its region is missing.
func SharedConfigRegion(profile string) string {
	files := awsconfig.DefaultSharedConfigFiles
	if path := os.Getenv("AWS_CONFIG_FILE"); path != "" {
		files = []string{path}
	}
	shared, err := awsconfig.LoadSharedConfigProfile(context.Background(), profile, func(o *awsconfig.LoadSharedConfigOptions) {
		o.ConfigFiles = files
		o.CredentialsFiles = []string{} // a region lives in the config file only
	})
	if err != nil {
		return ""
	}
	return shared.Region
}
