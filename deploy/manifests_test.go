package deploy

// Offline checks of the deployment files: the Kubernetes manifests under
// ../k8s (rendered with kustomize's krusty API and strictly decoded into
// their k8s.io/api types), compose.yaml (loaded with compose-go) and the
// Dockerfile. Nothing here talks to a cluster, a Docker daemon or the network.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/tuijin/tuijin/deploy/grafana"
)

// service is one Tuijin service as the manifests must deploy it.
type service struct {
	name     string
	port     int32
	database string
}

var services = []service{
	{"intake", 8081, "tuijin_intake"},
	{"ledger", 8082, "tuijin_ledger"},
	{"deadline", 8083, "tuijin_deadline"},
	{"coordination-meeting", 8084, "tuijin_meeting"},
	{"notification", 8085, "tuijin_notification"},
}

const (
	commonConfigMap = "tuijin-common"
	mongoSecret     = "tuijin-mongo"
	natsURL         = "nats://nats:4222"
)

// mongoSecretKeys are the keys of the tuijin-mongo Secret documented in
// k8s/base/mongodb.yaml; every reference to the Secret must use one of them.
var mongoSecretKeys = []string{"root-username", "root-password", "keyfile", "uri"}

// ---------------------------------------------------------------------------
// Strict decoding

// object is one decoded manifest: its kind and its typed value.
type object struct {
	gvk       schema.GroupVersionKind
	name      string
	namespace string
	obj       any
}

func (o object) String() string { return o.gvk.Kind + "/" + o.name }

// knownKinds maps each kind the manifests may contain to its k8s.io/api type.
// Anything else, a Secret above all, is rejected.
var knownKinds = map[schema.GroupVersionKind]func() any{
	{Group: "", Version: "v1", Kind: "ConfigMap"}:                 func() any { return &corev1.ConfigMap{} },
	{Group: "", Version: "v1", Kind: "Service"}:                   func() any { return &corev1.Service{} },
	{Group: "", Version: "v1", Kind: "Namespace"}:                 func() any { return &corev1.Namespace{} },
	{Group: "apps", Version: "v1", Kind: "Deployment"}:            func() any { return &appsv1.Deployment{} },
	{Group: "apps", Version: "v1", Kind: "StatefulSet"}:           func() any { return &appsv1.StatefulSet{} },
	{Group: "batch", Version: "v1", Kind: "Job"}:                  func() any { return &batchv1.Job{} },
	{Group: "policy", Version: "v1", Kind: "PodDisruptionBudget"}: func() any { return &policyv1.PodDisruptionBudget{} },
}

// decodeStrict decodes a multi-document YAML stream into typed objects. A
// document of an unknown kind, with a field its type does not have (compared
// case-sensitively), with a duplicate field or with a value of the wrong type
// is an error.
func decodeStrict(data []byte) ([]object, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []object
	for i := 0; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		js, err := yaml.YAMLToJSONStrict(doc)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if s := strings.TrimSpace(string(js)); s == "null" || s == "" {
			continue // empty document or comments only
		}
		var tm metav1.TypeMeta
		if err := json.Unmarshal(js, &tm); err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		gvk := schema.FromAPIVersionAndKind(tm.APIVersion, tm.Kind)
		newObj, ok := knownKinds[gvk]
		if !ok {
			return nil, fmt.Errorf("document %d: unexpected kind %q (apiVersion %q)", i, tm.Kind, tm.APIVersion)
		}
		obj := newObj()
		strictErrs, err := sigsjson.UnmarshalStrict(js, obj)
		if err != nil {
			return nil, fmt.Errorf("document %d (%s): %w", i, tm.Kind, err)
		}
		if len(strictErrs) > 0 {
			return nil, fmt.Errorf("document %d (%s): %w", i, tm.Kind, errors.Join(strictErrs...))
		}
		meta, ok := obj.(metav1.Object)
		if !ok {
			return nil, fmt.Errorf("document %d: %T has no object metadata", i, obj)
		}
		if meta.GetName() == "" {
			return nil, fmt.Errorf("document %d (%s): no metadata.name", i, tm.Kind)
		}
		objs = append(objs, object{gvk: gvk, name: meta.GetName(), namespace: meta.GetNamespace(), obj: obj})
	}
}

