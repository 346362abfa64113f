package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

type deliveryDoc struct {
	ID        string     `bson:"_id"`
	EventID   string     `bson:"event_id"`
	EventType string     `bson:"event_type"`
	Recipient string     `bson:"recipient"`
	Channel   string     `bson:"channel"`
	Address   string     `bson:"address,omitempty"`
	Title     string     `bson:"title"`
	Body      string     `bson:"body"`
	Status    string     `bson:"status"`
	Attempts  int        `bson:"attempts"`
	Base      int        `bson:"attempts_base,omitempty"`
	NotBefore time.Time  `bson:"not_before"`
	LastError string     `bson:"last_error,omitempty"`
	CreatedAt time.Time  `bson:"created_at"`
	SentAt    *time.Time `bson:"sent_at,omitempty"`
	DeadAt    *time.Time `bson:"dead_at,omitempty"`
	Version   int64      `bson:"version"`
}

func toDBDelivery(d notification.Delivery) deliveryDoc {
	return deliveryDoc{
		ID: d.ID, EventID: d.EventID, EventType: d.EventType, Recipient: d.Recipient, Channel: d.Channel,
		Address: d.Address, Title: d.Title, Body: d.Body, Status: d.Status, Attempts: d.Attempts, Base: d.AttemptsBase,
		NotBefore: d.NotBefore, LastError: d.LastError, CreatedAt: d.CreatedAt, SentAt: d.SentAt, DeadAt: d.DeadAt,
		Version: d.Version,
	}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func toDomainDelivery(d deliveryDoc) notification.Delivery {
	return notification.Delivery{
		ID: d.ID, EventID: d.EventID, EventType: d.EventType, Recipient: d.Recipient, Channel: d.Channel,
		Address: d.Address, Title: d.Title, Body: d.Body, Status: d.Status, Attempts: d.Attempts, AttemptsBase: d.Base,
		NotBefore: d.NotBefore.UTC(), LastError: d.LastError, CreatedAt: d.CreatedAt.UTC(),
		SentAt: utcPtr(d.SentAt), DeadAt: utcPtr(d.DeadAt), Version: d.Version,
	}
}

// queueDoc schedules an owed delivery: due is when a worker should next
// look at it. It is a schedule, not a lock: the worker re-reads the
// delivery before acting. The queue holds only deliveries not yet final,
// so scanning it for due ones stays cheap on FerretDB while the delivery
// log, addressed by _id alone, grows.
type queueDoc struct {
	ID  string    `bson:"_id"`
	Due time.Time `bson:"due"`
}

// InsertDelivery saves d at version 1 and, unless it is final or held for
// a digest, queues it at d.NotBefore (for a delivery inserted as sending,
// the end of the lease its insert claimed). The insert is keyed by the
// delivery's id, derived from event, recipient and channel: it is how a
// delivery happens once however often its event arrives (idempotency, not
// versioning; later changes go through Record).
func (s *Store) InsertDelivery(ctx context.Context, d notification.Delivery) error {
	doc := toDBDelivery(d)
	doc.Version = 1
	if _, err := s.deliveries.InsertOne(ctx, doc); err != nil {
		if mongox.IsDuplicateKey(err) {
			return fmt.Errorf("delivery %s: %w", d.ID, notification.ErrDuplicate)
		}
		return fmt.Errorf("insert delivery: %w", err)
	}
	if notification.Final(d.Status) || d.Status == notification.StatusDigest {
		return nil
	}
	return s.EnsureQueued(ctx, d.ID, d.NotBefore)
}

// Delivery reads one delivery.
func (s *Store) Delivery(ctx context.Context, id string) (notification.Delivery, error) {
	var d deliveryDoc
	err := s.deliveries.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if mongox.IsNotFound(err) {
		return notification.Delivery{}, fmt.Errorf("delivery %s: %w", id, notification.ErrNotFound)
	}
	if err != nil {
		return notification.Delivery{}, fmt.Errorf("find delivery %s: %w", id, err)
	}
	return toDomainDelivery(d), nil
}

// Record writes d's state if the stored delivery is still at d.Version
// (mongox.UpdateVersioned), or reports notification.ErrConflict.
func (s *Store) Record(ctx context.Context, d notification.Delivery) error {
	set := bson.D{{Key: "status", Value: d.Status}, {Key: "attempts", Value: d.Attempts},
		{Key: "attempts_base", Value: d.AttemptsBase}, {Key: "not_before", Value: d.NotBefore},
		{Key: "last_error", Value: d.LastError}}
	if d.SentAt != nil {
		set = append(set, bson.E{Key: "sent_at", Value: *d.SentAt})
	}
	unset := bson.D{}
	if d.DeadAt != nil {
		set = append(set, bson.E{Key: "dead_at", Value: *d.DeadAt})
	} else {
		unset = append(unset, bson.E{Key: "dead_at", Value: ""}) // a redelivered dead letter
	}
	update := bson.D{{Key: "$set", Value: set}}
	if len(unset) > 0 {
		update = append(update, bson.E{Key: "$unset", Value: unset})
	}
	err := mongox.UpdateVersioned(ctx, s.deliveries, d.ID, d.Version, update)
	switch {
	case errors.Is(err, mongox.ErrConflict):
		return fmt.Errorf("delivery %s at version %d: %w", d.ID, d.Version, notification.ErrConflict)
	case errors.Is(err, mongox.ErrNotFound):
		return fmt.Errorf("delivery %s: %w", d.ID, notification.ErrNotFound)
	case err != nil:
		return fmt.Errorf("record delivery %s: %w", d.ID, err)
	}
	return nil
}

// Requeue schedules delivery id at due.
func (s *Store) Requeue(ctx context.Context, id string, due time.Time) error {
	if err := upsert(ctx, s.queue, id, bson.D{{Key: "$set", Value: bson.D{{Key: "due", Value: due}}}}); err != nil {
		return fmt.Errorf("requeue delivery %s: %w", id, err)
	}
	return nil
}

// Dequeue removes delivery id from the queue; a missing entry is fine.
func (s *Store) Dequeue(ctx context.Context, id string) error {
	if _, err := s.queue.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return fmt.Errorf("dequeue delivery %s: %w", id, err)
	}
	return nil
}

