package transport

import "github.com/prometheus/client_golang/prometheus"

// DeliveredCounter counts messages delivered, by channel. The inbox series
// starts at zero so dashboards show "none yet" rather than "no data".
func DeliveredCounter(reg prometheus.Registerer) func(channel string) {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tuijin_notification_delivered_total",
		Help: "Messages delivered to recipients, by channel (redeliveries of an event are not counted).",
	}, []string{"channel"})
	reg.MustRegister(c)
	c.WithLabelValues("inbox")
	return func(channel string) { c.WithLabelValues(channel).Inc() }
}
