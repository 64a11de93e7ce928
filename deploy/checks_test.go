package deploy

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strconv"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// What the app and its cluster are (see README.md).
const (
	appNamespace   = "mission-link"
	healthPath     = "/api/health"
	httpPortName   = "http"
	httpPort       = 3000
	irsaAnnotation = "eks.amazonaws.com/role-arn"
	zoneKey        = "topology.kubernetes.io/zone"
	hostnameKey    = "kubernetes.io/hostname"
	maxNodes       = 2
)

// The node budget on the EKS cluster's t3.medium nodes (2 vCPU, 4 GiB, about 3920Mi as the node
// reports it). Allocatable is what EKS leaves after kube-reserved and the 100Mi eviction threshold:
// 70m CPU, and 255Mi + 11Mi per pod of the node's max pods of memory. With prefix delegation a
// t3.medium runs 110 pods, so kube-reserved takes 1465Mi (not the 442Mi of 17 pods), leaving about
// 2350Mi. systemPods is what the cluster's own pods request on a node when one node carries them
// all: aws-node, kube-proxy, the EBS CSI node and controller pods, CoreDNS and the metrics server,
// rounded up; autoscaler is what the Cluster Autoscaler requests (eks.AutoscalerSizing, which
// eks/autoscaler_test.go asserts) and argoCD what ArgoCD requests in the dev stack (the total of
// gitops.Sizing, which gitops/argocd_test.go asserts); this package stays free of Pulumi, so it
// repeats both.
var (
	nodeAllocatableCPU    = resource.MustParse("1930m")
	nodeAllocatableMemory = resource.MustParse("2350Mi")
	systemPodsCPU         = resource.MustParse("500m")
	systemPodsMemory      = resource.MustParse("768Mi")
	autoscalerCPU         = resource.MustParse("50m")
	autoscalerMemory      = resource.MustParse("128Mi")
	argoCDCPU             = resource.MustParse("275m")
	argoCDMemory          = resource.MustParse("640Mi")
)

var (
	// An ECR repository URL: <account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>.
	ecrRepoRE = regexp.MustCompile(`^[0-9]{12}\.dkr\.ecr\.[a-z]{2}(?:-[a-z]+)+-[0-9]+\.amazonaws\.com(?:\.cn)?/` +
		`[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$`)
	// A full git commit SHA-1, as CI tags the image it pushes.
	commitSHARE = regexp.MustCompile(`^[0-9a-f]{40}$`)
	// An IAM role ARN: arn:<partition>:iam::<account>:role/<optional path/><name>.
	roleARNRE = regexp.MustCompile(`^arn:aws(?:-cn|-us-gov)?:iam::[0-9]{12}:role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$`)
	// An AWS region name such as ap-northeast-2.
	regionRE = regexp.MustCompile(`^[a-z]{2}(?:-[a-z]+)+-[0-9]+$`)
)

// check is one deployment rule over a decoded build; it returns every problem it finds.
type check struct {
	name string
	run  func(m *manifests) error
}

// checks are the rules every overlay's build must pass.
var checks = []check{
	{"namespace", checkNamespace},
	{"image", checkImage},
	{"serviceaccount", checkServiceAccount},
	{"probes", checkProbes},
	{"resources", checkResources},
	{"sizing", checkSizing},
	{"security", checkSecurity},
	{"writable-dirs", checkWritableDirs},
	{"env", checkEnv},
	{"service", checkService},
	{"pdb", checkPDB},
	{"hpa", checkHPA},
	{"topology", checkTopologySpread},
}

// containers are the pod's init and app containers.
func containers(m *manifests) []*corev1.Container {
	spec := &m.deployment.Spec.Template.Spec
	var cs []*corev1.Container
	for i := range spec.InitContainers {
		cs = append(cs, &spec.InitContainers[i])
	}
	for i := range spec.Containers {
		cs = append(cs, &spec.Containers[i])
	}
	return cs
}

func podLabels(m *manifests) labels.Set { return labels.Set(m.deployment.Spec.Template.Labels) }

