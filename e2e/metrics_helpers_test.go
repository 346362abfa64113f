package e2e

import (
	"maps"
	"net/http"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads a service's /metrics, its metric families by name.
func (s *system) scrape(service string) map[string]*dto.MetricFamily {
	s.t.Helper()
	resp, err := http.Get(s.url(service) + "/metrics")
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		s.t.Fatalf("%s /metrics: %v", service, err)
	}
	return fams
}

// metric reads one sample of a gauge or counter from a service's /metrics;
// labels must match exactly the sample's label set. Missing samples read
// as -1.
func (s *system) metric(service, name string, labels map[string]string) float64 {
	s.t.Helper()
	fam, ok := s.scrape(service)[name]
	if !ok {
		return -1
	}
	for _, m := range fam.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		if !maps.Equal(got, labels) {
			continue
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Untyped != nil:
			return m.GetUntyped().GetValue()
		}
		s.t.Fatalf("%s is neither a gauge nor a counter", name)
	}
	return -1
}
