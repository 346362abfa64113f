package deploy

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

const (
	portalName = "portal"
	portalPort = int32(8080)
	// provisioningJob runs tuijin-ops ensure (k8s/base/provisioning.yaml).
	provisioningJob = "tuijin-ops-ensure"
)

// portalServiceURLs are the portal's settings for the five services (the
// meeting service's is TUIJIN_MEETING_URL).
func portalServiceURLs() map[string]string {
	urls := map[string]string{}
	for _, svc := range services {
		name := strings.ToUpper(strings.ReplaceAll(svc.name, "-", "_"))
		if svc.name == "coordination-meeting" {
			name = "MEETING"
		}
		urls["TUIJIN_"+name+"_URL"] = fmt.Sprintf("http://%s:%d", svc.name, svc.port)
	}
	return urls
}

// checkPortal: the portal's Deployment is the services' equal in what the
// cluster needs of it (probes, Service, scraping), reaches each service by
// its Service, takes the provider and its keys from the installation's
// ConfigMap and Secret by name, and touches neither NATS nor MongoDB.
// Its limits, non-root and capabilities are checkPods', its budget
// checkPDBCoverage's, its autoscaler checkHPAs'.
func checkPortal(t *testing.T, s *stack, want expect) {
	d, ok := s.deployments[portalName]
	if !ok {
		t.Fatalf("no Deployment %s", portalName)
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas != want.serviceReplicas {
		t.Errorf("replicas = %v, want %d", ptrString(d.Spec.Replicas), want.serviceReplicas)
	}
	tmpl := &d.Spec.Template
	checkSelector(t, "Deployment "+portalName, d.Spec.Selector, tmpl.Labels)
	if tmpl.Labels["app.kubernetes.io/name"] != portalName || tmpl.Labels["app.kubernetes.io/component"] == "service" {
		t.Errorf("pod labels %v: want app.kubernetes.io/name=portal and not the services' component (their NATS and MongoDB flows)", tmpl.Labels)
	}
	if len(tmpl.Spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(tmpl.Spec.Containers))
	}
	c := &tmpl.Spec.Containers[0]
	if !strings.HasPrefix(c.Image, "tuijin/portal:") {
		t.Errorf("image %q, want tuijin/portal:<tag>", c.Image)
	}
	if got := resolvePort(intstr.FromString("http"), c); got != portalPort {
		t.Errorf("container port http = %d, want %d", got, portalPort)
	}
	env := envMap(c.Env)
	if got := env["TUIJIN_HTTP_ADDR"].Value; got != fmt.Sprintf("0.0.0.0:%d", portalPort) {
		t.Errorf("TUIJIN_HTTP_ADDR = %q, want 0.0.0.0:%d", got, portalPort)
	}
	for name, url := range portalServiceURLs() {
		if got := env[name].Value; got != url {
			t.Errorf("%s = %q, want %q (the service's ClusterIP Service)", name, got, url)
		}
	}
	if got := env["TUIJIN_COOKIE_SECURE"].Value; got != "true" {
		t.Errorf("TUIJIN_COOKIE_SECURE = %q, want true: the ingress terminates TLS, the portal sees plain HTTP", got)
	}
	for _, name := range []string{"TUIJIN_AUTH_ISSUER", "TUIJIN_AUTH_CLIENT_ID", "TUIJIN_AUTH_REDIRECT_URL"} {
		ref := env[name].ValueFrom
		if ref == nil || ref.ConfigMapKeyRef == nil || ref.ConfigMapKeyRef.Name != authConfigMap ||
			ref.ConfigMapKeyRef.Key != name || isTrue(ref.ConfigMapKeyRef.Optional) {
			t.Errorf("%s must come from ConfigMap %s key %s (required), is %+v", name, authConfigMap, name, env[name])
		}
	}
	for _, name := range portalSecretKeys {
		ref := env[name].ValueFrom
		if ref == nil || ref.SecretKeyRef == nil || ref.SecretKeyRef.Name != portalSecret ||
			ref.SecretKeyRef.Key != name || isTrue(ref.SecretKeyRef.Optional) {
			t.Errorf("%s must come from Secret %s key %s (required), is %+v", name, portalSecret, name, env[name])
		}
	}
	for _, e := range c.Env {
		if strings.HasPrefix(e.Name, "TUIJIN_NATS_") || strings.HasPrefix(e.Name, "TUIJIN_MONGO_") {
			t.Errorf("the portal needs neither NATS nor MongoDB, has %s", e.Name)
		}
	}
	if len(c.EnvFrom) != 0 {
		t.Errorf("envFrom %+v: the portal takes each setting by name", c.EnvFrom)
	}

	checkHTTPProbe(t, "liveness", c.LivenessProbe, "/healthz", portalPort, c)
	checkHTTPProbe(t, "readiness", c.ReadinessProbe, "/readyz", portalPort, c)
	if c.StartupProbe != nil {
		checkHTTPProbe(t, "startup", c.StartupProbe, "/healthz", portalPort, c)
	}
	ann := tmpl.Annotations
	if ann["prometheus.io/scrape"] != "true" || ann["prometheus.io/path"] != "/metrics" ||
		ann["prometheus.io/port"] != strconv.Itoa(int(portalPort)) {
		t.Errorf("prometheus annotations %v, want scrape=true path=/metrics port=%d", ann, portalPort)
	}

	svc, ok := s.services[portalName]
	if !ok {
		t.Fatalf("no Service %s", portalName)
	}
	if svc.Spec.ClusterIP == corev1.ClusterIPNone || !selects(svc.Spec.Selector, tmpl.Labels) ||
		!slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool {
			return p.Port == portalPort && resolvePort(p.TargetPort, c) == portalPort
		}) {
		t.Errorf("Service %s must be a ClusterIP Service on %d selecting the portal's pods, is %+v", portalName, portalPort, svc.Spec)
	}
}

