package transport

import (
	"context"

	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

// Deliveries are the stores the service writes a delivery's outcome to:
// the inbox entry is the inbox's send, the delivery log records every other
// channel's attempts.
type Deliveries struct {
	Entries notification.EntryStore
	Queue   notification.DeliveryStore
}

// Instrument counts, on m, the outcomes written to d: an inbox entry
// inserted (not one already there) is delivered; a delivery recorded as
// sent is delivered, as retried a failed attempt, as dead a failed attempt
// and a dead letter (notification.Delivery.Attempted). A write refused
// (duplicate, changed meanwhile) or failed counts nothing, so a replica
// that lost a race and a redelivered event count nothing twice.
//
// The outcomes are decided inside the delivery loop that every notice,
// retry and digest runs, and the use cases return only errors: the writes
// are where a decorator sees them without metrics in the domain.
func Instrument(d Deliveries, m *Metrics) Deliveries {
	d.Entries = instrumentingEntries{EntryStore: d.Entries, m: m}
	d.Queue = instrumentingQueue{DeliveryStore: d.Queue, m: m}
	return d
}

type instrumentingEntries struct {
	notification.EntryStore
	m *Metrics
}

func (s instrumentingEntries) InsertEntry(ctx context.Context, e notification.Entry) error {
	err := s.EntryStore.InsertEntry(ctx, e)
	if err == nil {
		s.m.delivered.WithLabelValues(e.Channel).Inc()
	}
	return err
}

type instrumentingQueue struct {
	notification.DeliveryStore
	m *Metrics
}

func (s instrumentingQueue) Record(ctx context.Context, d notification.Delivery) error {
	err := s.DeliveryStore.Record(ctx, d)
	if err != nil || !d.Attempted() {
		return err
	}
	switch d.Status {
	case notification.StatusSent:
		s.m.delivered.WithLabelValues(d.Channel).Inc()
	case notification.StatusDead:
		s.m.failed.WithLabelValues(d.Channel).Inc()
		s.m.dead.WithLabelValues(d.Channel).Inc()
	default:
		s.m.failed.WithLabelValues(d.Channel).Inc()
	}
	return nil
}
