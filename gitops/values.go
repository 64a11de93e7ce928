package gitops

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The chart ArgoCD is installed from: the official one, at a pinned version.
const (
	ChartName       = "argo-cd"
	ChartRepository = "https://argoproj.github.io/argo-helm"
	// ChartVersion is argo-helm's release argo-cd-10.9.2 (Argo CD v3.5). Bump it on purpose,
	// after reading the chart's upgrade notes: a new chart can change every object it renders.
	ChartVersion = "10.9.2"
	// ReleaseName is also the chart's nameOverride ("argocd"), so the chart names its objects
	// argocd-server, argocd-repo-server, ... rather than "<release>-argocd-server".
	ReleaseName = "argocd"
	// Namespace is ArgoCD's own namespace, created by the component.
	Namespace = "argocd"
	// ServerServiceType keeps the UI and API inside the cluster: reach them with
	// `kubectl port-forward svc/argocd-server -n argocd 8080:443`, never a public load balancer.
	ServerServiceType = "ClusterIP"
)

// Quantities are a container's CPU and memory, as Kubernetes writes them.
type Quantities struct {
	CPU    string `json:"cpu"`
	Memory string `json:"memory"`
}

// Resources are a container's requests and limits.
type Resources struct {
	Requests Quantities `json:"requests"`
	Limits   Quantities `json:"limits"`
}

// Sizing is what each ArgoCD component requests and may use, for a cluster of 1-2 t3.medium
// nodes (about 1930m CPU and 2350Mi allocatable each: with prefix delegation's 110 pods, EKS
// reserves 1465Mi for the kubelet) running one small app. On a single node
// the cluster's own pods request up to 500m and 768Mi, the Cluster Autoscaler 50m and 128Mi, and
// the app at its minimum (one replica plus the one a rolling update surges) 500m and 768Mi, which
// leaves 880m and 686Mi: ArgoCD's requests total 275m and 640Mi. Limits are a few times the requests, for a sync or a UI burst;
// the application controller caches every object of the cluster, so it gets the most memory.
var Sizing = map[string]Resources{
	"controller": {
		Requests: Quantities{CPU: "100m", Memory: "256Mi"},
		Limits:   Quantities{CPU: "500m", Memory: "768Mi"},
	},
	"repoServer": {
		Requests: Quantities{CPU: "50m", Memory: "128Mi"},
		Limits:   Quantities{CPU: "500m", Memory: "512Mi"},
	},
	"server": {
		Requests: Quantities{CPU: "50m", Memory: "128Mi"},
		Limits:   Quantities{CPU: "500m", Memory: "256Mi"},
	},
	"applicationSet": {
		Requests: Quantities{CPU: "25m", Memory: "64Mi"},
		Limits:   Quantities{CPU: "250m", Memory: "128Mi"},
	},
	"redis": {
		Requests: Quantities{CPU: "50m", Memory: "64Mi"},
		Limits:   Quantities{CPU: "250m", Memory: "128Mi"},
	},
}

// chartValues are the argo-cd chart's values this stack sets; everything else keeps the chart's
// default. The JSON names are the chart's keys.
type chartValues struct {
	CRDs           crdValues    `json:"crds"`
	Dex            toggle       `json:"dex"`
	Notifications  toggle       `json:"notifications"`
	RedisHA        toggle       `json:"redis-ha"`
	Controller     component    `json:"controller"`
	RepoServer     component    `json:"repoServer"`
	Server         serverValues `json:"server"`
	ApplicationSet component    `json:"applicationSet"`
	Redis          component    `json:"redis"`
}

type crdValues struct {
	// Install puts the Application CRD in place before the app's Application is created.
	Install bool `json:"install"`
	// Keep leaves the CRDs (and so every Application) in place when the release is uninstalled.
	Keep bool `json:"keep"`
}

type toggle struct {
	Enabled bool `json:"enabled"`
}

type component struct {
	Resources Resources `json:"resources"`
}

type serverValues struct {
	Resources Resources     `json:"resources"`
	Service   serviceValues `json:"service"`
}

type serviceValues struct {
	Type string `json:"type"`
}

// newChartValues is a single, small ArgoCD: no Dex (nobody signs in through SSO; the admin
// password is in argocd-initial-admin-secret), no notifications controller (nothing to notify),
// no Redis HA, and the server reachable only from inside the cluster.
func newChartValues() chartValues {
	return chartValues{
		CRDs:           crdValues{Install: true, Keep: true},
		Dex:            toggle{Enabled: false},
		Notifications:  toggle{Enabled: false},
		RedisHA:        toggle{Enabled: false},
		Controller:     component{Resources: Sizing["controller"]},
		RepoServer:     component{Resources: Sizing["repoServer"]},
		Server:         serverValues{Resources: Sizing["server"], Service: serviceValues{Type: ServerServiceType}},
		ApplicationSet: component{Resources: Sizing["applicationSet"]},
		Redis:          component{Resources: Sizing["redis"]},
	}
}

// toMap converts typed values to the untyped map a Helm release or custom resource takes, through
// their JSON names.
func toMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding %T: %w", v, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decoding %T: %w", v, err)
	}
	return m, nil
}

// releaseValues are the chart values as the Release resource takes them.
func releaseValues() (pulumi.Map, error) {
	m, err := toMap(newChartValues())
	if err != nil {
		return nil, fmt.Errorf("building the argo-cd chart values: %w", err)
	}
	return pulumi.ToMap(m), nil
}
