// Package overlay writes the stack's outputs into the app's kustomize overlay: the image
// repository into the `images:` entry and the IRSA role ARN into the service account patch, so
// nothing is copied by hand. It edits the YAML through its node tree (kyaml), which keeps comments,
// key order and layout, and it imports no Pulumi package.
package overlay

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
)

// Stack output keys the overlay needs (see program.Build).
const (
	RepositoryURLKey = "repositoryUrl"
	AppRoleARNKey    = "appRoleArn"
)

// secretPlaceholder is what `pulumi stack output --json` prints for a secret without --show-secrets.
const secretPlaceholder = "[secret]"

var (
	// An ECR repository URL: <account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>.
	repositoryURLPattern = regexp.MustCompile(`^[0-9]{12}\.dkr\.ecr\.[a-z]{2}(?:-[a-z]+)+-[0-9]+\.amazonaws\.com(?:\.cn)?/` +
		`[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$`)
	// An IAM role ARN: arn:<partition>:iam::<account>:role/<optional path/><name>.
	roleARNPattern = regexp.MustCompile(`^arn:aws(?:-cn|-us-gov)?:iam::[0-9]{12}:role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$`)
)

// Outputs are the stack outputs the overlay carries.
type Outputs struct {
	// RepositoryURL is the ECR repository the app's image is pulled from, without a tag.
	RepositoryURL string
	// AppRoleARN is the IAM role the app's service account assumes (IRSA).
	AppRoleARN string
}

// ReadOutputs reads the JSON object `pulumi stack output --json` prints and checks the two
// outputs the overlay needs, reporting every problem at once with the output's key.
func ReadOutputs(r io.Reader) (Outputs, error) {
	var all map[string]json.RawMessage
	dec := json.NewDecoder(r)
	if err := dec.Decode(&all); err != nil {
		return Outputs{}, fmt.Errorf("reading stack outputs: want the JSON object of `pulumi stack output --json`: %w", err)
	}
	if all == nil {
		return Outputs{}, errors.New("reading stack outputs: want the JSON object of `pulumi stack output --json`, got null")
	}
	var out Outputs
	var errs []error
	read := func(key string, pattern *regexp.Regexp, what string, dst *string) {
		raw, ok := all[key]
		if !ok {
			errs = append(errs, fmt.Errorf("output %s is missing: is the stack deployed (`pulumi up`), and is this the output of `pulumi stack output --json`?", key))
			return
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			errs = append(errs, fmt.Errorf("output %s (%s) must be a string", key, raw))
			return
		}
		switch {
		case v == secretPlaceholder:
			errs = append(errs, fmt.Errorf("output %s is hidden as %s: it is not expected to be secret; check the stack", key, secretPlaceholder))
		case !pattern.MatchString(v):
			errs = append(errs, fmt.Errorf("output %s (%q) is not %s", key, v, what))
		default:
			*dst = v
		}
	}
	read(RepositoryURLKey, repositoryURLPattern, "an ECR repository URL such as 123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/mission-link-dev", &out.RepositoryURL)
	read(AppRoleARNKey, roleARNPattern, "an IAM role ARN such as arn:aws:iam::123456789012:role/mission-link-dev-app", &out.AppRoleARN)
	if err := errors.Join(errs...); err != nil {
		return Outputs{}, fmt.Errorf("reading stack outputs:\n%w", err)
	}
	return out, nil
}
