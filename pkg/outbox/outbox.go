// Package outbox makes "save state and publish its events" safe without
// multi-document transactions (FerretDB has none).
//
// The events travel inside the state document they belong to, in an array
// field named "outbox", written by the same single-document insert or update
// as the state itself, so they are saved atomically with it. After the write
// the relay publishes them (event id as Nats-Msg-Id) and pulls them from the
// document. A crash anywhere in between leaves them in the document, and the
// periodic sweep publishes them again: the stream's duplicate window and the
// consumers' idempotency make that second publish harmless.
package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/mongox"
)

// Field is the name of the outbox array in a state document.
const Field = "outbox"

// Entry is one pending event as stored in a document.
type Entry struct {
	ID          string `bson:"id"`
	Type        string `bson:"type"`
	Subject     string `bson:"subject"`
	Data        []byte `bson:"data"`
	TraceParent string `bson:"traceparent,omitempty"`
	TraceState  string `bson:"tracestate,omitempty"`
}

// FromMessage stores a bus message as an outbox entry.
func FromMessage(m event.Message) Entry {
	return Entry{ID: m.ID, Type: m.Type, Subject: m.Subject, Data: m.Data, TraceParent: m.TraceParent, TraceState: m.TraceState}
}

// Entries stores bus messages as outbox entries, in order.
func Entries(msgs []event.Message) []Entry {
	out := make([]Entry, len(msgs))
	for i, m := range msgs {
		out[i] = FromMessage(m)
	}
	return out
}

// Push adds entries to update, an update document, so that they are saved
// by the same write as the state it changes (mongox.UpdateVersioned).
func Push(update bson.D, entries ...Entry) bson.D {
	if len(entries) == 0 {
		return update
	}
	return append(update[:len(update):len(update)],
		bson.E{Key: "$push", Value: bson.D{{Key: Field, Value: bson.D{{Key: "$each", Value: entries}}}}})
}

// Message is the bus message the entry stores.
func (e Entry) Message() event.Message {
	return event.Message{ID: e.ID, Type: e.Type, Subject: e.Subject, Data: e.Data, TraceParent: e.TraceParent, TraceState: e.TraceState}
}

// Publisher is what the relay needs of the bus.
type Publisher interface {
	Publish(ctx context.Context, m event.Message) error
}

// Relay publishes outbox entries and removes them once the stream has them.
type Relay struct {
	pub   Publisher
	colls []*mongo.Collection
	log   *slog.Logger
}

// NewRelay relays the outboxes of the documents in colls.
func NewRelay(pub Publisher, log *slog.Logger, colls ...*mongo.Collection) *Relay {
	return &Relay{pub: pub, colls: colls, log: log}
}

// Flush publishes entries of document id in coll, in order, and pulls each
// published one. It stops at the first failure; the sweep retries the rest.
//
// Entries are pulled by their exact value, not by a condition on their id:
// FerretDB v1 evaluates $pull only as an equality match on whole elements.
// The pull is exclusive of versioned writes of the document and leaves its
// version alone (mongox.UpdateExclusive), so a writer holding the version
// is not sent back to read again because its events went out.
func (r *Relay) Flush(ctx context.Context, coll *mongo.Collection, id any, entries []Entry) error {
	for _, e := range entries {
		if err := r.pub.Publish(ctx, e.Message()); err != nil {
			return err
		}
		if err := mongox.UpdateExclusive(ctx, coll, id,
			bson.D{{Key: "$pull", Value: bson.D{{Key: Field, Value: e}}}}); err != nil {
			return fmt.Errorf("pull outbox entry %s: %w", e.ID, err)
		}
	}
	return nil
}

// FlushOrDefer is Flush right after the write that stored entries, where a
// failure is no error: the events are safely stored and the sweep publishes
// them. A nil relay defers everything to whoever sweeps.
func (r *Relay) FlushOrDefer(ctx context.Context, coll *mongo.Collection, id any, entries []Entry) {
	if r == nil || len(entries) == 0 {
		return
	}
	if err := r.Flush(ctx, coll, id, entries); err != nil {
		r.log.WarnContext(ctx, "publishing deferred to the outbox sweep", "collection", coll.Name(), "id", id, "err", err)
	}
}

type pending struct {
	ID     any     `bson:"_id"`
	Outbox []Entry `bson:"outbox"`
}

// Sweep flushes every document that still has outbox entries and returns how
// many entries it published. The filter scans on FerretDB; it runs at a low
// rate and at start, the fast path being the Flush right after a write.
func (r *Relay) Sweep(ctx context.Context) (int, error) {
	n := 0
	for _, coll := range r.colls {
		cur, err := coll.Find(ctx, bson.D{{Key: Field + ".0", Value: bson.D{{Key: "$exists", Value: true}}}},
			options.Find().SetProjection(bson.D{{Key: Field, Value: 1}}))
		if err != nil {
			return n, fmt.Errorf("sweep %s: %w", coll.Name(), err)
		}
		var docs []pending
		err = cur.All(ctx, &docs)
		if err != nil {
			return n, fmt.Errorf("sweep %s: %w", coll.Name(), err)
		}
		for _, d := range docs {
			if err := r.Flush(ctx, coll, d.ID, d.Outbox); err != nil {
				return n, err
			}
			n += len(d.Outbox)
		}
	}
	return n, nil
}

// Run sweeps at start and then every interval until ctx is done.
func (r *Relay) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := r.Sweep(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			r.log.Warn("outbox sweep failed", "err", err)
		} else if n > 0 {
			r.log.Info("outbox sweep published pending events", "count", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