func TestStrictDecoderRejects(t *testing.T) {
	const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: x
spec:
  %s
  selector:
    matchLabels: {app: x}
  template:
    metadata:
      labels: {app: x}
    spec:
      containers:
        - name: x
          image: x
          %s
`
	cases := []struct {
		name, yaml, want string
	}{
		{"unknown field", fmt.Sprintf(deployment, "replicaz: 2", ""), `unknown field "spec.replicaz"`},
		{"field in the wrong case", fmt.Sprintf(deployment, "replicas: 2", "livenessProbe: {httpget: {path: /healthz, port: 8081}}"), "httpget"},
		{"duplicate field", fmt.Sprintf(deployment, "replicas: 2\n  replicas: 3", ""), "replicas"},
		{"wrong type", fmt.Sprintf(deployment, `replicas: "two"`, ""), "replicas"},
		{"unknown kind", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n", `unexpected kind "Widget"`},
		{"secret", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {password: hunter2}\n", `unexpected kind "Secret"`},
		{"second document", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad}\ndatta: {}\n", `unknown field "datta"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodeStrict([]byte(c.yaml))
			if err == nil {
				t.Fatalf("decodeStrict accepted:\n%s", c.yaml)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}

	// The same Deployment without the mistake decodes.
	objs, err := decodeStrict([]byte(fmt.Sprintf(deployment, "replicas: 2", "livenessProbe: {httpGet: {path: /healthz, port: 8081}}")))
	if err != nil {
		t.Fatalf("valid Deployment rejected: %v", err)
	}
	if len(objs) != 1 || *objs[0].obj.(*appsv1.Deployment).Spec.Replicas != 2 {
		t.Fatalf("decoded %v", objs)
	}
}

// ---------------------------------------------------------------------------
// Kustomize

// render builds a kustomization directory with krusty, as `kustomize build` does.
func render(t *testing.T, dir string) []byte {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	out, err := m.AsYaml()
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	return out
}

// expect is what a rendered kustomization must contain.
type expect struct {
	namespace        string // "" for the base: no namespace set
	serviceReplicas  int32
	natsReplicas     int32
	mongoReplicas    int32
	streamReplicas   string // TUIJIN_NATS_REPLICAS
	storageAtMostGiB int64  // upper bound of each PVC template, 0: any
}

func TestKustomizeBase(t *testing.T) {
	checkRendered(t, "../k8s/base", expect{
		serviceReplicas: 2, natsReplicas: 3, mongoReplicas: 3, streamReplicas: "3",
	})
}

func TestKustomizeOverlayLocal(t *testing.T) {
	checkRendered(t, "../k8s/overlays/local", expect{
		namespace:       "tuijin-local",
		serviceReplicas: 1, natsReplicas: 1, mongoReplicas: 1, streamReplicas: "1",
		storageAtMostGiB: 2,
	})
}

func checkRendered(t *testing.T, dir string, want expect) {
	out := render(t, dir)
	objs, err := decodeStrict(out)
	if err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	if len(objs) == 0 {
		t.Fatalf("%s rendered nothing", dir)
	}
	s := newStack(t, objs)

	checkNoLiteralSecrets(t, out)
	checkHosts(t, out)
	checkNamespace(t, s, want.namespace)

	t.Run("services", func(t *testing.T) {
		for _, svc := range services {
			t.Run(svc.name, func(t *testing.T) { checkService(t, s, svc, want) })
		}
		// No other Deployment than the five services.
		for name := range s.deployments {
			if !slices.ContainsFunc(services, func(v service) bool { return v.name == name }) {
				t.Errorf("unexpected Deployment %q", name)
			}
		}
	})
	t.Run("common config", func(t *testing.T) { checkCommonConfig(t, s, want) })
	t.Run("pods", func(t *testing.T) { checkPods(t, s) })
	t.Run("nats", func(t *testing.T) { checkNATS(t, s, want) })
	t.Run("mongodb", func(t *testing.T) { checkMongo(t, s, want) })
	t.Run("statefulsets", func(t *testing.T) { checkStatefulSets(t, s, want) })
	t.Run("disruption budgets", func(t *testing.T) { checkPDBs(t, s) })
	t.Run("grafana dashboard", func(t *testing.T) { checkDashboard(t, s) })
}

// checkDashboard finds the operations dashboard in a ConfigMap labelled for
// Grafana's dashboard sidecar, holding exactly what deploy/grafana builds.
func checkDashboard(t *testing.T, s *stack) {
	cm, ok := s.configMaps["tuijin-grafana-dashboards"]
	if !ok {
		t.Fatal("no ConfigMap tuijin-grafana-dashboards")
	}
	if cm.Labels["grafana_dashboard"] != "1" {
		t.Errorf("labels %v lack grafana_dashboard=1", cm.Labels)
	}
	want, err := grafana.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if got := cm.Data["tuijin-operations.json"]; got != string(want) {
		t.Errorf("the ConfigMap's tuijin-operations.json (%d bytes) is not the generated dashboard (%d bytes): run make dashboards", len(got), len(want))
	}
}

