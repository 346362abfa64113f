package transport

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

// Metrics counts the deliveries' outcomes by channel. Instrument decorates
// the stores the outcomes are written to with it.
type Metrics struct {
	delivered, failed, dead *prometheus.CounterVec
}

// NewMetrics registers notification's counters on reg. Every channel's
// series start at zero so dashboards show "none yet" rather than "no
// data".
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tuijin_notification_delivered_total",
			Help: "Messages delivered to recipients, by channel (redeliveries of an event are not counted).",
		}, []string{"channel"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tuijin_notification_send_failures_total",
			Help: "Failed send attempts, by channel (each is retried with backoff until the attempts run out).",
		}, []string{"channel"}),
		dead: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tuijin_notification_dead_letters_total",
			Help: "Deliveries given up and put on the dead-letter list, by channel.",
		}, []string{"channel"}),
	}
	reg.MustRegister(m.delivered, m.failed, m.dead)
	for _, c := range notification.Channels {
		m.delivered.WithLabelValues(c)
		m.failed.WithLabelValues(c)
		m.dead.WithLabelValues(c)
	}
	return m
}

// QueueGauge exports how many deliveries are still owed (waiting for a
// retry, quiet hours or a claimant).
func QueueGauge(reg prometheus.Registerer, length func(context.Context) (int64, error)) {
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tuijin_notification_pending_deliveries",
		Help: "Deliveries owed and queued for an attempt.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		n, err := length(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	}))
}
