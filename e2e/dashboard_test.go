package e2e

import (
	"bufio"
	"io"
	"net/http"
	"slices"
	"strings"
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
			for _, name := range s.metricFamilies(svc) {
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

// metricFamilies lists the metric families on a service's /metrics.
func (s *system) metricFamilies(service string) []string {
	s.t.Helper()
	resp, err := http.Get(s.url(service) + "/metrics")
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []string
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 16<<20))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		// # TYPE <name> <type>
		if f := strings.Fields(sc.Text()); len(f) == 4 && f[0] == "#" && f[1] == "TYPE" && !slices.Contains(out, f[2]) {
			out = append(out, f[2])
		}
	}
	if err := sc.Err(); err != nil {
		s.t.Fatal(err)
	}
	return out
}
