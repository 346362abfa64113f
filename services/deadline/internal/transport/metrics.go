package transport

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// LevelCollector exports the levels deadlines have reached, recounted from
// the database at every scrape so the figures are exact on any replica and
// right after a restart (one aggregation over the level index).
type LevelCollector struct {
	levels  LevelCounter
	depts   []string
	timeout time.Duration
	log     *slog.Logger
	overdue *prometheus.Desc
	yellow  *prometheus.Desc
	failed  *prometheus.Desc
}

// LevelCounter counts deadlines by department and level.
type LevelCounter interface {
	Counts(ctx context.Context) (map[deadline.LevelKey]int, error)
}

// NewLevelCollector reports on the departments depts (every department is
// exported, with zeros, so dashboards see no gaps); departments found in the
// records but not in depts are reported too.
func NewLevelCollector(levels LevelCounter, depts []string, log *slog.Logger) *LevelCollector {
	return &LevelCollector{levels: levels, depts: depts, timeout: 10 * time.Second, log: log,
		overdue: prometheus.NewDesc("tuijin_deadline_overdue_items",
			"Overdue deadlines that are not decided, by department and escalation level (red, urge, supervise, interview, escalate).",
			[]string{"department", "level"}, nil),
		yellow: prometheus.NewDesc("tuijin_deadline_yellow_items",
			"Deadlines at yellow (few working days left), by department.", []string{"department"}, nil),
		failed: prometheus.NewDesc("tuijin_deadline_level_count_up",
			"1 if the last recount of deadline levels succeeded, 0 if it failed (the level gauges are then missing).", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *LevelCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.overdue
	ch <- c.yellow
	ch <- c.failed
}

// Collect implements prometheus.Collector.
func (c *LevelCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	counts, err := c.levels.Counts(ctx)
	if err != nil {
		c.log.Warn("recount of deadline levels failed", "err", err)
		ch <- prometheus.MustNewConstMetric(c.failed, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.failed, prometheus.GaugeValue, 1)
	depts := map[string]bool{}
	for _, d := range c.depts {
		depts[d] = true
	}
	for k := range counts {
		depts[k.Department] = true
	}
	for d := range depts {
		ch <- prometheus.MustNewConstMetric(c.yellow, prometheus.GaugeValue,
			float64(counts[deadline.LevelKey{Department: d, Level: deadline.LevelYellow}]), d)
		for _, l := range deadline.Ladder {
			if l.Overdue() {
				ch <- prometheus.MustNewConstMetric(c.overdue, prometheus.GaugeValue,
					float64(counts[deadline.LevelKey{Department: d, Level: l}]), d, string(l))
			}
		}
	}
}

// FiringMetrics observe the emitted ladder steps.
type FiringMetrics struct {
	lag     *prometheus.HistogramVec
	emitted *prometheus.CounterVec
}

// NewFiringMetrics registers the firing lag histogram and the emitted steps
// counter on reg.
func NewFiringMetrics(reg prometheus.Registerer) *FiringMetrics {
	m := &FiringMetrics{
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tuijin_deadline_firing_lag_seconds",
			Help:    "Seconds between the instant a ladder step was due and the emission of its event.",
			Buckets: prometheus.ExponentialBuckets(0.05, 3, 12),
		}, []string{"level"}),
		emitted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tuijin_deadline_steps_emitted_total",
			Help: "Ladder steps emitted (warning, overdue, escalated events), by level.",
		}, []string{"level"}),
	}
	reg.MustRegister(m.lag, m.emitted)
	// A zero series per step, so that rates start from the first emission.
	for _, l := range deadline.Ladder {
		if l != deadline.LevelGreen {
			m.lag.WithLabelValues(string(l))
			m.emitted.WithLabelValues(string(l))
		}
	}
	return m
}

// Observe records an emitted step and its lag (emission minus the instant
// the step was due).
func (m *FiringMetrics) Observe(f deadline.Fired) {
	m.lag.WithLabelValues(string(f.Level)).Observe(max(f.At.Sub(f.StepAt).Seconds(), 0))
	m.emitted.WithLabelValues(string(f.Level)).Inc()
}
