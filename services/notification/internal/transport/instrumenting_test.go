package transport

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

// fakeDeliveries answer every write with err.
type fakeDeliveries struct {
	notification.EntryStore
	notification.DeliveryStore
	err error
}

func (f fakeDeliveries) InsertEntry(context.Context, notification.Entry) error { return f.err }
func (f fakeDeliveries) Record(context.Context, notification.Delivery) error   { return f.err }

func TestInstrumentCountsTheOutcomesWritten(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	ok := Instrument(Deliveries{Entries: fakeDeliveries{}, Queue: fakeDeliveries{}}, m)
	refused := Instrument(Deliveries{Entries: fakeDeliveries{err: notification.ErrDuplicate},
		Queue: fakeDeliveries{err: notification.ErrConflict}}, m)
	ctx := context.Background()

	inbox := notification.Entry{ID: "e1", Channel: notification.ChannelInbox}
	_ = ok.Entries.InsertEntry(ctx, inbox)
	_ = refused.Entries.InsertEntry(ctx, inbox) // a redelivered event: the entry is there

	mail := func(status string, attempts, base int) notification.Delivery {
		return notification.Delivery{ID: "d", Channel: notification.ChannelEmail, Status: status, Attempts: attempts, AttemptsBase: base}
	}
	for _, d := range []notification.Delivery{
		mail(notification.StatusSending, 2, 0),  // an attempt claimed: no outcome yet
		mail(notification.StatusRetry, 2, 0),    // attempt 2 failed
		mail(notification.StatusRetry, 3, 3),    // a dead letter redelivered: no attempt made
		mail(notification.StatusDigested, 0, 0), // held, then sent in a digest
		mail(notification.StatusDead, 3, 0),     // attempt 3 failed, the last
		mail(notification.StatusSent, 4, 3),     // the redelivery's first attempt went out
	} {
		if err := ok.Queue.Record(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	_ = refused.Queue.Record(ctx, mail(notification.StatusSent, 1, 0)) // another replica settled it

	for _, c := range []struct {
		name    string
		vec     *prometheus.CounterVec
		channel string
		want    float64
	}{
		{"delivered", m.delivered, notification.ChannelInbox, 1},
		{"delivered", m.delivered, notification.ChannelEmail, 1},
		{"failed", m.failed, notification.ChannelEmail, 2},
		{"dead", m.dead, notification.ChannelEmail, 1},
		{"delivered", m.delivered, notification.ChannelSMS, 0},
	} {
		if got := testutil.ToFloat64(c.vec.WithLabelValues(c.channel)); got != c.want {
			t.Errorf("%s{channel=%q} = %v, want %v", c.name, c.channel, got, c.want)
		}
	}
	// The public series: names and label unchanged, every channel from zero.
	if n, err := testutil.GatherAndCount(reg, "tuijin_notification_delivered_total",
		"tuijin_notification_send_failures_total", "tuijin_notification_dead_letters_total"); err != nil || n != 3*len(notification.Channels) {
		t.Fatalf("series = %d, %v; want %d", n, err, 3*len(notification.Channels))
	}
}
