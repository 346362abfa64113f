package bus

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// DepartmentLag reads, at every scrape, each department's durable
// (DepartmentDurable) from the server: the messages it has not yet taken
// or acknowledged, and how long since it last acknowledged one (since it
// was created when it never has). A department's own client runs outside
// Tuijin and exports nothing, so the service that publishes the
// departments' assignments exports this for them: a department that
// stops reading is alerted on weeks before the stream's retention drops
// what it owes (see deploy/alerts). A durable that cannot be read (not
// provisioned, server away) reports -1 for both.
func DepartmentLag(js jetstream.JetStream, depts []string, now func() time.Time) prometheus.Collector {
	return &departmentLag{js: js, depts: depts, now: now}
}

var (
	departmentPendingDesc = prometheus.NewDesc("tuijin_bus_department_pending_messages",
		"Messages on a department's durable consumer not yet taken or acknowledged by the department.",
		[]string{"department"}, nil)
	departmentIdleDesc = prometheus.NewDesc("tuijin_bus_department_idle_seconds",
		"Seconds since the department last acknowledged a message on its durable consumer (since its creation if never).",
		[]string{"department"}, nil)
)

type departmentLag struct {
	js    jetstream.JetStream
	depts []string
	now   func() time.Time
}

func (d *departmentLag) Describe(ch chan<- *prometheus.Desc) {
	ch <- departmentPendingDesc
	ch <- departmentIdleDesc
}

func (d *departmentLag) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, dept := range d.depts {
		pending, idle := -1.0, -1.0
		if c, err := d.js.Consumer(ctx, EventsStream, DepartmentDurable(dept)); err == nil {
			info := c.CachedInfo()
			pending = float64(info.NumPending + uint64(info.NumAckPending))
			last := info.Created
			if info.AckFloor.Last != nil {
				last = *info.AckFloor.Last
			}
			idle = max(0, d.now().Sub(last).Seconds())
		}
		ch <- prometheus.MustNewConstMetric(departmentPendingDesc, prometheus.GaugeValue, pending, dept)
		ch <- prometheus.MustNewConstMetric(departmentIdleDesc, prometheus.GaugeValue, idle, dept)
	}
}