// selects reports whether sel is a non-empty selector that matches the Deployment's pods.
func selects(sel *metav1.LabelSelector, m *manifests) error {
	if sel == nil || (len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0) {
		return errors.New("the selector is empty (it would select every pod in the namespace)")
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return err
	}
	if !s.Matches(podLabels(m)) {
		return fmt.Errorf("selector %q does not match the pod template labels %v", s, podLabels(m))
	}
	return nil
}

func checkNamespace(m *manifests) error {
	var errs []error
	for _, o := range m.objects {
		if o.namespaced && o.obj.GetNamespace() != appNamespace {
			errs = append(errs, fmt.Errorf("%s: namespace %q, want %q", o, o.obj.GetNamespace(), appNamespace))
		}
	}
	return errors.Join(errs...)
}

// splitImage splits repo:tag. A digest (@sha256:...) or a missing tag is an error: the overlay
// pins images by their commit-SHA tag.
func splitImage(image string) (repo, tag string, err error) {
	if strings.Contains(image, "@") {
		return "", "", fmt.Errorf("image %q has a digest; want <repository>:<commit sha>", image)
	}
	i := strings.LastIndex(image, ":")
	if i < 0 || strings.Contains(image[i:], "/") {
		return "", "", fmt.Errorf("image %q has no tag (it would pull latest)", image)
	}
	return image[:i], image[i+1:], nil
}

func checkImage(m *manifests) error {
	var errs []error
	for _, c := range containers(m) {
		repo, tag, err := splitImage(c.Image)
		if err != nil {
			errs = append(errs, fmt.Errorf("container %s: %w", c.Name, err))
			continue
		}
		if !ecrRepoRE.MatchString(repo) {
			errs = append(errs, fmt.Errorf("container %s: repository %q is not an ECR repository URL", c.Name, repo))
		}
		switch {
		case tag == "latest":
			errs = append(errs, fmt.Errorf("container %s: tag latest; want the 40-hex commit SHA CI pushed", c.Name))
		case !commitSHARE.MatchString(tag):
			errs = append(errs, fmt.Errorf("container %s: tag %q is not a 40-hex commit SHA", c.Name, tag))
		case strings.Count(tag, tag[:1]) == len(tag):
			errs = append(errs, fmt.Errorf("container %s: tag %q is a placeholder, not a commit", c.Name, tag))
		}
	}
	return errors.Join(errs...)
}

func checkServiceAccount(m *manifests) error {
	var errs []error
	sa, pod := m.serviceAccount, &m.deployment.Spec.Template.Spec
	if pod.ServiceAccountName != sa.Name {
		errs = append(errs, fmt.Errorf("the pods run as service account %q, the build's ServiceAccount is %q",
			pod.ServiceAccountName, sa.Name))
	}
	arn, ok := sa.Annotations[irsaAnnotation]
	switch {
	case !ok:
		errs = append(errs, fmt.Errorf("ServiceAccount %s has no %s annotation (IRSA)", sa.Name, irsaAnnotation))
	case !roleARNRE.MatchString(arn):
		errs = append(errs, fmt.Errorf("ServiceAccount %s: %s %q is not an IAM role ARN", sa.Name, irsaAnnotation, arn))
	}
	// IRSA needs the token projected into the pod: neither level may turn the automount off.
	if v := sa.AutomountServiceAccountToken; v != nil && !*v {
		errs = append(errs, fmt.Errorf("ServiceAccount %s: automountServiceAccountToken is false", sa.Name))
	}
	if v := pod.AutomountServiceAccountToken; v != nil && !*v {
		errs = append(errs, errors.New("pod template: automountServiceAccountToken is false"))
	}
	return errors.Join(errs...)
}

// portByName returns c's container port called name.
func portByName(c *corev1.Container, name string) (corev1.ContainerPort, bool) {
	for _, p := range c.Ports {
		if p.Name == name {
			return p, true
		}
	}
	return corev1.ContainerPort{}, false
}

