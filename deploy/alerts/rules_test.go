package alerts_test

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"
)

const rulesFile = "tuijin-rules.yaml"

// TestRulesCheck: promtool accepts the rules file (syntax, PromQL,
// templates, duplicate names).
func TestRulesCheck(t *testing.T) {
	t.Logf("%s", runPromtool(t, "check", "rules", rulesFile))
}

// TestRulesUnit runs every promtool unit test: each alert fires on the
// input series it is meant for, and stays silent on the healthy ones.
func TestRulesUnit(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("tests", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no rule tests in tests/: %v", err)
	}
	t.Logf("%s", runPromtool(t, append([]string{"test", "rules"}, files...)...))
}

// ruleFile is the part of a Prometheus rules file the tests read.
type ruleFile struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []struct {
			Record string `json:"record"`
			Alert  string `json:"alert"`
			Expr   string `json:"expr"`
		} `json:"rules"`
	} `json:"groups"`
}

func readRules(t *testing.T) ruleFile {
	t.Helper()
	raw, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var f ruleFile
	if err := yaml.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestEveryAlertIsTestedAndDocumented: each alert appears in a promtool
// test and has a runbook line in the README.
func TestEveryAlertIsTestedAndDocumented(t *testing.T) {
	var tests strings.Builder
	files, _ := filepath.Glob(filepath.Join("tests", "*.yaml"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tests.Write(raw)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range readRules(t).Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			if !regexp.MustCompile(`alertname: ` + r.Alert + `\n(?s:.*?)exp_labels`).MatchString(tests.String()) {
				t.Errorf("%s: no promtool test expects it to fire", r.Alert)
			}
			if !strings.Contains(string(readme), "**"+r.Alert+"**") {
				t.Errorf("%s: no runbook entry (**%s**) in README.md", r.Alert, r.Alert)
			}
		}
	}
}

// TestRulesReadExportedMetrics: every metric a rule reads is one a service
// registers (found in the services' and pkg's non-test sources), a
// recording rule of this file, or Prometheus's own up. A renamed metric
// fails here instead of silencing its alert.
func TestRulesReadExportedMetrics(t *testing.T) {
	exported := exportedMetrics(t)
	recorded := map[string]bool{}
	rules := readRules(t)
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				recorded[r.Record] = true
			}
		}
	}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			expr, err := parser.NewParser(parser.Options{}).ParseExpr(r.Expr)
			if err != nil {
				t.Fatalf("%s%s: %v", r.Alert, r.Record, err)
			}
			for _, sel := range parser.ExtractSelectors(expr) {
				for _, m := range sel {
					if m.Name != labels.MetricName {
						continue
					}
					var hits []string
					for name := range exported {
						if m.Matches(name) {
							hits = append(hits, name)
						}
					}
					if m.Type == labels.MatchEqual && (recorded[m.Value] || m.Value == "up") {
						continue
					}
					if len(hits) == 0 {
						t.Errorf("%s%s reads %s, which no service exports", r.Alert, r.Record, m)
					}
				}
			}
		}
	}
}

// exportedMetrics collects the tuijin_* names in string literals of the
// non-test Go sources of pkg and the services; histograms add _bucket.
func exportedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	lit := regexp.MustCompile(`"(tuijin_[a-z_]+)"`)
	suffix := regexp.MustCompile(`"(_[a-z_]+)"`)
	suffixes := map[string]bool{}
	for _, root := range []string{"../../pkg", "../../services"} {
		err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if strings.Contains(string(src), "prometheus.") {
				for _, m := range suffix.FindAllStringSubmatch(string(src), -1) {
					suffixes[m[1]] = true
				}
			}
			for _, m := range lit.FindAllStringSubmatch(string(src), -1) {
				names[m[1]] = true
				if strings.Contains(string(src), "NewHistogram") {
					names[m[1]+"_bucket"] = true
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// A name built from a prefix (calendar coverage: prefix +
	// "_calendar_year_covered") counts as exported when both parts are
	// literals of those sources.
	for _, p := range slices.Collect(maps.Keys(names)) {
		for s := range suffixes {
			names[p+s] = true
		}
	}
	if len(names) < 10 {
		t.Fatalf("found only %d metric names in the sources: %v", len(names), slices.Sorted(maps.Keys(names)))
	}
	return names
}

// TestComposePrometheusLoadsRules: the compose stack's Prometheus reads the
// rules file it mounts, so the alerts tested here are the ones it runs.
func TestComposePrometheusLoadsRules(t *testing.T) {
	var prom struct {
		RuleFiles []string `json:"rule_files"`
	}
	raw, err := os.ReadFile(filepath.Join("..", "prometheus.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &prom); err != nil {
		t.Fatal(err)
	}
	compose, err := os.ReadFile(filepath.Join("..", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	mount := "./alerts/" + rulesFile + ":/etc/prometheus/" + rulesFile + ":ro"
	if !slices.Contains(prom.RuleFiles, "/etc/prometheus/"+rulesFile) || !strings.Contains(string(compose), mount) {
		t.Fatalf("prometheus.yml rule_files %v; compose mounts %q: %v", prom.RuleFiles, mount, strings.Contains(string(compose), mount))
	}
}