// EnsureQueued queues delivery id at due unless it is queued already.
func (s *Store) EnsureQueued(ctx context.Context, id string, due time.Time) error {
	if err := upsert(ctx, s.queue, id, bson.D{{Key: "$setOnInsert", Value: bson.D{{Key: "due", Value: due}}}}); err != nil {
		return fmt.Errorf("queue delivery %s: %w", id, err)
	}
	return nil
}

// Due lists queued deliveries due at now, earliest first.
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]string, error) {
	return mongox.FindAll(ctx, s.queue, bson.D{{Key: "due", Value: bson.D{{Key: "$lte", Value: now}}}},
		func(d queueDoc) string { return d.ID },
		options.Find().SetSort(bson.D{{Key: "due", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
}

// QueueLength counts the deliveries still owed (for the metric).
func (s *Store) QueueLength(ctx context.Context) (int64, error) {
	return s.queue.CountDocuments(ctx, bson.D{})
}

// Deliveries reads the delivery log, newest first.
func (s *Store) Deliveries(ctx context.Context, q notification.DeliveryQuery) ([]notification.Delivery, error) {
	filter := bson.D{}
	for _, f := range []struct{ key, value string }{
		{"recipient", q.Recipient}, {"event_id", q.EventID}, {"status", q.Status}, {"channel", q.Channel},
	} {
		if f.value != "" {
			filter = append(filter, bson.E{Key: f.key, Value: f.value})
		}
	}
	return mongox.FindAll(ctx, s.deliveries, filter, toDomainDelivery, options.Find().
		SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: 1}}).SetLimit(int64(q.Limit)))
}