// checkHealthProbe requires an HTTP GET of /api/health on the container's http port.
func checkHealthProbe(c *corev1.Container, kind string, p *corev1.Probe) error {
	if p == nil {
		return fmt.Errorf("container %s has no %s probe", c.Name, kind)
	}
	g := p.HTTPGet
	if g == nil {
		return fmt.Errorf("container %s: the %s probe is not an HTTP GET", c.Name, kind)
	}
	var errs []error
	if g.Path != healthPath {
		errs = append(errs, fmt.Errorf("container %s: %s probe path %q, want %q", c.Name, kind, g.Path, healthPath))
	}
	port := int32(-1)
	if g.Port.Type == intstr.String {
		if cp, ok := portByName(c, g.Port.StrVal); ok {
			port = cp.ContainerPort
		}
	} else {
		port = g.Port.IntVal
	}
	if port != httpPort {
		errs = append(errs, fmt.Errorf("container %s: %s probe port %q is not the container's port %d",
			c.Name, kind, g.Port.String(), httpPort))
	}
	return errors.Join(errs...)
}

func checkProbes(m *manifests) error {
	var errs []error
	for _, c := range m.deployment.Spec.Template.Spec.Containers {
		errs = append(errs,
			checkHealthProbe(&c, "liveness", c.LivenessProbe),
			checkHealthProbe(&c, "readiness", c.ReadinessProbe))
		if c.StartupProbe != nil {
			errs = append(errs, checkHealthProbe(&c, "startup", c.StartupProbe))
		}
	}
	return errors.Join(errs...)
}

func checkResources(m *manifests) error {
	var errs []error
	for _, c := range containers(m) {
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, hasReq := c.Resources.Requests[name]
			lim, hasLim := c.Resources.Limits[name]
			switch {
			case !hasReq || req.Sign() <= 0:
				errs = append(errs, fmt.Errorf("container %s: no %s request", c.Name, name))
			case !hasLim || lim.Sign() <= 0:
				errs = append(errs, fmt.Errorf("container %s: no %s limit", c.Name, name))
			case req.Cmp(lim) > 0:
				errs = append(errs, fmt.Errorf("container %s: %s request %s is above its limit %s",
					c.Name, name, req.String(), lim.String()))
			}
		}
	}
	return errors.Join(errs...)
}

// podTotal is the sum over the pod's app containers of one resource list (init containers run
// before them and are smaller here, so the app containers decide what the pod needs).
func podTotal(m *manifests, limits bool, name corev1.ResourceName) resource.Quantity {
	var total resource.Quantity
	for _, c := range m.deployment.Spec.Template.Spec.Containers {
		l := c.Resources.Requests
		if limits {
			l = c.Resources.Limits
		}
		if q, ok := l[name]; ok {
			total.Add(q)
		}
	}
	return total
}

// appBudget is what one node leaves for the app's pods when it also carries the cluster's own
// pods, the Cluster Autoscaler and ArgoCD (deploy/README.md, Sizing).
func appBudget() (cpu, memory resource.Quantity) {
	cpu, memory = nodeAllocatableCPU.DeepCopy(), nodeAllocatableMemory.DeepCopy()
	for _, q := range [][2]resource.Quantity{{systemPodsCPU, systemPodsMemory}, {autoscalerCPU, autoscalerMemory}, {argoCDCPU, argoCDMemory}} {
		cpu.Sub(q[0])
		memory.Sub(q[1])
	}
	return cpu, memory
}