// checkPortalIngress: the portal, and only the portal, is published, on
// every path; the host is the installation's (no host in the repository).
func checkPortalIngress(t *testing.T, s *stack) {
	ing, ok := s.ingresses[portalName]
	if !ok {
		t.Fatalf("no Ingress %s", portalName)
	}
	if len(s.ingresses) != 1 {
		t.Errorf("Ingresses %v: only the portal is published", keys(s.ingresses))
	}
	if ing.Spec.IngressClassName == nil || *ing.Spec.IngressClassName != "nginx" {
		t.Errorf("ingressClassName %v, want nginx (the controller the NetworkPolicies admit)", ing.Spec.IngressClassName)
	}
	root := false
	for _, r := range ing.Spec.Rules {
		if r.Host != "" {
			t.Errorf("Ingress host %q: hosts are the installation's", r.Host)
		}
		if r.HTTP == nil {
			continue
		}
		for _, p := range r.HTTP.Paths {
			b := p.Backend.Service
			if b == nil || b.Name != portalName || (b.Port.Number != portalPort && b.Port.Name != "http") {
				t.Errorf("Ingress path %s goes to %+v, want Service %s port %d", p.Path, p.Backend, portalName, portalPort)
			}
			root = root || p.Path == "/"
		}
	}
	if !root {
		t.Errorf("Ingress %s publishes no path /", portalName)
	}
}