// stack indexes the decoded objects by kind and name.
type stack struct {
	objs         []object
	deployments  map[string]*appsv1.Deployment
	statefulSets map[string]*appsv1.StatefulSet
	jobs         map[string]*batchv1.Job
	services     map[string]*corev1.Service
	configMaps   map[string]*corev1.ConfigMap
	namespaces   map[string]*corev1.Namespace
	pdbs         map[string]*policyv1.PodDisruptionBudget
}

func newStack(t *testing.T, objs []object) *stack {
	t.Helper()
	s := &stack{
		objs:         objs,
		deployments:  map[string]*appsv1.Deployment{},
		statefulSets: map[string]*appsv1.StatefulSet{},
		jobs:         map[string]*batchv1.Job{},
		services:     map[string]*corev1.Service{},
		configMaps:   map[string]*corev1.ConfigMap{},
		namespaces:   map[string]*corev1.Namespace{},
		pdbs:         map[string]*policyv1.PodDisruptionBudget{},
	}
	seen := map[string]bool{}
	for _, o := range objs {
		key := o.gvk.String() + " " + o.namespace + "/" + o.name
		if seen[key] {
			t.Errorf("duplicate object %s", key)
		}
		seen[key] = true
		switch v := o.obj.(type) {
		case *appsv1.Deployment:
			s.deployments[o.name] = v
		case *appsv1.StatefulSet:
			s.statefulSets[o.name] = v
		case *batchv1.Job:
			s.jobs[o.name] = v
		case *corev1.Service:
			s.services[o.name] = v
		case *corev1.ConfigMap:
			s.configMaps[o.name] = v
		case *corev1.Namespace:
			s.namespaces[o.name] = v
		case *policyv1.PodDisruptionBudget:
			s.pdbs[o.name] = v
		default:
			t.Fatalf("no index for %T", v)
		}
	}
	return s
}

// pod is a pod template of a workload, named for messages.
type pod struct {
	owner    string
	template *corev1.PodTemplateSpec
}

func (s *stack) pods() []pod {
	var ps []pod
	for _, o := range s.objs {
		switch v := o.obj.(type) {
		case *appsv1.Deployment:
			ps = append(ps, pod{o.String(), &v.Spec.Template})
		case *appsv1.StatefulSet:
			ps = append(ps, pod{o.String(), &v.Spec.Template})
		case *batchv1.Job:
			ps = append(ps, pod{o.String(), &v.Spec.Template})
		}
	}
	return ps
}

