package transport

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// ProvisionalCounter counts the deadlines not decided whose due date runs
// into a year without official data.
type ProvisionalCounter interface {
	Provisional(ctx context.Context) (int, error)
}

// ProvisionalCollector exports tuijin_deadline_provisional_items, recounted
// from the database at every scrape like the level gauges; a failed count
// leaves the gauge out (tuijin_deadline_level_count_up tells of the
// database).
type ProvisionalCollector struct {
	counter ProvisionalCounter
	timeout time.Duration
	log     *slog.Logger
	desc    *prometheus.Desc
}

// NewProvisionalCollector reports what counter counts.
func NewProvisionalCollector(counter ProvisionalCounter, log *slog.Logger) *ProvisionalCollector {
	return &ProvisionalCollector{counter: counter, timeout: 10 * time.Second, log: log,
		desc: prometheus.NewDesc("tuijin_deadline_provisional_items",
			"Deadlines not decided whose due date runs into a year without the official holiday arrangement (counted on weekends only there).",
			nil, nil)}
}

// Describe implements prometheus.Collector.
func (c *ProvisionalCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *ProvisionalCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	n, err := c.counter.Provisional(ctx)
	if err != nil {
		c.log.Warn("count of provisional deadlines failed", "err", err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n))
}

// RecomputeOnChange is what the service does when its calendar changed (a
// year file arrived in the calendar dir or was corrected, or at start): the
// provisional deadlines, and those that cross a year that changed, are
// recounted on it (see deadline.Recomputer), counted in
// tuijin_deadline_recomputed_total.
func RecomputeOnChange(r deadline.Recomputer, reg prometheus.Registerer, log *slog.Logger) func(ctx context.Context, years []int) error {
	recomputed := prometheus.NewCounter(prometheus.CounterOpts{Name: "tuijin_deadline_recomputed_total",
		Help: "Deadlines recounted (new due date, or provisional mark changed) when a year's arrangement arrived or was corrected."})
	reg.MustRegister(recomputed)
	return func(ctx context.Context, years []int) error {
		n, err := r.Recompute(ctx, years)
		recomputed.Add(float64(n))
		if n > 0 || len(years) > 0 {
			log.Info("deadlines recomputed on the calendar in use", "years_changed", years, "recomputed", n)
		}
		return err
	}
}
