package httpx_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func decodeJSONBody(resp *http.Response, into any) error {
	return json.NewDecoder(resp.Body).Decode(into)
}

// counterOf sums the samples of the counter name whose labels contain sel
// (e.g. `code="429"`), as a collector testutil.ToFloat64 can read.
func counterOf(t *testing.T, reg *prometheus.Registry, name, sel string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+`="`+l.GetValue()+`"`)
			}
			if strings.Contains(strings.Join(labels, ","), sel) {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "sum"})
	c.Add(sum)
	return c
}
