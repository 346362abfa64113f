package deploy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func checkService(t *testing.T, s *stack, svc service, want expect) {
	d, ok := s.deployments[svc.name]
	if !ok {
		t.Fatalf("no Deployment %q", svc.name)
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas != want.serviceReplicas {
		t.Errorf("replicas = %v, want %d", ptrString(d.Spec.Replicas), want.serviceReplicas)
	}
	tmpl := &d.Spec.Template
	checkSelector(t, "Deployment "+svc.name, d.Spec.Selector, tmpl.Labels)

	if len(tmpl.Spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(tmpl.Spec.Containers))
	}
	c := &tmpl.Spec.Containers[0]
	if c.Name != svc.name {
		t.Errorf("container name %q, want %q", c.Name, svc.name)
	}
	if !strings.HasPrefix(c.Image, "tuijin/"+svc.name+":") {
		t.Errorf("image %q, want tuijin/%s:<tag>", c.Image, svc.name)
	}

	// The port, and the address the service listens on.
	var httpPort *corev1.ContainerPort
	for i := range c.Ports {
		if c.Ports[i].Name == "http" {
			httpPort = &c.Ports[i]
		}
	}
	if httpPort == nil || httpPort.ContainerPort != svc.port {
		t.Errorf("container port http = %+v, want %d", httpPort, svc.port)
	}
	env := envMap(c.Env)
	if got := env["TUIJIN_HTTP_ADDR"].Value; got != fmt.Sprintf("0.0.0.0:%d", svc.port) {
		t.Errorf("TUIJIN_HTTP_ADDR = %q, want 0.0.0.0:%d", got, svc.port)
	}
	if got := env["TUIJIN_MONGO_DATABASE"].Value; got != svc.database {
		t.Errorf("TUIJIN_MONGO_DATABASE = %q, want %q", got, svc.database)
	}
	uri := env["TUIJIN_MONGO_URI"]
	if uri.Value != "" || uri.ValueFrom == nil || uri.ValueFrom.SecretKeyRef == nil ||
		uri.ValueFrom.SecretKeyRef.Name != mongoSecret || uri.ValueFrom.SecretKeyRef.Key != "uri" {
		t.Errorf("TUIJIN_MONGO_URI must come from secret %s key uri, is %+v", mongoSecret, uri)
	}
	// Its own NATS user, its password from tuijin-nats.
	pw := env["TUIJIN_NATS_PASSWORD"]
	if pw.Value != "" || pw.ValueFrom == nil || pw.ValueFrom.SecretKeyRef == nil ||
		pw.ValueFrom.SecretKeyRef.Name != natsSecret || pw.ValueFrom.SecretKeyRef.Key != natsPasswordKey(svc.name) {
		t.Errorf("TUIJIN_NATS_PASSWORD must come from secret %s key %s, is %+v", natsSecret, natsPasswordKey(svc.name), pw)
	}
	if !slices.Contains(c.Args, "--nats-user="+svc.name) {
		t.Errorf("args %q do not log in as NATS user %s", c.Args, svc.name)
	}
	if !slices.ContainsFunc(c.EnvFrom, func(e corev1.EnvFromSource) bool {
		return e.ConfigMapRef != nil && e.ConfigMapRef.Name == commonConfigMap
	}) {
		t.Errorf("no envFrom ConfigMap %s", commonConfigMap)
	}
	if !slices.ContainsFunc(c.EnvFrom, func(e corev1.EnvFromSource) bool {
		return e.ConfigMapRef != nil && e.ConfigMapRef.Name == authConfigMap && (e.ConfigMapRef.Optional == nil || !*e.ConfigMapRef.Optional)
	}) {
		t.Errorf("no required envFrom ConfigMap %s: the service would accept no token", authConfigMap)
	}
	for _, name := range []string{"TUIJIN_NATS_URL", "TUIJIN_NATS_REPLICAS", "TUIJIN_LOG_LEVEL"} {
		if _, ok := env[name]; ok {
			t.Errorf("%s is set in the Deployment; it belongs in %s", name, commonConfigMap)
		}
	}

	// Probes.
	checkHTTPProbe(t, "liveness", c.LivenessProbe, "/healthz", svc.port, c)
	checkHTTPProbe(t, "readiness", c.ReadinessProbe, "/readyz", svc.port, c)
	if c.StartupProbe != nil {
		checkHTTPProbe(t, "startup", c.StartupProbe, "/healthz", svc.port, c)
	}

	// Prometheus scraping.
	ann := tmpl.Annotations
	if ann["prometheus.io/scrape"] != "true" || ann["prometheus.io/path"] != "/metrics" ||
		ann["prometheus.io/port"] != strconv.Itoa(int(svc.port)) {
		t.Errorf("prometheus annotations %v, want scrape=true path=/metrics port=%d", ann, svc.port)
	}

	// The Service in front of it.
	svcObj, ok := s.services[svc.name]
	if !ok {
		t.Fatalf("no Service %q", svc.name)
	}
	if svcObj.Spec.ClusterIP == corev1.ClusterIPNone {
		t.Errorf("Service %q is headless", svc.name)
	}
	if !selects(svcObj.Spec.Selector, tmpl.Labels) {
		t.Errorf("Service selector %v does not select pod labels %v", svcObj.Spec.Selector, tmpl.Labels)
	}
	found := false
	for _, p := range svcObj.Spec.Ports {
		if p.Port == svc.port && resolvePort(p.TargetPort, c) == svc.port {
			found = true
		}
	}
	if !found {
		t.Errorf("Service ports %+v do not expose %d", svcObj.Spec.Ports, svc.port)
	}
}

