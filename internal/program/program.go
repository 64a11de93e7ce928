// Package program is the stack: it reads the config, builds the components and exports what
// operators need. main.go runs it against the engine; the harness runs it under mocks.
package program

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/mission-link/infra/app"
	"github.com/mission-link/infra/cicd"
	"github.com/mission-link/infra/ecr"
	"github.com/mission-link/infra/eks"
	"github.com/mission-link/infra/eks/eksargs"
	"github.com/mission-link/infra/eks/storageclass"
	"github.com/mission-link/infra/gitops"
	"github.com/mission-link/infra/internal/awsspec"
	"github.com/mission-link/infra/internal/stackconfig"
	"github.com/mission-link/infra/messaging"
	"github.com/mission-link/infra/secrets"
	"github.com/mission-link/infra/vpc"
)

// Run builds the whole stack from the engine's config (see ConfigFromEnvironment) and
// exports its outputs.
func Run(ctx *pulumi.Context, in stackconfig.Input) error {
	outputs, err := Build(ctx, in)
	if err != nil {
		return err
	}
	for _, key := range slices.Sorted(maps.Keys(outputs)) {
		ctx.Export(key, outputs[key])
	}
	return nil
}

// Build builds the whole stack and returns the stack outputs.
func Build(ctx *pulumi.Context, in stackconfig.Input) (pulumi.Map, error) {
	// The AZ lookup decides how many resources exist, so the AZ count is validated against it
	// together with everything else, before anything is registered. It runs on the default
	// provider, which reads the same aws:region, and only for a region the program knows (an
	// unknown one is reported by Parse).
	if awsspec.CheckRegion(stackconfig.RegionKey, in.Values[stackconfig.RegionKey]) == nil {
		zones, err := vpc.AvailableZones(ctx)
		if err != nil {
			return nil, err
		}
		in.RegionZones = zones
	}
	in.ProjectDir = ctx.RootDirectory()
	if in.StackFile == "" && in.ProjectDir != "" {
		// Where `pulumi up` reads the stack's config from (unless given --config-file), for
		// quoting a value as written.
		in.StackFile = filepath.Join(in.ProjectDir, "Pulumi."+ctx.Stack()+".yaml")
	}
	cfg, err := stackconfig.Parse(ctx.Project(), ctx.Stack(), in)
	if err != nil {
		return nil, err
	}
	if err := enforceDeployGuards(ctx, cfg, in.CLIRegion); err != nil {
		return nil, err
	}
	prefix := fmt.Sprintf("%s-%s", ctx.Project(), ctx.Stack())
	networkArgs := cfg.Network
	networkArgs.ClusterName = cfg.Cluster.Name
	networkArgs.Protect = cfg.ProtectStatefulResources

	provider, err := newProvider(ctx, cfg)
	if err != nil {
		return nil, err
	}
	withProvider := pulumi.Providers(provider)
	network, err := vpc.NewNetwork(ctx, prefix, &networkArgs, withProvider)
	if err != nil {
		return nil, err
	}
	// The registry, the secrets and the CI roles come before the cluster: the push role needs the
	// repository, the drift role the secret it refreshes, and the cluster gives the preview and
	// drift roles their read-only access entries.
	appSecrets, err := buildSecrets(ctx, prefix, cfg, withProvider)
	if err != nil {
		return nil, err
	}
	registry, ci, err := buildCIAccess(ctx, prefix, cfg, appSecrets, withProvider)
	if err != nil {
		return nil, err
	}
	clusterArgs := eks.ClusterArgs{
		ClusterArgs:      cfg.Cluster,
		VpcID:            network.VPCID,
		PrivateSubnetIDs: network.PrivateSubnetIDs,
		AWSProvider:      provider,
		ViewerRoleARNs:   map[string]pulumi.StringInput{"ci-preview": ci.PreviewRoleARN, "ci-drift": ci.DriftRoleARN},
	}
	clusterArgs.InstanceTags = cfg.DefaultTags(ctx.Project(), ctx.Stack())
	clusterArgs.Protect = cfg.ProtectStatefulResources
	clusterArgs.AWSProfile = cfg.Profile
	cluster, err := eks.NewCluster(ctx, prefix, &clusterArgs, withProvider)
	if err != nil {
		return nil, err
	}
	out := pulumi.Map{"region": pulumi.String(cfg.Region)}
	exportNetwork(out, network, networkArgs.Bastion.IsEnabled())
	exportCluster(out, cluster, cfg.Cluster)
	exportCIAccess(out, registry, ci)
	identity, err := buildAppServices(ctx, out, prefix, cfg, cluster, appSecrets, withProvider)
	if err != nil {
		return nil, err
	}
	if cfg.GitOps.Enabled {
		if err := buildGitOps(ctx, out, prefix, cfg, cluster, registry, identity); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// buildCIAccess builds what CI pushes to and the roles it assumes: the registry, the GitHub OIDC
// trust, the push role and the preview role.
func buildCIAccess(ctx *pulumi.Context, prefix string, cfg *stackconfig.Stack, appSecrets *secrets.Secrets, withProvider pulumi.ResourceOption) (*ecr.Registry, *cicd.GitHubAccess, error) {
	registryArgs := cfg.Registry
	registryArgs.Protect = cfg.ProtectStatefulResources
	registry, err := ecr.NewRegistry(ctx, prefix, &registryArgs, withProvider)
	if err != nil {
		return nil, nil, err
	}
	ciArgs := cicd.GitHubArgs{
		GitHubArgs:           cfg.CI,
		RepositoryARN:        registry.RepositoryARN,
		DatabaseSecretARN:    appSecrets.DatabaseSecretARN,
		DatabaseSecretKeyARN: appSecrets.KeyARN,
	}
	ci, err := cicd.NewGitHubAccess(ctx, prefix, &ciArgs, withProvider)
	if err != nil {
		return nil, nil, err
	}
	return registry, ci, nil
}

// buildSecrets builds the app's secrets, the database password from the secret config value or
// generated.
func buildSecrets(ctx *pulumi.Context, prefix string, cfg *stackconfig.Stack, withProvider pulumi.ResourceOption) (*secrets.Secrets, error) {
	secretsArgs := secrets.SecretsArgs{SecretsArgs: cfg.Secrets}
	secretsArgs.NamePrefix = fmt.Sprintf("%s/%s", ctx.Project(), ctx.Stack())
	secretsArgs.Protect = cfg.ProtectStatefulResources
	if cfg.DatabasePassword != "" {
		secretsArgs.Password = pulumi.ToSecret(pulumi.String(cfg.DatabasePassword)).(pulumi.StringOutput)
	}
	return secrets.NewSecrets(ctx, prefix, &secretsArgs, withProvider)
}

// buildAppServices builds what the app uses at run time beside its secrets: messaging, and the
// app's own role, which it returns.
func buildAppServices(ctx *pulumi.Context, out pulumi.Map, prefix string, cfg *stackconfig.Stack, cluster *eks.Cluster, appSecrets *secrets.Secrets, withProvider pulumi.ResourceOption) (*app.Identity, error) {
	messagingArgs := cfg.Messaging
	messagingArgs.Protect = cfg.ProtectStatefulResources
	events, err := messaging.NewMessaging(ctx, prefix, &messagingArgs, withProvider)
	if err != nil {
		return nil, err
	}
	identityArgs := app.IdentityArgs{
		IdentityArgs: cfg.App,
		OIDC:         cluster.OIDC,
		SecretARN:    appSecrets.DatabaseSecretARN,
		SecretKeyARN: appSecrets.KeyARN,
		EventBusARN:  events.EventBusARN,
		TopicARN:     events.TopicARN,
		TopicKeyARN:  events.KeyARN,
	}
	identity, err := app.NewIdentity(ctx, prefix+"-app", &identityArgs, withProvider)
	if err != nil {
		return nil, err
	}

	out["eventBusName"] = events.EventBusName
	out["eventBusArn"] = events.EventBusARN
	out["eventRuleArn"] = events.RuleARN
	out["topicArn"] = events.TopicARN
	out["deadLetterQueueUrl"] = events.DeadLetterQueueURL
	out["deadLetterQueueArn"] = events.DeadLetterQueueARN
	out["notificationEmails"] = pulumi.ToStringArray(append([]string{}, messagingArgs.NotificationEmails...))
	out["databaseSecretArn"] = appSecrets.DatabaseSecretARN
	out["databaseSecretName"] = appSecrets.DatabaseSecretName
	out["appRoleArn"] = identity.RoleARN
	out["appNamespace"] = pulumi.String(identityArgs.Namespace)
	out["appServiceAccount"] = pulumi.String(identityArgs.ServiceAccount)
	out["appServiceAccountAnnotations"] = identity.ServiceAccountAnnotation
	out["appEventSource"] = pulumi.String(messagingArgs.EventSource)
	return identity, nil
}

// buildGitOps installs ArgoCD on the cluster, after its nodes and addons, and points it at the
// app's overlay, deploying into the app's namespace with the stack's image repository and role.
func buildGitOps(ctx *pulumi.Context, out pulumi.Map, prefix string, cfg *stackconfig.Stack, cluster *eks.Cluster, registry *ecr.Registry, identity *app.Identity) error {
	args := gitops.Args{
		Args:               cfg.GitOps,
		ImageRepository:    registry.RepositoryURL,
		AppRoleARN:         identity.RoleARN,
		KubernetesProvider: cluster.KubernetesProvider,
		After:              cluster.Ready,
	}
	args.AppNamespace = cfg.App.Namespace
	args.AppServiceAccount = cfg.App.ServiceAccount
	argocd, err := gitops.NewArgoCD(ctx, prefix, &args, pulumi.Providers(cluster.KubernetesProvider))
	if err != nil {
		return err
	}
	out["argocdNamespace"] = argocd.Namespace
	out["argocdApplication"] = pulumi.String(gitops.ApplicationName)
	return nil
}

// newProvider is the AWS provider every resource uses: the stack's region and account guard, and
// the tags every resource carries.
func newProvider(ctx *pulumi.Context, cfg *stackconfig.Stack) (*aws.Provider, error) {
	args := &aws.ProviderArgs{
		Region:      pulumi.String(cfg.Region),
		DefaultTags: aws.ProviderDefaultTagsArgs{Tags: pulumi.ToStringMap(cfg.DefaultTags(ctx.Project(), ctx.Stack()))},
	}
	if cfg.Profile != "" {
		args.Profile = pulumi.String(cfg.Profile)
	}
	if len(cfg.AllowedAccountIDs) > 0 {
		args.AllowedAccountIds = pulumi.ToStringArray(cfg.AllowedAccountIDs)
	}
	provider, err := aws.NewProvider(ctx, "aws", args)
	if err != nil {
		return nil, fmt.Errorf("creating AWS provider: %w", err)
	}
	return provider, nil
}

func exportNetwork(out pulumi.Map, n *vpc.Network, bastion bool) {
	out["vpcId"] = n.VPCID
	out["availabilityZones"] = n.AvailabilityZones
	out["publicSubnetIds"] = n.PublicSubnetIDs
	out["privateSubnetIds"] = n.PrivateSubnetIDs
	out["natGatewayPublicIps"] = n.NatGatewayPublicIPs
	if bastion {
		out["bastionInstanceId"] = n.BastionInstanceID
		out["bastionSessionCommand"] = n.BastionSessionCommand
		out["bastionPortForwardCommand"] = n.BastionPortForwardCommand
	}
}

func exportCIAccess(out pulumi.Map, registry *ecr.Registry, ci *cicd.GitHubAccess) {
	out["repositoryUrl"] = registry.RepositoryURL
	out["pushRoleArn"] = ci.PushRoleARN
	out["previewRoleArn"] = ci.PreviewRoleARN
	out["driftRoleArn"] = ci.DriftRoleARN
	out["githubOidcProviderArn"] = ci.OIDCProviderARN
}

// exportCluster exports the cluster and, for cmd/verify, what it was configured with.
func exportCluster(out pulumi.Map, c *eks.Cluster, args eksargs.ClusterArgs) {
	out["clusterName"] = c.Name
	out["clusterVersion"] = pulumi.String(args.Version)
	out["clusterLogTypes"] = pulumi.ToStringArray(eks.ControlPlaneLogTypes)
	out["storageClassName"] = pulumi.String(storageclass.Name)
	out["clusterEndpoint"] = c.Endpoint
	out["oidcProviderArn"] = c.OIDC.ARN
	out["oidcIssuerUrl"] = c.OIDC.IssuerURL
	out["nodeGroupName"] = c.NodeGroupName
	out["kubeconfig"] = c.Kubeconfig
	out["updateKubeconfigCommand"] = c.UpdateKubeconfigCommand
	if a := c.Autoscaler; a != nil {
		out["clusterAutoscalerNamespace"] = pulumi.String(a.Namespace)
		out["clusterAutoscalerDeployment"] = pulumi.String(a.Deployment)
		out["clusterAutoscalerServiceAccount"] = pulumi.String(a.ServiceAccount)
		out["clusterAutoscalerRoleArn"] = a.RoleARN
	}
}
