package verify

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/mission-link/infra/internal/verify/awscheck"
	"github.com/mission-link/infra/internal/verify/ekstoken"
)

// kubeRequestTimeout bounds each Kubernetes API request.
const kubeRequestTimeout = 30 * time.Second

// DefaultEnv talks to the real AWS and cluster; the caller sets Stdout, Stderr and
// ReadStackOutputs.
func DefaultEnv() Env {
	return Env{AWSConfig: LoadAWSConfig, AWSClients: awscheck.NewClients, Kubernetes: ClusterClients, Now: time.Now}
}

// LoadAWSConfig loads the shared config and credentials the AWS CLI uses (environment, profile,
// SSO, instance role), for region and, when set, profile.
func LoadAWSConfig(ctx context.Context, region, profile string) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{config.WithRegion(region)}
	if profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading AWS config: %w", err)
	}
	return cfg, nil
}

// ClusterClients reach the cluster's API as its kubeconfig does: the endpoint and CA EKS
// describes, and an EKS token from the same credentials (what `aws eks get-token` prints).
func ClusterClients(_ context.Context, cfg aws.Config, cluster *ekstypes.Cluster) (kubernetes.Interface, dynamic.Interface, error) {
	if cluster.CertificateAuthority == nil || cluster.Endpoint == nil {
		return nil, nil, fmt.Errorf("cluster %s has no endpoint or certificate authority yet", aws.ToString(cluster.Name))
	}
	ca, err := base64.StdEncoding.DecodeString(aws.ToString(cluster.CertificateAuthority.Data))
	if err != nil {
		return nil, nil, fmt.Errorf("decoding the certificate authority of cluster %s: %w", aws.ToString(cluster.Name), err)
	}
	tokens := ekstoken.NewSource(sts.NewPresignClient(sts.NewFromConfig(cfg)), aws.ToString(cluster.Name))
	rc := &rest.Config{
		Host:            aws.ToString(cluster.Endpoint),
		TLSClientConfig: rest.TLSClientConfig{CAData: ca},
		WrapTransport:   tokens.WrapTransport,
		Timeout:         kubeRequestTimeout,
		UserAgent:       "mission-link-verify",
	}
	kube, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, nil, fmt.Errorf("building the Kubernetes client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(rc)
	if err != nil {
		return nil, nil, fmt.Errorf("building the Kubernetes dynamic client: %w", err)
	}
	return kube, dyn, nil
}