// checkSizing requires the HPA's range to fit the 1-2 node t3.medium cluster: the minimum plus
// the one pod a rolling update surges fits on a single node, the maximum plus the surge on
// maxNodes nodes (the second one started by the Cluster Autoscaler), and one pod's limits fit in a
// node's allocatable.
func checkSizing(m *manifests) error {
	var errs []error
	cpuBudget, memBudget := appBudget()
	cpuReq, memReq := podTotal(m, false, corev1.ResourceCPU), podTotal(m, false, corev1.ResourceMemory)
	if cpuReq.Sign() <= 0 || memReq.Sign() <= 0 {
		return errors.New("the pod requests no CPU or no memory: its size cannot be checked")
	}
	podsPerNode := min(cpuBudget.MilliValue()/cpuReq.MilliValue(), memBudget.Value()/memReq.Value())

	surge := int64(1)
	if ru := m.deployment.Spec.Strategy.RollingUpdate; ru != nil && ru.MaxSurge != nil {
		hi := int(m.hpa.Spec.MaxReplicas)
		s, err := intstr.GetScaledValueFromIntOrPercent(ru.MaxSurge, hi, true)
		if err != nil {
			errs = append(errs, fmt.Errorf("maxSurge: %w", err))
		}
		surge = int64(s)
	}
	lo := int64(1)
	if m.hpa.Spec.MinReplicas != nil {
		lo = int64(*m.hpa.Spec.MinReplicas)
	}
	hi := int64(m.hpa.Spec.MaxReplicas)
	if lo+surge > podsPerNode {
		errs = append(errs, fmt.Errorf("minReplicas %d + surge %d pods of %s CPU, %s memory do not fit on one t3.medium node (room for %d)",
			lo, surge, cpuReq.String(), memReq.String(), podsPerNode))
	}
	if hi+surge > maxNodes*podsPerNode {
		errs = append(errs, fmt.Errorf("maxReplicas %d + surge %d pods of %s CPU, %s memory do not fit on %d t3.medium nodes (room for %d)",
			hi, surge, cpuReq.String(), memReq.String(), maxNodes, maxNodes*podsPerNode))
	}
	if l := podTotal(m, true, corev1.ResourceCPU); l.Cmp(nodeAllocatableCPU) > 0 {
		errs = append(errs, fmt.Errorf("the pod's CPU limit %s is above a t3.medium's allocatable %s", l.String(), nodeAllocatableCPU.String()))
	}
	if l := podTotal(m, true, corev1.ResourceMemory); l.Cmp(nodeAllocatableMemory) > 0 {
		errs = append(errs, fmt.Errorf("the pod's memory limit %s is above a t3.medium's allocatable %s", l.String(), nodeAllocatableMemory.String()))
	}
	return errors.Join(errs...)
}

func checkSecurity(m *manifests) error {
	var errs []error
	psc := m.deployment.Spec.Template.Spec.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	for _, c := range containers(m) {
		sc := c.SecurityContext
		if sc == nil {
			sc = &corev1.SecurityContext{}
		}
		// A container's setting overrides the pod's.
		nonRoot, user, seccomp := psc.RunAsNonRoot, psc.RunAsUser, psc.SeccompProfile
		if sc.RunAsNonRoot != nil {
			nonRoot = sc.RunAsNonRoot
		}
		if sc.RunAsUser != nil {
			user = sc.RunAsUser
		}
		if sc.SeccompProfile != nil {
			seccomp = sc.SeccompProfile
		}
		if nonRoot == nil || !*nonRoot {
			errs = append(errs, fmt.Errorf("container %s: runAsNonRoot is not true", c.Name))
		}
		// The Next.js image's USER is a name (nextjs): with runAsNonRoot the kubelet refuses to
		// start it unless runAsUser gives a numeric uid.
		if user == nil || *user == 0 {
			errs = append(errs, fmt.Errorf("container %s: runAsUser is not a non-zero uid", c.Name))
		}
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			errs = append(errs, fmt.Errorf("container %s: readOnlyRootFilesystem is not true", c.Name))
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			errs = append(errs, fmt.Errorf("container %s: allowPrivilegeEscalation is not false", c.Name))
		}
		if sc.Privileged != nil && *sc.Privileged {
			errs = append(errs, fmt.Errorf("container %s: privileged", c.Name))
		}
		if sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" ||
			len(sc.Capabilities.Add) != 0 {
			errs = append(errs, fmt.Errorf("container %s: capabilities must drop ALL and add none", c.Name))
		}
		if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault {
			errs = append(errs, fmt.Errorf("container %s: seccompProfile is not RuntimeDefault", c.Name))
		}
	}
	return errors.Join(errs...)
}

// checkWritableDirs requires emptyDir volumes at the paths Next.js writes to, since the root
// filesystem is read-only.
func checkWritableDirs(m *manifests) error {
	var errs []error
	emptyDirs := map[string]bool{}
	for _, v := range m.deployment.Spec.Template.Spec.Volumes {
		emptyDirs[v.Name] = v.EmptyDir != nil
	}
	for _, c := range m.deployment.Spec.Template.Spec.Containers {
		mounted := map[string]bool{}
		for _, vm := range c.VolumeMounts {
			mounted[vm.MountPath] = emptyDirs[vm.Name] && !vm.ReadOnly
		}
		for _, path := range []string{"/tmp", "/app/.next/cache"} {
			if !mounted[path] {
				errs = append(errs, fmt.Errorf("container %s: no writable emptyDir mounted at %s", c.Name, path))
			}
		}
	}
	return errors.Join(errs...)
}

