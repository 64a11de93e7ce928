// Package expected is what cmd/verify expects of a deployed stack: the outputs it reads, and the
// names the program gives what it does not export. It imports only the standard library, so the
// program's tests can check the contract without linking the AWS SDK or client-go.
package expected

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
)

// Stack output keys verify reads (see program.Build, which exports them).
const (
	RegionKey             = "region"
	ClusterNameKey        = "clusterName"
	ClusterVersionKey     = "clusterVersion"
	ClusterLogTypesKey    = "clusterLogTypes"
	NodeGroupNameKey      = "nodeGroupName"
	StorageClassNameKey   = "storageClassName"
	EventBusNameKey       = "eventBusName"
	EventBusARNKey        = "eventBusArn"
	EventRuleARNKey       = "eventRuleArn"
	EventSourceKey        = "appEventSource"
	TopicARNKey           = "topicArn"
	DeadLetterQueueURLKey = "deadLetterQueueUrl"
	DeadLetterQueueARNKey = "deadLetterQueueArn"
	NotificationEmailsKey = "notificationEmails"
	DatabaseSecretARNKey  = "databaseSecretArn"
	AppRoleARNKey         = "appRoleArn"
	AppNamespaceKey       = "appNamespace"
	AppServiceAccountKey  = "appServiceAccount"
	RepositoryURLKey      = "repositoryUrl"
	// Present only when the stack has a bastion (network.bastion.enabled).
	BastionInstanceIDKey     = "bastionInstanceId"
	BastionSessionCommandKey = "bastionSessionCommand"
	// Present only when gitops.enabled.
	ArgoCDNamespaceKey   = "argocdNamespace"
	ArgoCDApplicationKey = "argocdApplication"
)

// secretPlaceholder is what `pulumi stack output --json` prints for a secret without --show-secrets.
const secretPlaceholder = "[secret]"

// Outputs are the stack outputs the checks need.
type Outputs struct {
	Region             string
	ClusterName        string
	ClusterVersion     string
	ClusterLogTypes    []string
	NodeGroupName      string
	StorageClassName   string
	EventBusName       string
	EventBusARN        string
	EventRuleARN       string
	EventSource        string
	TopicARN           string
	DeadLetterQueueURL string
	DeadLetterQueueARN string
	NotificationEmails []string
	DatabaseSecretARN  string
	AppRoleARN         string
	// AppNamespace and AppServiceAccount are the app's ServiceAccount, which the role trusts.
	AppNamespace      string
	AppServiceAccount string
	RepositoryURL     string
	// BastionInstanceID and BastionSessionCommand are empty when the stack has no bastion.
	BastionInstanceID     string
	BastionSessionCommand string
	// ArgoCDNamespace and ArgoCDApplication are empty when gitops is off.
	ArgoCDNamespace   string
	ArgoCDApplication string
}

// RepositoryName is the ECR repository's name: the URL's path after the registry host.
func (o Outputs) RepositoryName() string {
	_, name, _ := strings.Cut(o.RepositoryURL, "/")
	return name
}

// EventRuleName is the rule's name, the last part of its ARN
// (arn:<partition>:events:<region>:<account>:rule/<bus>/<rule> on a custom bus).
func (o Outputs) EventRuleName() string {
	return o.EventRuleARN[strings.LastIndex(o.EventRuleARN, "/")+1:]
}

var (
	arnPattern       = regexp.MustCompile(`^arn:aws(?:-cn|-us-gov)?:[a-z0-9-]+:[a-z0-9-]*:[0-9]{0,12}:.+$`)
	rulePattern      = regexp.MustCompile(`^arn:aws(?:-cn|-us-gov)?:events:[a-z0-9-]+:[0-9]{12}:rule/(?:[^/]+/)?[^/]+$`)
	repositoryURLRE  = regexp.MustCompile(`^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/[a-z0-9._/-]+$`)
	regionPattern    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	instanceIDRE     = regexp.MustCompile(`^(i|mi)-[0-9a-f]{8,17}$`)
	clusterVersionRE = regexp.MustCompile(`^1\.[0-9]{2}$`)
)

// ReadOutputs reads the JSON object `pulumi stack output --json` prints.
func ReadOutputs(r io.Reader) (Outputs, error) {
	var all map[string]any
	if err := json.NewDecoder(r).Decode(&all); err != nil {
		return Outputs{}, fmt.Errorf("reading stack outputs: want the JSON object of `pulumi stack output --json`: %w", err)
	}
	if all == nil {
		return Outputs{}, errors.New("reading stack outputs: want the JSON object of `pulumi stack output --json`, got null")
	}
	return ParseOutputs(all)
}

// outputReader collects every problem with the outputs, each led by its key.
type outputReader struct {
	all  map[string]any
	errs []error
}

func (r *outputReader) problem(key, format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf("output %s "+format, append([]any{key}, args...)...))
}