// checkProvisioning: the Job runs tuijin-ops ensure as the operations user
// with the overlay's stream replicas, from its own image, non-root, and is
// restarted until NATS answers.
func checkProvisioning(t *testing.T, s *stack, want expect) {
	job, ok := s.jobs[provisioningJob]
	if !ok {
		t.Fatalf("no Job %s", provisioningJob)
	}
	tmpl := &job.Spec.Template
	if tmpl.Labels["app.kubernetes.io/component"] != "operations" {
		t.Errorf("pod labels %v: want app.kubernetes.io/component=operations (the NetworkPolicies' NATS client)", tmpl.Labels)
	}
	sc := tmpl.Spec.SecurityContext
	if sc == nil || !isTrue(sc.RunAsNonRoot) || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
		t.Errorf("pod securityContext %+v: want runAsNonRoot and a non-zero runAsUser", sc)
	}
	if p := tmpl.Spec.RestartPolicy; p != corev1.RestartPolicyOnFailure && p != corev1.RestartPolicyNever {
		t.Errorf("restartPolicy %q", p)
	}
	// NATS may start after the Job: failures must be retried for minutes.
	if job.Spec.BackoffLimit == nil || *job.Spec.BackoffLimit < 10 {
		t.Errorf("backoffLimit %s, want 10 or more (NATS may not be up yet)", ptrString(job.Spec.BackoffLimit))
	}
	// A finished Job deletes itself, so the next apply provisions again.
	if job.Spec.TTLSecondsAfterFinished == nil {
		t.Errorf("no ttlSecondsAfterFinished: a finished Job would block the next apply's")
	}
	if len(tmpl.Spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(tmpl.Spec.Containers))
	}
	c := &tmpl.Spec.Containers[0]
	if !strings.HasPrefix(c.Image, "tuijin/tuijin-ops:") {
		t.Errorf("image %q, want tuijin/tuijin-ops:<tag>", c.Image)
	}
	if len(c.Command) != 0 {
		t.Errorf("command %q replaces the image's entrypoint (/svc, tuijin-ops)", c.Command)
	}
	args, err := expandArgs(s, c)
	if err != nil {
		t.Fatal(err)
	}
	// tuijin-ops [connection flags] ensure [flags]
	cmd := slices.IndexFunc(args, func(a string) bool { return !strings.HasPrefix(a, "-") })
	if cmd < 0 || args[cmd] != "ensure" {
		t.Fatalf("args %q (expanded) do not run tuijin-ops ensure", args)
	}
	if !slices.Contains(args[:cmd], "--nats-user=operations") {
		t.Errorf("args %q do not log in as the NATS operations user", args)
	}
	var got []string
	for _, a := range args[cmd+1:] {
		if v, ok := strings.CutPrefix(a, "--replicas="); ok {
			got = append(got, v)
		}
	}
	if !slices.Equal(got, []string{want.streamReplicas}) {
		t.Errorf("args %q (expanded): --replicas %q, want %s (TUIJIN_NATS_REPLICAS)", args, got, want.streamReplicas)
	}
	if got, err := envValue(s, c, "TUIJIN_NATS_URL"); err != nil || got != natsURL {
		t.Errorf("TUIJIN_NATS_URL = %q (%v), want %s", got, err, natsURL)
	}
	pw := envMap(c.Env)["TUIJIN_NATS_PASSWORD"]
	if pw.ValueFrom == nil || pw.ValueFrom.SecretKeyRef == nil || pw.ValueFrom.SecretKeyRef.Name != natsSecret ||
		pw.ValueFrom.SecretKeyRef.Key != natsPasswordKey("operations") {
		t.Errorf("TUIJIN_NATS_PASSWORD must come from Secret %s key %s, is %+v", natsSecret, natsPasswordKey("operations"), pw)
	}
	// The operations user is one NATS knows, with that password.
	auth := ""
	for name, cm := range s.configMaps {
		if strings.HasPrefix(name, "nats-authorization") {
			auth = cm.Data["authorization.conf"]
		}
	}
	if !strings.Contains(auth, fmt.Sprintf("user: %q\n      password: $%s\n", "operations", natsPasswordKey("operations"))) {
		t.Errorf("authorization.conf has no user operations with password $%s", natsPasswordKey("operations"))
	}
}

// envRef matches a Kubernetes $(VAR) reference in a container's args.
var envRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// expandArgs expands $(VAR) in c's args as the kubelet does, from the
// container's env and envFrom as rendered; a reference it cannot resolve
// (which the kubelet would pass on literally) is an error.
func expandArgs(s *stack, c *corev1.Container) ([]string, error) {
	var out []string
	for _, a := range c.Args {
		var err error
		out = append(out, envRef.ReplaceAllStringFunc(a, func(ref string) string {
			v, e := envValue(s, c, envRef.FindStringSubmatch(ref)[1])
			if e != nil {
				err = fmt.Errorf("arg %q: %w", a, e)
			}
			return v
		}))
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// envValue is the value c's variable name has from a literal or a rendered
// ConfigMap (env first, as the kubelet gives env precedence over envFrom).
func envValue(s *stack, c *corev1.Container, name string) (string, error) {
	if e, ok := envMap(c.Env)[name]; ok {
		switch {
		case e.ValueFrom == nil:
			return e.Value, nil
		case e.ValueFrom.ConfigMapKeyRef != nil:
			cm := s.configMaps[e.ValueFrom.ConfigMapKeyRef.Name]
			if cm == nil {
				return "", fmt.Errorf("%s: no ConfigMap %s", name, e.ValueFrom.ConfigMapKeyRef.Name)
			}
			v, ok := cm.Data[e.ValueFrom.ConfigMapKeyRef.Key]
			if !ok {
				return "", fmt.Errorf("%s: ConfigMap %s has no key %s", name, cm.Name, e.ValueFrom.ConfigMapKeyRef.Key)
			}
			return v, nil
		default:
			return "", fmt.Errorf("%s comes from neither a literal nor a ConfigMap", name)
		}
	}
	// Of several envFrom sources, the last one setting name wins.
	for _, ef := range slices.Backward(c.EnvFrom) {
		if ef.ConfigMapRef == nil {
			continue
		}
		if cm := s.configMaps[ef.ConfigMapRef.Name]; cm != nil {
			if v, ok := cm.Data[strings.TrimPrefix(name, ef.Prefix)]; ok && strings.HasPrefix(name, ef.Prefix) {
				return v, nil
			}
		}
	}
	return "", fmt.Errorf("%s is not set", name)
}
