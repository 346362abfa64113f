package grafana

import (
	"fmt"
	"sort"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"
)

// grafanaVars are the dashboard's variables with a value of their kind, so
// that an expression can be parsed as Prometheus will receive it.
var grafanaVars = strings.NewReplacer("$__rate_interval", "5m", "$department", ".*")

// MetricNames parses expr as PromQL (Grafana's variables filled in) and
// returns the metric names it selects; a histogram's _bucket series is
// named by its base name, as the exporter registers it.
func MetricNames(expr string) ([]string, error) {
	e, err := parser.NewParser(parser.Options{}).ParseExpr(grafanaVars.Replace(expr))
	if err != nil {
		return nil, fmt.Errorf("%q: %w", expr, err)
	}
	seen := map[string]bool{}
	for _, vs := range parser.ExtractSelectors(e) {
		for _, m := range vs {
			if m.Name == "__name__" {
				seen[strings.TrimSuffix(m.Value, "_bucket")] = true
			}
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}