// str reads a string output; optional ones may be absent.
func (r *outputReader) str(key string, optional bool, valid func(string) bool, what string) string {
	raw, ok := r.all[key]
	if !ok {
		if !optional {
			r.problem(key, "is missing: is the stack deployed with this version of the program (`pulumi up`)?")
		}
		return ""
	}
	v, ok := raw.(string)
	switch {
	case !ok:
		r.problem(key, "(%v) must be a string", raw)
	case v == secretPlaceholder:
		r.problem(key, "is hidden as %s: write the file with `pulumi stack output --json --show-secrets`", secretPlaceholder)
	case valid != nil && !valid(v):
		r.problem(key, "(%q) is not %s", v, what)
	default:
		return v
	}
	return ""
}

// strs reads a list of strings.
func (r *outputReader) strs(key string) []string {
	raw, ok := r.all[key]
	if !ok {
		r.problem(key, "is missing: is the stack deployed with this version of the program (`pulumi up`)?")
		return nil
	}
	list, ok := raw.([]any)
	if !ok {
		r.problem(key, "(%v) must be a list of strings", raw)
		return nil
	}
	out := make([]string, 0, len(list))
	for i, item := range list {
		s, ok := item.(string)
		if !ok {
			r.problem(fmt.Sprintf("%s[%d]", key, i), "(%v) must be a string", item)
			continue
		}
		out = append(out, s)
	}
	return out
}

func isURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && u.Scheme == "https" && u.Host != ""
}

func nonEmpty(v string) bool { return v != "" }

// ParseOutputs checks the outputs verify needs and reports every problem at once.
func ParseOutputs(all map[string]any) (Outputs, error) {
	r := &outputReader{all: all}
	arn := func(v string) bool { return arnPattern.MatchString(v) }
	o := Outputs{
		Region:             r.str(RegionKey, false, regionPattern.MatchString, "an AWS region such as ap-northeast-2"),
		ClusterName:        r.str(ClusterNameKey, false, nonEmpty, "a cluster name"),
		ClusterVersion:     r.str(ClusterVersionKey, false, clusterVersionRE.MatchString, "a Kubernetes minor version such as 1.35"),
		ClusterLogTypes:    r.strs(ClusterLogTypesKey),
		NodeGroupName:      r.str(NodeGroupNameKey, false, nonEmpty, "a node group name"),
		StorageClassName:   r.str(StorageClassNameKey, false, nonEmpty, "a StorageClass name"),
		EventBusName:       r.str(EventBusNameKey, false, nonEmpty, "an event bus name"),
		EventBusARN:        r.str(EventBusARNKey, false, arn, "an ARN"),
		EventRuleARN:       r.str(EventRuleARNKey, false, rulePattern.MatchString, "a rule ARN (arn:aws:events:<region>:<account>:rule/<bus>/<rule>)"),
		EventSource:        r.str(EventSourceKey, false, nonEmpty, "an event source"),
		TopicARN:           r.str(TopicARNKey, false, arn, "an ARN"),
		DeadLetterQueueURL: r.str(DeadLetterQueueURLKey, false, isURL, "an https:// queue URL"),
		DeadLetterQueueARN: r.str(DeadLetterQueueARNKey, false, arn, "an ARN"),
		NotificationEmails: r.strs(NotificationEmailsKey),
		DatabaseSecretARN:  r.str(DatabaseSecretARNKey, false, arn, "an ARN"),
		AppRoleARN:         r.str(AppRoleARNKey, false, arn, "an ARN"),
		AppNamespace:       r.str(AppNamespaceKey, false, nonEmpty, "a namespace"),
		AppServiceAccount:  r.str(AppServiceAccountKey, false, nonEmpty, "a ServiceAccount name"),
		RepositoryURL:      r.str(RepositoryURLKey, false, repositoryURLRE.MatchString, "an ECR repository URL such as 123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/mission-link-dev"),

		BastionInstanceID:     r.str(BastionInstanceIDKey, true, instanceIDRE.MatchString, "an EC2 instance ID"),
		BastionSessionCommand: r.str(BastionSessionCommandKey, true, nil, ""),
		ArgoCDNamespace:       r.str(ArgoCDNamespaceKey, true, nonEmpty, "a namespace"),
		ArgoCDApplication:     r.str(ArgoCDApplicationKey, true, nonEmpty, "an Application name"),
	}
	if (o.ArgoCDNamespace == "") != (o.ArgoCDApplication == "") && len(r.errs) == 0 {
		r.problem(ArgoCDApplicationKey, "and %s must both be present (gitops.enabled) or both absent", ArgoCDNamespaceKey)
	}
	if err := errors.Join(r.errs...); err != nil {
		return Outputs{}, fmt.Errorf("reading stack outputs:\n%w", err)
	}
	return o, nil
}
