package deploy

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func checkNATS(t *testing.T, s *stack, want expect) {
	sts, ok := s.statefulSets["nats"]
	if !ok {
		t.Fatalf("no StatefulSet nats")
	}
	if sts.Spec.Replicas == nil || *sts.Spec.Replicas != want.natsReplicas {
		t.Errorf("nats replicas = %v, want %d", ptrString(sts.Spec.Replicas), want.natsReplicas)
	}
	c := container(t, &sts.Spec.Template, "nats")
	checkNATSImage(t, c.Image)
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

	// Users and subject permissions: the generated authorization.conf,
	// included by nats.conf, every password a variable from tuijin-nats.
	authCM := ""
	for _, v := range sts.Spec.Template.Spec.Volumes {
		if v.ConfigMap != nil && strings.HasPrefix(v.ConfigMap.Name, "nats-authorization") {
			authCM = v.ConfigMap.Name
		}
	}
	if authCM == "" || !mountsConfigMap(&sts.Spec.Template, c, authCM, "/etc/nats/auth") {
		t.Errorf("nats does not mount ConfigMap nats-authorization at /etc/nats/auth")
	}
	if !strings.Contains(conf, "include ./auth/authorization.conf") {
		t.Errorf("nats.conf does not include ./auth/authorization.conf:\n%s", conf)
	}
	auth := s.configMaps[authCM].Data["authorization.conf"]
	for _, svc := range services {
		if !strings.Contains(auth, fmt.Sprintf("user: %q\n      password: $%s\n", svc.name, natsPasswordKey(svc.name))) {
			t.Errorf("authorization.conf has no user %s with password $%s", svc.name, natsPasswordKey(svc.name))
		}
	}
	if !slices.ContainsFunc(c.EnvFrom, func(e corev1.EnvFromSource) bool {
		return e.SecretRef != nil && e.SecretRef.Name == natsSecret
	}) {
		t.Errorf("nats takes no passwords from Secret %s", natsSecret)
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
	for _, s := range []string{"rs.initiate", "_id: 'rs0'", "'.mongodb:27017'", "NotYetInitialized",
		"setDefaultRWConcern: 1, defaultWriteConcern: { w: 'majority' }"} {
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
