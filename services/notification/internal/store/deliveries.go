package store

import (
	"context"
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
	NotBefore time.Time  `bson:"not_before"`
	LastError string     `bson:"last_error,omitempty"`
	CreatedAt time.Time  `bson:"created_at"`
	SentAt    *time.Time `bson:"sent_at,omitempty"`
	DeadAt    *time.Time `bson:"dead_at,omitempty"`
}

func toDBDelivery(d notification.Delivery) deliveryDoc {
	return deliveryDoc{
		ID: d.ID, EventID: d.EventID, EventType: d.EventType, Recipient: d.Recipient, Channel: d.Channel,
		Address: d.Address, Title: d.Title, Body: d.Body, Status: d.Status, Attempts: d.Attempts,
		NotBefore: d.NotBefore, LastError: d.LastError, CreatedAt: d.CreatedAt, SentAt: d.SentAt, DeadAt: d.DeadAt,
	}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func toBusDelivery(d deliveryDoc) notification.Delivery {
	return notification.Delivery{
		ID: d.ID, EventID: d.EventID, EventType: d.EventType, Recipient: d.Recipient, Channel: d.Channel,
		Address: d.Address, Title: d.Title, Body: d.Body, Status: d.Status, Attempts: d.Attempts,
		NotBefore: d.NotBefore.UTC(), LastError: d.LastError, CreatedAt: d.CreatedAt.UTC(),
		SentAt: utcPtr(d.SentAt), DeadAt: utcPtr(d.DeadAt),
	}
}

// queueDoc is an owed delivery's place in the retry queue. The queue holds
// only deliveries not yet final, so scanning it for due ones stays cheap on
// FerretDB while the delivery log grows.
type queueDoc struct {
	ID  string    `bson:"_id"`
	Due time.Time `bson:"due"`
}

// InsertDelivery saves d; pending and retry deliveries are queued too.
func (s *Store) InsertDelivery(ctx context.Context, d notification.Delivery) error {
	if _, err := s.deliveries.InsertOne(ctx, toDBDelivery(d)); err != nil {
		if mongox.IsDuplicateKey(err) {
			return fmt.Errorf("delivery %s: %w", d.ID, notification.ErrDuplicate)
		}
		return fmt.Errorf("insert delivery: %w", err)
	}
	if d.Status == notification.StatusPending || d.Status == notification.StatusRetry {
		return s.EnsureQueued(ctx, d.ID, d.NotBefore)
	}
	return nil
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
	return toBusDelivery(d), nil
}

// owed are the statuses a claim may take over: waiting ones, and a sending
// one whose claimant's lease ran out (it crashed or hung).
var owed = bson.A{notification.StatusPending, notification.StatusRetry, notification.StatusSending}

// Claim takes the delivery for one attempt in a single conditional update.
func (s *Store) Claim(ctx context.Context, id string, now, leaseUntil time.Time) (notification.Delivery, error) {
	var d deliveryDoc
	err := s.deliveries.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "status", Value: bson.D{{Key: "$in", Value: owed}}},
			{Key: "not_before", Value: bson.D{{Key: "$lte", Value: now}}}},
		bson.D{
			{Key: "$set", Value: bson.D{{Key: "status", Value: notification.StatusSending}, {Key: "not_before", Value: leaseUntil}}},
			{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}},
		},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if mongox.IsNotFound(err) {
		return notification.Delivery{}, fmt.Errorf("delivery %s not claimable: %w", id, notification.ErrNotFound)
	}
	if err != nil {
		return notification.Delivery{}, fmt.Errorf("claim delivery %s: %w", id, err)
	}
	return toBusDelivery(d), nil
}

// Settle records attempt d.Attempts' outcome if that attempt still holds
// the claim, then brings the queue in step.
func (s *Store) Settle(ctx context.Context, d notification.Delivery) error {
	set := bson.D{{Key: "status", Value: d.Status}, {Key: "not_before", Value: d.NotBefore},
		{Key: "last_error", Value: d.LastError}}
	if d.SentAt != nil {
		set = append(set, bson.E{Key: "sent_at", Value: *d.SentAt})
	}
	if d.DeadAt != nil {
		set = append(set, bson.E{Key: "dead_at", Value: *d.DeadAt})
	}
	res, err := s.deliveries.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: d.ID}, {Key: "status", Value: notification.StatusSending}, {Key: "attempts", Value: d.Attempts}},
		bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return fmt.Errorf("settle delivery %s: %w", d.ID, err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("delivery %s attempt %d: %w", d.ID, d.Attempts, notification.ErrNotFound)
	}
	if notification.Final(d.Status) {
		return s.Dequeue(ctx, d.ID)
	}
	return s.EnsureQueued(ctx, d.ID, d.NotBefore)
}

// EnsureQueued upserts the queue entry of delivery id.
func (s *Store) EnsureQueued(ctx context.Context, id string, due time.Time) error {
	_, err := s.queue.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "due", Value: due}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("queue delivery %s: %w", id, err)
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

// Due lists queued deliveries due at now, earliest first.
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]string, error) {
	cur, err := s.queue.Find(ctx, bson.D{{Key: "due", Value: bson.D{{Key: "$lte", Value: now}}}},
		options.Find().SetSort(bson.D{{Key: "due", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("find due deliveries: %w", err)
	}
	var docs []queueDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read due deliveries: %w", err)
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids, nil
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
	cur, err := s.deliveries.Find(ctx, filter, options.Find().
		SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: 1}}).SetLimit(int64(q.Limit)))
	if err != nil {
		return nil, fmt.Errorf("find deliveries: %w", err)
	}
	var docs []deliveryDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read deliveries: %w", err)
	}
	out := make([]notification.Delivery, len(docs))
	for i, d := range docs {
		out[i] = toBusDelivery(d)
	}
	return out, nil
}
