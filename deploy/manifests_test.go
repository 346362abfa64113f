package deploy

// Offline checks of the deployment files: the Kubernetes manifests under
// ../k8s (rendered with kustomize's krusty API and strictly decoded into
// their k8s.io/api types), compose.yaml (loaded with compose-go) and the
// Dockerfile. Nothing here talks to a cluster, a Docker daemon or the network.

import (
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

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
	// authConfigMap is created per installation: the OIDC provider's
	// TUIJIN_AUTH_ISSUER and TUIJIN_AUTH_JWKS_URL, hosts the repo never names.
	authConfigMap = "tuijin-auth"
	mongoSecret   = "tuijin-mongo"
	natsSecret    = "tuijin-nats"
	// portalSecret is created per installation: the portal's keys.
	portalSecret = "tuijin-portal"
	natsURL      = "nats://nats:4222"
)

// mongoSecretKeys are the keys of the tuijin-mongo Secret documented in
// k8s/base/mongodb.yaml; every reference to the Secret must use one of them.
var mongoSecretKeys = []string{"root-username", "root-password", "keyfile", "uri"}

// portalSecretKeys are the keys of the tuijin-portal Secret documented in
// k8s/base/services/portal.yaml.
var portalSecretKeys = []string{"TUIJIN_CSRF_SECRET", "TUIJIN_AUTH_CLIENT_SECRET"}

// ---------------------------------------------------------------------------
// Strict decoding

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
	hpaMin, hpaMax   int32  // bounds of every service's HorizontalPodAutoscaler
	// strictSpread: NATS and MongoDB pods must each be on their own node
	// (whenUnsatisfiable DoNotSchedule), as a quorum of 3 needs.
	strictSpread bool
}

func TestKustomizeBase(t *testing.T) {
	checkRendered(t, "../k8s/base", expect{
		serviceReplicas: 2, natsReplicas: 3, mongoReplicas: 3, streamReplicas: "3",
		hpaMin: 2, hpaMax: 6,
	})
}

func TestKustomizeOverlayLocal(t *testing.T) {
	checkRendered(t, "../k8s/overlays/local", expect{
		namespace:       "tuijin-local",
		serviceReplicas: 1, natsReplicas: 1, mongoReplicas: 1, streamReplicas: "1",
		storageAtMostGiB: 2, hpaMin: 1, hpaMax: 2,
	})
}

func TestKustomizeOverlayProduction(t *testing.T) {
	checkRendered(t, "../k8s/overlays/production", expect{
		namespace:       "tuijin",
		serviceReplicas: 3, natsReplicas: 3, mongoReplicas: 3, streamReplicas: "3",
		hpaMin: 3, hpaMax: 10, strictSpread: true,
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
		// No other Deployment than the five services and the portal.
		for name := range s.deployments {
			if name != portalName && !slices.ContainsFunc(services, func(v service) bool { return v.name == name }) {
				t.Errorf("unexpected Deployment %q", name)
			}
		}
	})
	t.Run("portal", func(t *testing.T) { checkPortal(t, s, want) })
	t.Run("portal ingress", func(t *testing.T) { checkPortalIngress(t, s) })
	t.Run("provisioning", func(t *testing.T) { checkProvisioning(t, s, want) })
	t.Run("common config", func(t *testing.T) { checkCommonConfig(t, s, want) })
	t.Run("organisation", func(t *testing.T) { checkOrganisation(t, s) })
	t.Run("pods", func(t *testing.T) { checkPods(t, s) })
	t.Run("nats", func(t *testing.T) { checkNATS(t, s, want) })
	t.Run("mongodb", func(t *testing.T) { checkMongo(t, s, want) })
	t.Run("statefulsets", func(t *testing.T) { checkStatefulSets(t, s, want) })
	t.Run("disruption budgets", func(t *testing.T) { checkPDBs(t, s) })
	t.Run("disruption budget per workload", func(t *testing.T) { checkPDBCoverage(t, s) })
	t.Run("autoscalers", func(t *testing.T) { checkHPAs(t, s, want) })
	t.Run("spread", func(t *testing.T) { checkSpread(t, s, want) })
	t.Run("network policies", func(t *testing.T) { checkNetworkPolicies(t, s) })
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
	hpas         map[string]*autoscalingv2.HorizontalPodAutoscaler
	netpols      map[string]*networkingv1.NetworkPolicy
	ingresses    map[string]*networkingv1.Ingress
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
		hpas:         map[string]*autoscalingv2.HorizontalPodAutoscaler{},
		netpols:      map[string]*networkingv1.NetworkPolicy{},
		ingresses:    map[string]*networkingv1.Ingress{},
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
		case *autoscalingv2.HorizontalPodAutoscaler:
			s.hpas[o.name] = v
		case *networkingv1.NetworkPolicy:
			s.netpols[o.name] = v
		case *networkingv1.Ingress:
			s.ingresses[o.name] = v
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
