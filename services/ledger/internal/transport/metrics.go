package transport

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// PendingCollector exports tuijin_ledger_pending_items{department,state}
// recounted from the database at every scrape: exact right after a restart
// and identical on every replica (aggregate with max, not sum).
type PendingCollector struct {
	store       ledger.Store
	departments []string
	desc        *prometheus.Desc
	errors      prometheus.Counter
}

// NewPendingCollector reports every department, with zeros, so a dashboard
// shows an empty queue rather than no data.
func NewPendingCollector(store ledger.Store, departments []string) *PendingCollector {
	return &PendingCollector{
		store:       store,
		departments: departments,
		desc: prometheus.NewDesc("tuijin_ledger_pending_items",
			"Items assigned to a department and not finished, by state.", []string{"department", "state"}, nil),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tuijin_ledger_pending_recount_errors_total",
			Help: "Scrapes at which the pending items could not be recounted.",
		}),
	}
}

// Describe implements prometheus.Collector.
func (c *PendingCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.desc
	c.errors.Describe(ch)
}

// Collect implements prometheus.Collector.
func (c *PendingCollector) Collect(ch chan<- prometheus.Metric) {
	defer c.errors.Collect(ch)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.store.PendingCounts(ctx)
	if err != nil {
		// No sample beats a wrong one: the gauge goes absent for this scrape.
		c.errors.Inc()
		return
	}
	for _, dept := range c.departments {
		for _, st := range ledger.Statuses {
			if !st.Pending() {
				continue
			}
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue,
				float64(counts[ledger.PendingKey{Department: dept, Status: st}]), dept, string(st))
		}
	}
}

// Metrics counts what the ledger saved: assignments, completions and the
// working days items took. Instrument decorates the use cases with it.
type Metrics struct {
	assignments *prometheus.CounterVec
	completions *prometheus.CounterVec
	handling    *prometheus.HistogramVec
}

// NewMetrics registers the ledger's counters on reg, with a zero series
// for each of departments so that rates and increases start from the first
// event rather than from the second.
func NewMetrics(reg prometheus.Registerer, departments []string) *Metrics {
	m := &Metrics{
		assignments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tuijin_ledger_assignments_total",
			Help: "Approval items assigned to departments (at registration or when their prerequisites completed).",
		}, []string{"department"}),
		completions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tuijin_ledger_completions_total",
			Help: "Approval items decided by their department, by outcome (approved, rejected).",
		}, []string{"department", "outcome"}),
		handling: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tuijin_ledger_item_handling_working_days",
			Help:    "Working days from an item's assignment to its decision.",
			Buckets: []float64{0, 1, 2, 3, 5, 10, 15, 20, 30, 60},
		}, []string{"department"}),
	}
	reg.MustRegister(m.assignments, m.completions, m.handling)
	for _, d := range departments {
		m.assignments.WithLabelValues(d)
		m.completions.WithLabelValues(d, string(ledger.StatusApproved))
		m.completions.WithLabelValues(d, string(ledger.StatusRejected))
		m.handling.WithLabelValues(d)
	}
	return m
}

func (m *Metrics) assigned(items []ledger.Item) {
	for _, it := range items {
		m.assignments.WithLabelValues(it.Department).Inc()
	}
}

func (m *Metrics) completed(dept string, status ledger.Status, workingDays int) {
	m.completions.WithLabelValues(dept, string(status)).Inc()
	m.handling.WithLabelValues(dept).Observe(float64(workingDays))
}
