package deploy

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
)

// workloads are the pod templates that run for good (Jobs finish).
func (s *stack) workloads() []pod {
	var ws []pod
	for _, p := range s.pods() {
		if !strings.HasPrefix(p.owner, "Job/") {
			ws = append(ws, p)
		}
	}
	return ws
}

// checkPDBCoverage: every Deployment and StatefulSet is covered by exactly
// one PodDisruptionBudget (two would make drains unpredictable).
func checkPDBCoverage(t *testing.T, s *stack) {
	for _, w := range s.workloads() {
		var by []string
		for name, pdb := range s.pdbs {
			if pdb.Spec.Selector != nil && selects(pdb.Spec.Selector.MatchLabels, w.template.Labels) {
				by = append(by, name)
			}
		}
		if len(by) != 1 {
			t.Errorf("%s: covered by PodDisruptionBudgets %v, want exactly one", w.owner, sorted(by))
		}
	}
}

// checkHPAs: each service's Deployment and the portal's scale on CPU within
// the overlay's bounds; nothing else is autoscaled (NATS and MongoDB hold
// quorums).
func checkHPAs(t *testing.T, s *stack, want expect) {
	targets := map[string]string{}
	for name, h := range s.hpas {
		ref := h.Spec.ScaleTargetRef
		if ref.Kind != "Deployment" || ref.APIVersion != "apps/v1" {
			t.Errorf("HPA %s scales %s %s: only the services' Deployments scale", name, ref.APIVersion, ref.Kind)
			continue
		}
		if prev, ok := targets[ref.Name]; ok {
			t.Errorf("Deployment %s scaled by HPAs %s and %s", ref.Name, prev, name)
		}
		targets[ref.Name] = name
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas != want.hpaMin || h.Spec.MaxReplicas != want.hpaMax {
			t.Errorf("HPA %s bounds %s..%d, want %d..%d", name, ptrString(h.Spec.MinReplicas), h.Spec.MaxReplicas, want.hpaMin, want.hpaMax)
		}
		if !scalesOnCPU(h) {
			t.Errorf("HPA %s: want a Resource metric on cpu with a target utilization, have %+v", name, h.Spec.Metrics)
		}
	}
	for _, dep := range scaledDeployments() {
		name, ok := targets[dep]
		if !ok {
			t.Errorf("Deployment %s has no HorizontalPodAutoscaler", dep)
			continue
		}
		d := s.deployments[dep]
		if d == nil {
			continue
		}
		if r := d.Spec.Replicas; r == nil || *r < want.hpaMin || *r > want.hpaMax {
			t.Errorf("Deployment %s: replicas %s outside HPA %s's %d..%d", dep, ptrString(r), name, want.hpaMin, want.hpaMax)
		}
		// Utilization is relative to the request: every container needs one.
		for _, c := range d.Spec.Template.Spec.Containers {
			if q, ok := c.Resources.Requests[corev1.ResourceCPU]; !ok || q.IsZero() {
				t.Errorf("Deployment %s container %s: no cpu request for the HPA to measure against", dep, c.Name)
			}
		}
	}
	for name := range targets {
		if s.deployments[name] == nil {
			t.Errorf("an HPA scales Deployment %s, which does not exist", name)
		}
	}
}

// scaledDeployments are the Deployments that scale on CPU: the five
// services and the portal, all stateless.
func scaledDeployments() []string {
	names := []string{portalName}
	for _, svc := range services {
		names = append(names, svc.name)
	}
	return names
}

func scalesOnCPU(h *autoscalingv2.HorizontalPodAutoscaler) bool {
	for _, m := range h.Spec.Metrics {
		if m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil && m.Resource.Name == corev1.ResourceCPU &&
			m.Resource.Target.Type == autoscalingv2.UtilizationMetricType &&
			m.Resource.Target.AverageUtilization != nil && *m.Resource.Target.AverageUtilization > 0 &&
			*m.Resource.Target.AverageUtilization <= 100 {
			return true
		}
	}
	return false
}

// checkSpread: NATS and MongoDB spread over nodes, strictly where want says.
func checkSpread(t *testing.T, s *stack, want expect) {
	for _, name := range []string{"nats", "mongodb"} {
		sts, ok := s.statefulSets[name]
		if !ok {
			continue // checkNATS and checkMongo report it
		}
		found := false
		for _, c := range sts.Spec.Template.Spec.TopologySpreadConstraints {
			if c.TopologyKey != "kubernetes.io/hostname" || c.MaxSkew != 1 || c.LabelSelector == nil ||
				!selects(c.LabelSelector.MatchLabels, sts.Spec.Template.Labels) {
				continue
			}
			found = true
			if want.strictSpread && c.WhenUnsatisfiable != corev1.DoNotSchedule {
				t.Errorf("StatefulSet %s: spread over nodes is %s, want DoNotSchedule (a node lost must not take two members)", name, c.WhenUnsatisfiable)
			}
		}
		if !found {
			t.Errorf("StatefulSet %s: no topology spread over kubernetes.io/hostname", name)
		}
	}
}

// checkNATSImage: the NATS image is the release of nats-server that the
// code is tested against (pkg/go.mod), and at least 2.12, the first with
// the message schedules TUIJIN_TIMERS needs.
func checkNATSImage(t *testing.T, image string) {
	t.Helper()
	m := regexp.MustCompile(`^nats:(\d+)\.(\d+)\.(\d+)(-alpine)?$`).FindStringSubmatch(image)
	if m == nil {
		t.Errorf("nats image %q, want nats:<major.minor.patch>[-alpine], pinned", image)
		return
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	if major != 2 || minor < 12 {
		t.Errorf("nats image %q: message schedules need nats-server 2.12 or later", image)
	}
	mod, err := os.ReadFile("../pkg/go.mod")
	if err != nil {
		t.Fatal(err)
	}
	pin := regexp.MustCompile(`(?m)^\s*github\.com/nats-io/nats-server/v2 v(\S+)`).FindSubmatch(mod)
	if pin == nil {
		t.Fatal("pkg/go.mod does not require github.com/nats-io/nats-server/v2")
	}
	if got := m[1] + "." + m[2] + "." + m[3]; got != string(pin[1]) {
		t.Errorf("nats image %q is nats-server %s; the code is tested against %s (pkg/go.mod)", image, got, pin[1])
	}
}