func checkHTTPProbe(t *testing.T, what string, p *corev1.Probe, path string, port int32, c *corev1.Container) {
	t.Helper()
	if p == nil || p.HTTPGet == nil {
		t.Errorf("%s probe: want HTTP GET %s, have %+v", what, path, p)
		return
	}
	if p.HTTPGet.Path != path {
		t.Errorf("%s probe path %q, want %q", what, p.HTTPGet.Path, path)
	}
	if got := resolvePort(p.HTTPGet.Port, c); got != port {
		t.Errorf("%s probe port %s resolves to %d, want %d", what, p.HTTPGet.Port.String(), got, port)
	}
}

// resolvePort turns a port number or a container port name into a number (0 if unknown).
func resolvePort(p intstr.IntOrString, c *corev1.Container) int32 {
	if p.Type == intstr.Int {
		return p.IntVal
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return cp.ContainerPort
		}
	}
	return 0
}

func checkCommonConfig(t *testing.T, s *stack, want expect) {
	cm, ok := s.configMaps[commonConfigMap]
	if !ok {
		t.Fatalf("no ConfigMap %s", commonConfigMap)
	}
	if got := cm.Data["TUIJIN_NATS_URL"]; got != natsURL {
		t.Errorf("TUIJIN_NATS_URL = %q, want %q", got, natsURL)
	}
	if got := cm.Data["TUIJIN_NATS_REPLICAS"]; got != want.streamReplicas {
		t.Errorf("TUIJIN_NATS_REPLICAS = %q, want %q", got, want.streamReplicas)
	}
	if n, err := strconv.Atoi(cm.Data["TUIJIN_NATS_REPLICAS"]); err != nil || n < 1 || int32(n) > want.natsReplicas {
		t.Errorf("TUIJIN_NATS_REPLICAS = %q: must be 1..%d (the NATS servers)", cm.Data["TUIJIN_NATS_REPLICAS"], want.natsReplicas)
	}
	if cm.Data["TUIJIN_LOG_LEVEL"] == "" {
		t.Errorf("TUIJIN_LOG_LEVEL not set")
	}
	for k := range cm.Data {
		if !strings.HasPrefix(k, "TUIJIN_") && !strings.HasPrefix(k, "OTEL_") {
			t.Errorf("unexpected key %q in %s", k, commonConfigMap)
		}
		if k == "TUIJIN_MONGO_URI" || k == "TUIJIN_HTTP_ADDR" || k == "TUIJIN_MONGO_DATABASE" {
			t.Errorf("%s must not be in %s", k, commonConfigMap)
		}
	}
	// Every referenced ConfigMap exists, but the one each installation
	// creates for its OIDC provider (README, "Deploying"), which every
	// service must read.
	for _, p := range s.pods() {
		for _, c := range allContainers(p.template) {
			for _, e := range c.EnvFrom {
				if e.ConfigMapRef != nil && e.ConfigMapRef.Name == authConfigMap {
					continue
				}
				if e.ConfigMapRef != nil && s.configMaps[e.ConfigMapRef.Name] == nil {
					t.Errorf("%s: envFrom ConfigMap %q does not exist", p.owner, e.ConfigMapRef.Name)
				}
			}
		}
		for _, v := range p.template.Spec.Volumes {
			if v.ConfigMap != nil && s.configMaps[v.ConfigMap.Name] == nil {
				t.Errorf("%s: volume ConfigMap %q does not exist", p.owner, v.ConfigMap.Name)
			}
		}
	}
}

