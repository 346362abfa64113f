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
// file, and checks that kustomize renders it with the same groups.
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
	var obj struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name   string            `json:"name"`
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
		Spec map[string]any `json:"spec"`
	}
	if err := yaml.UnmarshalStrict(rendered, &obj); err != nil {
		t.Fatalf("rendered %s: %v\n%s", monitoringDir, err, rendered)
	}
	if obj.APIVersion != "monitoring.coreos.com/v1" || obj.Kind != "PrometheusRule" ||
		obj.Metadata.Labels["role"] != "alert-rules" || obj.Metadata.Labels["app.kubernetes.io/part-of"] != "tuijin" {
		t.Fatalf("rendered %s/%s %s labels %v", obj.APIVersion, obj.Kind, obj.Metadata.Name, obj.Metadata.Labels)
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
