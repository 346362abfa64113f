package alerts_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite k8s/monitoring/prometheus-rule.yaml from the rules file")

var (
	monitoringDir  = filepath.Join("..", "..", "k8s", "monitoring")
	prometheusRule = filepath.Join(monitoringDir, "prometheus-rule.yaml")
)

// generatePrometheusRule wraps the rules file's groups, comments and all,
// in the Prometheus Operator's PrometheusRule.
func generatePrometheusRule(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(raw, []byte("\ngroups:\n"))
	if i < 0 {
		t.Fatalf("%s: no top-level groups:", rulesFile)
	}
	var b strings.Builder
	b.WriteString(`# Generated from deploy/alerts/tuijin-rules.yaml by
# go test ./deploy/alerts -run PrometheusRule -update. Do not edit.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: tuijin-alerts
  labels:
    role: alert-rules
spec:
`)
	for _, line := range strings.SplitAfter(string(raw[i+1:]), "\n") {
		if strings.TrimSpace(line) != "" {
			b.WriteString("  ")
		}
		b.WriteString(line)
	}
	return []byte(b.String())
}

// TestPrometheusRuleIsGenerated keeps the PrometheusRule equal to the rules
// file, and checks that kustomize renders it with the same groups, beside
// a PodMonitor that scrapes the services.
func TestPrometheusRuleIsGenerated(t *testing.T) {
	want := generatePrometheusRule(t)
	if *update {
		if err := os.WriteFile(prometheusRule, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(prometheusRule)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: go test ./deploy/alerts -run PrometheusRule -update", prometheusRule)
	}

	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), monitoringDir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", monitoringDir, err)
	}
	rendered, err := m.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	type object struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name   string            `json:"name"`
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
		Spec map[string]any `json:"spec"`
	}
	objs := map[string]object{}
	for _, doc := range strings.Split(string(rendered), "\n---\n") {
		var o object
		if err := yaml.UnmarshalStrict([]byte(doc), &o); err != nil {
			t.Fatalf("rendered %s: %v\n%s", monitoringDir, err, doc)
		}
		if o.APIVersion != "monitoring.coreos.com/v1" || o.Metadata.Labels["app.kubernetes.io/part-of"] != "tuijin" {
			t.Fatalf("rendered %s %s/%s, labels %v", o.APIVersion, o.Kind, o.Metadata.Name, o.Metadata.Labels)
		}
		objs[o.Kind] = o
	}
	obj, pm := objs["PrometheusRule"], objs["PodMonitor"]
	if len(objs) != 2 || obj.Metadata.Labels["role"] != "alert-rules" {
		t.Fatalf("rendered %s: want a PrometheusRule labelled role: alert-rules and a PodMonitor, got %v", monitoringDir, objs)
	}
	// The PodMonitor scrapes the services' http port, where /metrics is.
	sel, _ := yaml.Marshal(pm.Spec["selector"])
	eps, _ := yaml.Marshal(pm.Spec["podMetricsEndpoints"])
	if !strings.Contains(string(sel), "app.kubernetes.io/component: service") || !strings.Contains(string(eps), "port: http") ||
		!strings.Contains(string(eps), "path: /metrics") || pm.Metadata.Name != "tuijin" {
		t.Fatalf("PodMonitor %s: selector %s endpoints %s", pm.Metadata.Name, sel, eps)
	}
	var file map[string]any
	raw, _ := os.ReadFile(rulesFile)
	if err := yaml.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(obj.Spec) != 1 || !reflect.DeepEqual(obj.Spec["groups"], file["groups"]) {
		t.Fatalf("rendered PrometheusRule groups differ from %s", rulesFile)
	}
}
