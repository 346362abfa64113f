package e2e

import (
	"testing"
	"time"

	"github.com/tuijin/tuijin/deploy/grafana"
)

// TestDashboardReadsExportedMetrics runs the whole system through a
// registration and checks that every metric the operations dashboard
// queries is one a running service exports: a renamed metric or a typo in
// a panel fails here, not on the operator's screen.
func TestDashboardReadsExportedMetrics(t *testing.T) {
	s := newSystem(t)
	s.start(services...)
	s.registerProject(projectCode(42))
	eventually(t, 30*time.Second, "the inbox entries of the registration", func() bool {
		return s.count("tuijin_notification", "inbox") >= len(readyItems)
	})

	exported := map[string]bool{}
	for range 2 { // the second scrape also sees the first one's HTTP metrics
		for _, svc := range services {
			for name := range s.scrape(svc) {
				exported[name] = true
			}
		}
	}

	d, err := grafana.Operations()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range grafana.Queries(d) {
		names, err := grafana.MetricNames(q)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if !exported[n] {
				t.Errorf("the dashboard queries %s, which no service exports (%q)", n, q)
			}
		}
	}
}