func checkEnv(m *manifests) error {
	var errs []error
	for _, c := range m.deployment.Spec.Template.Spec.Containers {
		env := map[string]string{}
		for _, e := range c.Env {
			if e.ValueFrom == nil {
				env[e.Name] = e.Value
			}
		}
		if !regionRE.MatchString(env["AWS_REGION"]) {
			errs = append(errs, fmt.Errorf("container %s: AWS_REGION %q is not a region", c.Name, env["AWS_REGION"]))
		}
		if env["NODE_ENV"] != "production" {
			errs = append(errs, fmt.Errorf("container %s: NODE_ENV %q, want production", c.Name, env["NODE_ENV"]))
		}
		p, ok := portByName(&c, httpPortName)
		if !ok || env["PORT"] != strconv.Itoa(int(p.ContainerPort)) {
			errs = append(errs, fmt.Errorf("container %s: PORT %q is not its %q container port", c.Name, env["PORT"], httpPortName))
		}
	}
	return errors.Join(errs...)
}

func checkService(m *manifests) error {
	var errs []error
	svc := m.service
	if svc.Spec.Type != corev1.ServiceTypeClusterIP {
		errs = append(errs, fmt.Errorf("Service %s: type %q, want ClusterIP", svc.Name, svc.Spec.Type))
	}
	sel := svc.Spec.Selector
	switch {
	case len(sel) == 0:
		errs = append(errs, fmt.Errorf("Service %s has no selector", svc.Name))
	case !labels.SelectorFromSet(sel).Matches(podLabels(m)):
		errs = append(errs, fmt.Errorf("Service %s: selector %v does not select the pod template labels %v",
			svc.Name, sel, podLabels(m)))
	case !maps.Equal(sel, m.deployment.Spec.Selector.MatchLabels):
		// Exactly the Deployment's selector: no other workload's pods, none of its own missed.
		errs = append(errs, fmt.Errorf("Service %s: selector %v is not the Deployment's selector %v",
			svc.Name, sel, m.deployment.Spec.Selector.MatchLabels))
	}
	if len(svc.Spec.Ports) == 0 {
		errs = append(errs, fmt.Errorf("Service %s has no ports", svc.Name))
	}
	for _, sp := range svc.Spec.Ports {
		if sp.TargetPort.Type != intstr.String {
			errs = append(errs, fmt.Errorf("Service %s port %d: targetPort %s is a number, want a container port name",
				svc.Name, sp.Port, sp.TargetPort.String()))
			continue
		}
		found := false
		for _, c := range m.deployment.Spec.Template.Spec.Containers {
			if cp, ok := portByName(&c, sp.TargetPort.StrVal); ok && cp.Protocol == sp.Protocol {
				found = true
			}
		}
		if !found {
			errs = append(errs, fmt.Errorf("Service %s port %d: targetPort %q names no %s container port",
				svc.Name, sp.Port, sp.TargetPort.StrVal, sp.Protocol))
		}
	}
	return errors.Join(errs...)
}

func checkPDB(m *manifests) error {
	var errs []error
	pdb := m.pdb
	if err := selects(pdb.Spec.Selector, m); err != nil {
		errs = append(errs, fmt.Errorf("PodDisruptionBudget %s: %w", pdb.Name, err))
	}
	// The budget must let a node drain evict a pod even at the HPA's minimum replicas.
	lo := 1
	if m.hpa.Spec.MinReplicas != nil {
		lo = int(*m.hpa.Spec.MinReplicas)
	}
	switch {
	case pdb.Spec.MaxUnavailable != nil && pdb.Spec.MinAvailable != nil:
		errs = append(errs, fmt.Errorf("PodDisruptionBudget %s sets both minAvailable and maxUnavailable", pdb.Name))
	case pdb.Spec.MaxUnavailable != nil:
		n, err := intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MaxUnavailable, lo, true)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("PodDisruptionBudget %s: maxUnavailable %s allows no eviction at %d replicas",
				pdb.Name, pdb.Spec.MaxUnavailable.String(), lo))
		}
	case pdb.Spec.MinAvailable != nil:
		n, err := intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MinAvailable, lo, true)
		if err != nil || n >= lo {
			errs = append(errs, fmt.Errorf("PodDisruptionBudget %s: minAvailable %s allows no eviction at %d replicas (node drains would hang)",
				pdb.Name, pdb.Spec.MinAvailable.String(), lo))
		}
	default:
		errs = append(errs, fmt.Errorf("PodDisruptionBudget %s sets neither minAvailable nor maxUnavailable", pdb.Name))
	}
	return errors.Join(errs...)
}