// checkPods holds every pod of the stack to the same rules: non-root,
// read-only root filesystem, no privilege escalation, resources bounded,
// secrets only by reference.
func checkPods(t *testing.T, s *stack) {
	for _, p := range s.pods() {
		spec := &p.template.Spec
		podNonRoot := spec.SecurityContext != nil && isTrue(spec.SecurityContext.RunAsNonRoot)
		if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
			t.Errorf("%s: automountServiceAccountToken should be false", p.owner)
		}
		for _, c := range allContainers(p.template) {
			where := p.owner + " container " + c.Name
			sc := c.SecurityContext
			if !podNonRoot && (sc == nil || !isTrue(sc.RunAsNonRoot)) {
				t.Errorf("%s: runAsNonRoot not set", where)
			}
			if sc == nil || !isTrue(sc.ReadOnlyRootFilesystem) {
				t.Errorf("%s: readOnlyRootFilesystem not set", where)
			}
			if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				t.Errorf("%s: allowPrivilegeEscalation must be false", where)
			}
			if sc != nil && (sc.Privileged != nil && *sc.Privileged) {
				t.Errorf("%s: privileged", where)
			}
			if sc == nil || sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) != 0 {
				t.Errorf("%s: capabilities must drop ALL and add none", where)
			}
			checkResources(t, where, c.Resources)
			if c.Image == "" || strings.HasSuffix(c.Image, ":latest") || !strings.Contains(c.Image, ":") {
				t.Errorf("%s: image %q must carry a tag other than latest", where, c.Image)
			}
			for _, e := range c.Env {
				checkEnvVar(t, where, e)
			}
			for _, e := range c.EnvFrom {
				if e.SecretRef != nil {
					checkSecretRef(t, where+" envFrom", e.SecretRef.Name)
				}
			}
		}
		for _, v := range spec.Volumes {
			if v.Secret != nil {
				checkSecretRef(t, p.owner+" volume "+v.Name, v.Secret.SecretName, secretItemKeys(v.Secret.Items)...)
			}
			if v.HostPath != nil {
				t.Errorf("%s: hostPath volume %q", p.owner, v.Name)
			}
		}
	}
}

func checkResources(t *testing.T, where string, r corev1.ResourceRequirements) {
	t.Helper()
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, okReq := r.Requests[name]
		lim, okLim := r.Limits[name]
		if !okReq || !okLim || req.IsZero() || lim.IsZero() {
			t.Errorf("%s: %s request and limit both required, have %v / %v", where, name, r.Requests, r.Limits)
			continue
		}
		if req.Cmp(lim) > 0 {
			t.Errorf("%s: %s request %s above limit %s", where, name, req.String(), lim.String())
		}
	}
}
