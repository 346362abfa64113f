package grafana_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/tuijin/tuijin/deploy/grafana"
)

var committed = filepath.Join("..", "..", "k8s", "base", "grafana", "tuijin-operations.json")

// TestCommittedDashboardIsGenerated keeps the JSON that ships in k8s/base
// equal to what the code builds (make dashboards regenerates it).
func TestCommittedDashboardIsGenerated(t *testing.T) {
	want, err := grafana.JSON()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run make dashboards", committed)
	}
}

// TestCommittedDashboardDecodes reads the shipped JSON back with the SDK's
// own decoder, as a tool importing it would, and checks what Grafana needs
// of it: unique panel ids, every query on the dashboard's Prometheus.
func TestCommittedDashboardDecodes(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	raw, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard.Dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	if d.Uid == nil || *d.Uid != grafana.UID {
		t.Errorf("uid %v, want %s", d.Uid, grafana.UID)
	}
	ids := map[uint32]bool{}
	panels := 0
	for _, p := range d.Panels {
		var id uint32
		switch {
		case p.RowPanel != nil:
			id = p.RowPanel.Id
		case p.Panel != nil && p.Panel.Id != nil:
			id, panels = *p.Panel.Id, panels+1
			if p.Panel.Datasource == nil || p.Panel.Datasource.Uid == nil || *p.Panel.Datasource.Uid != "${datasource}" {
				t.Errorf("panel %q is not on the dashboard's Prometheus", deref(p.Panel.Title))
			}
			if len(p.Panel.Targets) == 0 {
				t.Errorf("panel %q has no query", deref(p.Panel.Title))
			}
		default:
			t.Fatalf("a panel without an id: %+v", p)
		}
		if ids[id] {
			t.Errorf("panel id %d used twice", id)
		}
		if p.Panel != nil && p.Panel.GridPos != nil && p.Panel.GridPos.X+p.Panel.GridPos.W > 24 {
			t.Errorf("panel %q spills over the 24-column grid: %+v", deref(p.Panel.Title), *p.Panel.GridPos)
		}
		ids[id] = true
	}
	if q := grafana.Queries(d); panels < 10 || len(q) < panels {
		t.Errorf("%d panels and %d queries decoded", panels, len(q))
	}
}

// TestQueriesArePromQL parses every query and checks that each selects
// Tuijin's own metrics, and that the gauges the contract names are there.
func TestQueriesArePromQL(t *testing.T) {
	d, err := grafana.Operations()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, q := range grafana.Queries(d) {
		names, err := grafana.MetricNames(q)
		if err != nil {
			t.Error(err)
			continue
		}
		if len(names) == 0 {
			t.Errorf("%q selects no metric", q)
		}
		for _, n := range names {
			if !strings.HasPrefix(n, "tuijin_") {
				t.Errorf("%q selects %s, not a Tuijin metric", q, n)
			}
			used[n] = true
		}
	}
	for _, n := range []string{"tuijin_ledger_pending_items", "tuijin_deadline_overdue_items"} {
		if !used[n] {
			t.Errorf("the dashboard does not show %s", n)
		}
	}
}

func TestMetricNames(t *testing.T) {
	names, err := grafana.MetricNames(`histogram_quantile(0.9, sum by (le) (rate(a_seconds_bucket{department=~"$department"}[$__rate_interval]))) / on() b_total`)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != "a_seconds,b_total" {
		t.Errorf("names %v", names)
	}
	if _, err := grafana.MetricNames("sum by (department (x)"); err == nil {
		t.Error("a malformed query parsed")
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