func checkNamespace(t *testing.T, s *stack, ns string) {
	t.Helper()
	if ns == "" {
		if len(s.namespaces) != 0 {
			t.Errorf("base renders Namespaces %v", keys(s.namespaces))
		}
		for _, o := range s.objs {
			if o.namespace != "" {
				t.Errorf("%s has namespace %q in the base", o, o.namespace)
			}
		}
		return
	}
	if _, ok := s.namespaces[ns]; !ok || len(s.namespaces) != 1 {
		t.Errorf("want exactly the Namespace %q, have %v", ns, keys(s.namespaces))
	}
	for _, o := range s.objs {
		if o.gvk.Kind != "Namespace" && o.namespace != ns {
			t.Errorf("%s is in namespace %q, want %q", o, o.namespace, ns)
		}
	}
}

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
	if !slices.ContainsFunc(c.EnvFrom, func(e corev1.EnvFromSource) bool {
		return e.ConfigMapRef != nil && e.ConfigMapRef.Name == commonConfigMap
	}) {
		t.Errorf("no envFrom ConfigMap %s", commonConfigMap)
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
	// Every referenced ConfigMap exists.
	for _, p := range s.pods() {
		for _, c := range allContainers(p.template) {
			for _, e := range c.EnvFrom {
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
			checkResources(t, where, c.Resources)
			if c.Image == "" || strings.HasSuffix(c.Image, ":latest") || !strings.Contains(c.Image, ":") {
				t.Errorf("%s: image %q must carry a tag other than latest", where, c.Image)
			}
			for _, e := range c.Env {
				checkEnvVar(t, where, e)
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

// secretish names env vars that must never carry a literal value.
var secretish = regexp.MustCompile(`(?i)(passw|secret|token|credential|keyfile|api_?key|_URI$|_USER(NAME)?$)`)

func checkEnvVar(t *testing.T, where string, e corev1.EnvVar) {
	t.Helper()
	if secretish.MatchString(e.Name) {
		if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			t.Errorf("%s: %s must come from a Secret, not a literal", where, e.Name)
			return
		}
	}
	if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
		checkSecretRef(t, where+" env "+e.Name, e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key)
	}
	if credentialURL.MatchString(e.Value) {
		t.Errorf("%s: %s carries credentials: %q", where, e.Name, e.Value)
	}
}

func checkSecretRef(t *testing.T, where, name string, keys ...string) {
	t.Helper()
	if name != mongoSecret {
		t.Errorf("%s: Secret %q is not the documented %q", where, name, mongoSecret)
	}
	for _, k := range keys {
		if !slices.Contains(mongoSecretKeys, k) {
			t.Errorf("%s: key %q of Secret %s is not one of the documented %v", where, k, name, mongoSecretKeys)
		}
	}
}

func secretItemKeys(items []corev1.KeyToPath) []string {
	var ks []string
	for _, it := range items {
		ks = append(ks, it.Key)
	}
	return ks
}

// credentialURL matches user:password@ in a URL.
var credentialURL = regexp.MustCompile(`://[^/\s@:'"]+:[^/\s@'"]*@`)

// literalSecret matches YAML keys whose value would be a secret.
// (a scalar on the same line: a "secret:" volume source is a mapping).
var literalSecret = regexp.MustCompile(`(?im)^[ \t]*-?[ \t]*(password|passwd|secret|token|api_?key)[ \t]*:[ \t]*[^\s{\[]`)

// checkNoLiteralSecrets scans the rendered text itself, whatever the kind.
func checkNoLiteralSecrets(t *testing.T, rendered []byte) {
	t.Helper()
	if m := credentialURL.Find(rendered); m != nil {
		t.Errorf("rendered manifests contain credentials in a URL: %q", m)
	}
	if m := literalSecret.Find(rendered); m != nil {
		t.Errorf("rendered manifests contain a literal secret: %q", m)
	}
	if regexp.MustCompile(`(?m)^kind:\s*Secret\s*$`).Match(rendered) {
		t.Errorf("rendered manifests contain a Secret")
	}
}

// urlHost matches scheme://host in text.
var urlHost = regexp.MustCompile(`[a-z][a-z0-9+.-]*://([^/\s:'"?,\]]+)`)

// checkHosts allows only in-cluster names and wildcard/loopback binds in URLs.
func checkHosts(t *testing.T, rendered []byte) {
	t.Helper()
	allowed := regexp.MustCompile(`^(nats|nats-\d+\.nats-headless|mongodb|mongodb-\d+\.mongodb|0\.0\.0\.0|127\.0\.0\.1)$`)
	for _, m := range urlHost.FindAllSubmatch(rendered, -1) {
		if !allowed.Match(m[1]) {
			t.Errorf("rendered manifests name host %q (%s)", m[1], m[0])
		}
	}
}

func checkNATS(t *testing.T, s *stack, want expect) {
	sts, ok := s.statefulSets["nats"]
	if !ok {
		t.Fatalf("no StatefulSet nats")
	}
	if sts.Spec.Replicas == nil || *sts.Spec.Replicas != want.natsReplicas {
		t.Errorf("nats replicas = %v, want %d", ptrString(sts.Spec.Replicas), want.natsReplicas)
	}
	c := container(t, &sts.Spec.Template, "nats")
	if !strings.HasPrefix(c.Image, "nats:2.11") {
		t.Errorf("nats image %q, want nats:2.11", c.Image)
	}
	if !slices.Contains(c.Args, "/etc/nats/nats.conf") {
		t.Errorf("nats args %v do not load /etc/nats/nats.conf", c.Args)
	}
	if !mountsConfigMap(&sts.Spec.Template, c, "nats-config", "/etc/nats") {
		t.Errorf("nats does not mount ConfigMap nats-config at /etc/nats")
	}
	for _, p := range []struct {
		name string
		port int32
	}{{"client", 4222}, {"cluster", 6222}, {"monitor", 8222}} {
		if got := resolvePort(intstr.FromString(p.name), c); got != p.port {
			t.Errorf("nats port %s = %d, want %d", p.name, got, p.port)
		}
	}
	for what, p := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
		if p == nil || p.HTTPGet == nil || !strings.HasPrefix(p.HTTPGet.Path, "/healthz") || resolvePort(p.HTTPGet.Port, c) != 8222 {
			t.Errorf("nats %s probe %+v, want GET /healthz on 8222", what, p)
		}
	}

	cm, ok := s.configMaps["nats-config"]
	if !ok {
		t.Fatalf("no ConfigMap nats-config")
	}
	conf := cm.Data["nats.conf"]
	if !regexp.MustCompile(`(?m)^\s*jetstream\s*\{`).MatchString(conf) || !strings.Contains(conf, "store_dir: /data") {
		t.Errorf("nats.conf does not enable JetStream on /data:\n%s", conf)
	}
	routes := regexp.MustCompile(`nats://(nats-\d+)\.nats-headless:6222`).FindAllStringSubmatch(conf, -1)
	hasCluster := regexp.MustCompile(`(?m)^\s*cluster\s*\{`).MatchString(conf)
	if want.natsReplicas > 1 {
		if !hasCluster {
			t.Errorf("nats.conf has no cluster block for %d servers", want.natsReplicas)
		}
		var got []string
		for _, r := range routes {
			got = append(got, r[1])
		}
		var wantRoutes []string
		for i := range want.natsReplicas {
			wantRoutes = append(wantRoutes, fmt.Sprintf("nats-%d", i))
		}
		if !slices.Equal(got, wantRoutes) {
			t.Errorf("cluster routes %v, want %v", got, wantRoutes)
		}
	} else if hasCluster || len(routes) > 0 {
		t.Errorf("a single NATS server must run without a cluster block:\n%s", conf)
	}

	// The client Service the services use.
	client, ok := s.services["nats"]
	if !ok || client.Spec.ClusterIP == corev1.ClusterIPNone || !selects(client.Spec.Selector, sts.Spec.Template.Labels) ||
		!slices.ContainsFunc(client.Spec.Ports, func(p corev1.ServicePort) bool { return p.Port == 4222 }) {
		t.Errorf("Service nats must be a ClusterIP Service on 4222 selecting the NATS pods")
	}
}

func checkMongo(t *testing.T, s *stack, want expect) {
	sts, ok := s.statefulSets["mongodb"]
	if !ok {
		t.Fatalf("no StatefulSet mongodb")
	}
	if sts.Spec.Replicas == nil || *sts.Spec.Replicas != want.mongoReplicas {
		t.Errorf("mongodb replicas = %v, want %d", ptrString(sts.Spec.Replicas), want.mongoReplicas)
	}
	if sts.Spec.ServiceName != "mongodb" {
		t.Errorf("mongodb serviceName %q: members are addressed as mongodb-N.mongodb", sts.Spec.ServiceName)
	}
	c := container(t, &sts.Spec.Template, "mongodb")
	if !strings.HasPrefix(c.Image, "mongo:7") {
		t.Errorf("mongodb image %q, want mongo:7", c.Image)
	}
	args := strings.Join(append(slices.Clone(c.Command), c.Args...), " ")
	if !strings.Contains(args, "--replSet rs0") && !strings.Contains(args, "--replSet=rs0") {
		t.Errorf("mongod args %q lack --replSet rs0", args)
	}
	if c.LivenessProbe == nil || c.ReadinessProbe == nil {
		t.Errorf("mongodb needs liveness and readiness probes")
	}

	job, ok := s.jobs["mongodb-rs-init"]
	if !ok {
		t.Fatalf("no Job mongodb-rs-init")
	}
	jc := container(t, &job.Spec.Template, "rs-init")
	if got := envMap(jc.Env)["MONGO_MEMBERS"].Value; got != strconv.Itoa(int(want.mongoReplicas)) {
		t.Errorf("rs-init MONGO_MEMBERS = %q, want %d", got, want.mongoReplicas)
	}
	script := strings.Join(append(slices.Clone(jc.Command), jc.Args...), "\n")
	for _, s := range []string{"rs.initiate", "_id: 'rs0'", "'.mongodb:27017'", "NotYetInitialized"} {
		if !strings.Contains(script, s) {
			t.Errorf("rs-init script lacks %q", s)
		}
	}
	if job.Spec.Template.Labels["app.kubernetes.io/name"] == "mongodb" {
		t.Errorf("the rs-init pod must not carry the mongodb pod labels")
	}
}

// checkStatefulSets: each is governed by a headless Service that selects its
// pods, and keeps its data on PVCs its containers mount.
func checkStatefulSets(t *testing.T, s *stack, want expect) {
	if len(s.statefulSets) != 2 {
		t.Errorf("StatefulSets %v, want nats and mongodb", keys(s.statefulSets))
	}
	for name, sts := range s.statefulSets {
		checkSelector(t, "StatefulSet "+name, sts.Spec.Selector, sts.Spec.Template.Labels)
		hs, ok := s.services[sts.Spec.ServiceName]
		if !ok {
			t.Errorf("StatefulSet %s: serviceName %q has no Service", name, sts.Spec.ServiceName)
		} else {
			if hs.Spec.ClusterIP != corev1.ClusterIPNone {
				t.Errorf("StatefulSet %s: Service %s is not headless", name, hs.Name)
			}
			if !hs.Spec.PublishNotReadyAddresses {
				t.Errorf("StatefulSet %s: Service %s must publish not-ready addresses for peer discovery", name, hs.Name)
			}
			if !selects(hs.Spec.Selector, sts.Spec.Template.Labels) {
				t.Errorf("StatefulSet %s: Service %s does not select its pods", name, hs.Name)
			}
		}
		if len(sts.Spec.VolumeClaimTemplates) == 0 {
			t.Errorf("StatefulSet %s has no volumeClaimTemplates", name)
		}
		for _, pvc := range sts.Spec.VolumeClaimTemplates {
			size, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
			if !ok || size.IsZero() {
				t.Errorf("StatefulSet %s: PVC %s has no storage request", name, pvc.Name)
			}
			if want.storageAtMostGiB > 0 && size.Cmp(resource.MustParse(fmt.Sprintf("%dGi", want.storageAtMostGiB))) > 0 {
				t.Errorf("StatefulSet %s: PVC %s requests %s, want at most %dGi", name, pvc.Name, size.String(), want.storageAtMostGiB)
			}
			mounted := false
			for _, c := range sts.Spec.Template.Spec.Containers {
				for _, m := range c.VolumeMounts {
					mounted = mounted || m.Name == pvc.Name
				}
			}
			if !mounted {
				t.Errorf("StatefulSet %s: PVC %s is not mounted", name, pvc.Name)
			}
		}
	}
}

func checkPDBs(t *testing.T, s *stack) {
	for name, pdb := range s.pdbs {
		matched := false
		for _, p := range s.pods() {
			if strings.HasPrefix(p.owner, "Job/") {
				continue
			}
			if pdb.Spec.Selector != nil && selects(pdb.Spec.Selector.MatchLabels, p.template.Labels) {
				matched = true
			}
		}
		if !matched {
			t.Errorf("PodDisruptionBudget %s selects no workload", name)
		}
		// minAvailable would block every drain of a one-replica overlay.
		if pdb.Spec.MinAvailable != nil {
			t.Errorf("PodDisruptionBudget %s: use maxUnavailable", name)
		}
	}
}

// ---------------------------------------------------------------------------
// Compose

func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	wd, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cli.NewProjectOptions([]string{"compose.yaml"},
		cli.WithWorkingDirectory(wd),
		cli.WithEnv(nil), // not the caller's environment: the defaults in the file
		cli.WithName("tuijin"),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("load compose.yaml: %v", err)
	}
	return p
}

// TestComposeMonitoring checks the operations part of the compose stack:
// Prometheus scrapes every service on its port, and Grafana is provisioned
// with that Prometheus and with the generated operations dashboard from
// files that exist.
func TestComposeMonitoring(t *testing.T) {
	p := loadCompose(t)

	var prom struct {
		ScrapeConfigs []struct {
			MetricsPath   string `json:"metrics_path"`
			StaticConfigs []struct {
				Targets []string `json:"targets"`
			} `json:"static_configs"`
		} `json:"scrape_configs"`
	}
	readYAML(t, "prometheus.yml", &prom)
	var targets []string
	for _, sc := range prom.ScrapeConfigs {
		if sc.MetricsPath != "/metrics" {
			t.Errorf("metrics_path %q", sc.MetricsPath)
		}
		for _, st := range sc.StaticConfigs {
			targets = append(targets, st.Targets...)
		}
	}
	for _, svc := range services {
		if want := fmt.Sprintf("%s:%d", svc.name, svc.port); !slices.Contains(targets, want) {
			t.Errorf("Prometheus does not scrape %s (targets %v)", want, targets)
		}
	}

	mounts := func(name string) map[string]string { // target → source
		sc, err := p.GetService(name)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, v := range sc.Volumes {
			if v.Type == types.VolumeTypeBind {
				if _, err := os.Stat(v.Source); err != nil {
					t.Errorf("%s mounts %s: %v", name, v.Source, err)
				}
				m[v.Target] = v.Source
			}
		}
		return m
	}
	if src := mounts("prometheus")["/etc/prometheus/prometheus.yml"]; filepath.Base(src) != "prometheus.yml" {
		t.Errorf("prometheus config mounted from %q", src)
	}

	g := mounts("grafana")
	var ds struct {
		Datasources []struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		} `json:"datasources"`
	}
	readYAML(t, filepath.Join(g["/etc/grafana/provisioning"], "datasources", "prometheus.yaml"), &ds)
	if len(ds.Datasources) != 1 || ds.Datasources[0].Type != "prometheus" || ds.Datasources[0].URL != "http://prometheus:9090" {
		t.Errorf("grafana datasources %+v", ds.Datasources)
	}
	var providers struct {
		Providers []struct {
			Options struct {
				Path string `json:"path"`
			} `json:"options"`
		} `json:"providers"`
	}
	readYAML(t, filepath.Join(g["/etc/grafana/provisioning"], "dashboards", "tuijin.yaml"), &providers)
	if len(providers.Providers) != 1 {
		t.Fatalf("dashboard providers %+v", providers.Providers)
	}
	dir := g[providers.Providers[0].Options.Path]
	if dir == "" {
		t.Fatalf("the dashboard provider reads %s, which nothing is mounted on", providers.Providers[0].Options.Path)
	}
	got, err := os.ReadFile(filepath.Join(dir, "tuijin-operations.json"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := grafana.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Error("the mounted dashboard is not the generated one: run make dashboards")
	}
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Only the fields the test models are read; the rest of the file is
	// the tool's own.
	if err := yaml.Unmarshal(raw, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestCompose(t *testing.T) {
	p := loadCompose(t)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dockerfile, err := filepath.Abs("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}

	wantNames := []string{"nats", "mongodb", "prometheus", "grafana"}
	for _, svc := range services {
		wantNames = append(wantNames, svc.name)
	}
	slices.Sort(wantNames)
	if got := p.ServiceNames(); !slices.Equal(sorted(got), wantNames) {
		t.Errorf("compose services %v, want %v", sorted(got), wantNames)
	}

	// Every published port is on loopback only.
	for name, sc := range p.Services {
		for _, port := range sc.Ports {
			if port.HostIP != "127.0.0.1" {
				t.Errorf("%s publishes %s:%d on %q, want 127.0.0.1", name, port.Published, port.Target, port.HostIP)
			}
		}
		for _, v := range sc.Environment {
			if v != nil && credentialURL.MatchString(*v) {
				t.Errorf("%s: credentials in environment value %q", name, *v)
			}
		}
	}

	for _, svc := range services {
		t.Run(svc.name, func(t *testing.T) {
			sc, err := p.GetService(svc.name)
			if err != nil {
				t.Fatal(err)
			}
			if sc.Build == nil {
				t.Fatalf("no build section")
			}
			if sc.Build.Context != root {
				t.Errorf("build context %q, want the repository root %q", sc.Build.Context, root)
			}
			df := sc.Build.Dockerfile
			if !filepath.IsAbs(df) {
				df = filepath.Join(sc.Build.Context, df)
			}
			if df != dockerfile {
				t.Errorf("dockerfile %q, want %q", df, dockerfile)
			}
			if a := sc.Build.Args["SERVICE"]; a == nil || *a != svc.name {
				t.Errorf("build arg SERVICE = %v, want %q", a, svc.name)
			}
			if len(sc.Ports) != 1 {
				t.Fatalf("ports %+v, want exactly one", sc.Ports)
			}
			port := sc.Ports[0]
			if port.Target != uint32(svc.port) || port.Published != strconv.Itoa(int(svc.port)) || port.HostIP != "127.0.0.1" {
				t.Errorf("port %+v, want 127.0.0.1:%d:%d", port, svc.port, svc.port)
			}
			env := map[string]string{}
			for k, v := range sc.Environment {
				if v != nil {
					env[k] = *v
				}
			}
			for k, v := range map[string]string{
				"TUIJIN_HTTP_ADDR":      fmt.Sprintf("0.0.0.0:%d", svc.port),
				"TUIJIN_MONGO_DATABASE": svc.database,
				"TUIJIN_NATS_URL":       natsURL,
				"TUIJIN_NATS_REPLICAS":  "1",
				"TUIJIN_LOG_LEVEL":      "info",
			} {
				if env[k] != v {
					t.Errorf("%s = %q, want %q", k, env[k], v)
				}
			}
			if u := env["TUIJIN_MONGO_URI"]; !strings.HasPrefix(u, "mongodb://mongodb:27017/") || !strings.Contains(u, "replicaSet=rs0") {
				t.Errorf("TUIJIN_MONGO_URI = %q, want the rs0 replica set on mongodb:27017", u)
			}
			for _, dep := range []string{"nats", "mongodb"} {
				d, ok := sc.DependsOn[dep]
				if !ok || d.Condition != types.ServiceConditionHealthy {
					t.Errorf("depends_on %s = %+v, want condition %s", dep, d, types.ServiceConditionHealthy)
				}
			}
			if !sc.ReadOnly {
				t.Errorf("read_only not set")
			}
		})
	}

	t.Run("mongodb", func(t *testing.T) {
		sc, err := p.GetService("mongodb")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(sc.Image, "mongo:7") {
			t.Errorf("image %q, want mongo:7", sc.Image)
		}
		if cmd := strings.Join(sc.Command, " "); !strings.Contains(cmd, "--replSet rs0") {
			t.Errorf("command %q lacks --replSet rs0", cmd)
		}
		if sc.HealthCheck == nil || !strings.Contains(strings.Join(sc.HealthCheck.Test, " "), "rs.initiate") {
			t.Errorf("healthcheck must initiate rs0: %+v", sc.HealthCheck)
		}
		checkComposePorts(t, sc, 27017)
	})
	t.Run("nats", func(t *testing.T) {
		sc, err := p.GetService("nats")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(sc.Image, "nats:2.11") {
			t.Errorf("image %q, want nats:2.11", sc.Image)
		}
		if cmd := strings.Join(sc.Command, " "); !strings.Contains(cmd, "-js") || !strings.Contains(cmd, "-sd /data") {
			t.Errorf("command %q lacks -js -sd /data", cmd)
		}
		if sc.HealthCheck == nil || len(sc.HealthCheck.Test) == 0 {
			t.Errorf("nats has no healthcheck")
		}
		checkComposePorts(t, sc, 4222)
	})
}

func checkComposePorts(t *testing.T, sc types.ServiceConfig, want uint32) {
	t.Helper()
	if !slices.ContainsFunc(sc.Ports, func(p types.ServicePortConfig) bool {
		return p.Target == want && p.Published == strconv.Itoa(int(want))
	}) {
		t.Errorf("%s does not publish %d: %+v", sc.Name, want, sc.Ports)
	}
}

// ---------------------------------------------------------------------------
// Dockerfile

func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var froms, users []string
	var args []string
	build := ""
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "FROM":
			froms = append(froms, f[1])
		case "USER":
			users = append(users, f[1])
		case "ARG":
			args = append(args, f[1])
		}
		if strings.Contains(line, "go build") {
			build = line
		}
	}
	if len(froms) < 2 || froms[0] != "golang:1.26" {
		t.Errorf("FROM %v: want a golang:1.26 build stage and a runtime stage", froms)
	}
	if !slices.Contains(args, "SERVICE") {
		t.Errorf("no ARG SERVICE")
	}
	if !strings.Contains(build, `-o /out/svc`) || !strings.Contains(build, `./services/${SERVICE}/cmd/${SERVICE}`) {
		t.Errorf("go build line %q must build ./services/${SERVICE}/cmd/${SERVICE} to /out/svc", build)
	}
	if len(users) == 0 || users[len(users)-1] == "0" || strings.HasPrefix(users[len(users)-1], "root") || strings.HasPrefix(users[len(users)-1], "0:") {
		t.Errorf("runtime USER %v must be unprivileged", users)
	}
	if !strings.Contains(string(raw), `ENTRYPOINT ["/svc"]`) {
		t.Errorf(`no ENTRYPOINT ["/svc"]`)
	}
	// Each service the image is built for has its main package where the
	// Dockerfile looks for it.
	for _, svc := range services {
		dir := filepath.Join("..", "services", svc.name, "cmd", svc.name)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			t.Errorf("%s: %v", dir, err)
		}
	}
	// The Dockerfile-specific ignore file keeps what the build needs.
	ignore, err := os.ReadFile("Dockerfile.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(ignore), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, needed := range []string{"go.work", "pkg", "services", "deploy", "proto"} {
			if line == needed || line == needed+"/" || line == "*" || line == "**" {
				t.Errorf("Dockerfile.dockerignore excludes %q, which the build needs", line)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Helpers

func envMap(env []corev1.EnvVar) map[string]corev1.EnvVar {
	m := map[string]corev1.EnvVar{}
	for _, e := range env {
		m[e.Name] = e
	}
	return m
}

func allContainers(tmpl *corev1.PodTemplateSpec) []corev1.Container {
	return append(slices.Clone(tmpl.Spec.InitContainers), tmpl.Spec.Containers...)
}

func container(t *testing.T, tmpl *corev1.PodTemplateSpec, name string) *corev1.Container {
	t.Helper()
	for i := range tmpl.Spec.Containers {
		if tmpl.Spec.Containers[i].Name == name {
			return &tmpl.Spec.Containers[i]
		}
	}
	t.Fatalf("no container %q", name)
	return nil
}

func mountsConfigMap(tmpl *corev1.PodTemplateSpec, c *corev1.Container, cm, path string) bool {
	for _, v := range tmpl.Spec.Volumes {
		if v.ConfigMap == nil || v.ConfigMap.Name != cm {
			continue
		}
		for _, m := range c.VolumeMounts {
			if m.Name == v.Name && m.MountPath == path {
				return true
			}
		}
	}
	return false
}

// checkSelector: a workload's selector is matchLabels only and selects its own pod template.
func checkSelector(t *testing.T, what string, sel *metav1.LabelSelector, podLabels map[string]string) {
	t.Helper()
	if sel == nil || len(sel.MatchLabels) == 0 || len(sel.MatchExpressions) != 0 {
		t.Errorf("%s: want a matchLabels selector, have %+v", what, sel)
		return
	}
	if !selects(sel.MatchLabels, podLabels) {
		t.Errorf("%s: selector %v does not match pod labels %v", what, sel.MatchLabels, podLabels)
	}
}

// selects reports whether a non-empty equality selector matches labels.
func selects(sel, labels map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func isTrue(b *bool) bool { return b != nil && *b }

func ptrString(p *int32) string {
	if p == nil {
		return "<nil>"
	}
	return strconv.Itoa(int(*p))
}

func keys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