func checkHPA(m *manifests) error {
	var errs []error
	hpa, d := m.hpa, m.deployment
	ref := hpa.Spec.ScaleTargetRef
	if ref.APIVersion != "apps/v1" || ref.Kind != "Deployment" || ref.Name != d.Name {
		errs = append(errs, fmt.Errorf("HorizontalPodAutoscaler %s targets %s %s %q, want apps/v1 Deployment %q",
			hpa.Name, ref.APIVersion, ref.Kind, ref.Name, d.Name))
	}
	if hpa.Namespace != d.Namespace {
		errs = append(errs, fmt.Errorf("HorizontalPodAutoscaler %s is in namespace %q, the Deployment in %q",
			hpa.Name, hpa.Namespace, d.Namespace))
	}
	lo := int32(1)
	if hpa.Spec.MinReplicas != nil {
		lo = *hpa.Spec.MinReplicas
	}
	if lo < 1 || lo > hpa.Spec.MaxReplicas {
		errs = append(errs, fmt.Errorf("HorizontalPodAutoscaler %s: want 1 <= minReplicas (%d) <= maxReplicas (%d)",
			hpa.Name, lo, hpa.Spec.MaxReplicas))
	}
	cpu := false
	for _, mt := range hpa.Spec.Metrics {
		if mt.Type == autoscalingv2.ResourceMetricSourceType && mt.Resource != nil &&
			mt.Resource.Name == corev1.ResourceCPU && mt.Resource.Target.Type == autoscalingv2.UtilizationMetricType &&
			mt.Resource.Target.AverageUtilization != nil &&
			*mt.Resource.Target.AverageUtilization > 0 && *mt.Resource.Target.AverageUtilization <= 100 {
			cpu = true
		}
	}
	if !cpu {
		errs = append(errs, fmt.Errorf("HorizontalPodAutoscaler %s has no CPU Utilization metric with a target in (0, 100]", hpa.Name))
	}
	// With an HPA, spec.replicas in Git would be re-applied by every sync and fight the autoscaler.
	if d.Spec.Replicas != nil {
		errs = append(errs, fmt.Errorf("Deployment %s sets replicas %d: leave them to the HorizontalPodAutoscaler",
			d.Name, *d.Spec.Replicas))
	}
	return errors.Join(errs...)
}

func checkTopologySpread(m *manifests) error {
	var errs []error
	byKey := map[string]corev1.TopologySpreadConstraint{}
	for _, c := range m.deployment.Spec.Template.Spec.TopologySpreadConstraints {
		byKey[c.TopologyKey] = c
		if err := selects(c.LabelSelector, m); err != nil {
			errs = append(errs, fmt.Errorf("topologySpreadConstraint %s: %w", c.TopologyKey, err))
		}
		if c.MaxSkew < 1 {
			errs = append(errs, fmt.Errorf("topologySpreadConstraint %s: maxSkew %d", c.TopologyKey, c.MaxSkew))
		}
	}
	for _, key := range []string{zoneKey, hostnameKey} {
		c, ok := byKey[key]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("no topologySpreadConstraint over %s", key))
		case c.WhenUnsatisfiable != corev1.ScheduleAnyway:
			// DoNotSchedule would leave pods Pending on a one-node (one-AZ) cluster.
			errs = append(errs, fmt.Errorf("topologySpreadConstraint %s: whenUnsatisfiable %s, want ScheduleAnyway",
				key, c.WhenUnsatisfiable))
		}
	}
	return errors.Join(errs...)
}
