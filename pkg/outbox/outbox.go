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
	// seen are the ids of the entries the last sweep of Run found and left.
	seen map[string]bool
}

// NewRelay relays the outboxes of the documents in colls.
func NewRelay(pub Publisher, log *slog.Logger, colls ...*mongo.Collection) *Relay {
	return &Relay{pub: pub, colls: colls, log: log}
}

// Flush publishes entries of document id in coll, in order, and pulls the
// published ones, all in one write. It stops at the first failure; the
// sweep retries the rest.
//
// Entries are pulled by their exact value ($pullAll), not by a condition
// on their id: FerretDB v1 matches pulled elements only by equality of the
// whole element. The pull is exclusive of versioned writes of the document
// and leaves its version alone (mongox.UpdateExclusive), so a writer
// holding the version is not sent back to read again because its events
// went out. One pull for all of them: on FerretDB each exclusive write is
// a claim, two reads and a rewrite of the whole document.
func (r *Relay) Flush(ctx context.Context, coll *mongo.Collection, id any, entries []Entry) error {
	sent := 0
	var err error
	for _, e := range entries {
		if err = r.pub.Publish(ctx, e.Message()); err != nil {
			break
		}
		sent++
	}
	if sent > 0 {
		if perr := mongox.UpdateExclusive(ctx, coll, id,
			bson.D{{Key: "$pullAll", Value: bson.D{{Key: Field, Value: entries[:sent]}}}}); perr != nil {
			return fmt.Errorf("pull %d outbox entries: %w", sent, perr)
		}
	}
	return err
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
	return r.sweep(ctx, func(Entry) bool { return true })
}

// sweepSettled is Sweep of only the entries the previous sweepSettled found
// already, and notes the ones it finds for the next: an entry younger than
// one sweep is most likely being published by the write that stored it
// (FlushOrDefer) or left on purpose for the document's next write to
// replace (the ledger), and pulling it would cost an exclusive write of the
// document that the next write makes unnecessary. An entry that stays is
// published by the second sweep that finds it; one that is gone by then
// was published by whoever removed it.
func (r *Relay) sweepSettled(ctx context.Context) (int, error) {
	prev := r.seen
	r.seen = map[string]bool{}
	return r.sweep(ctx, func(e Entry) bool {
		r.seen[e.ID] = true
		return prev[e.ID]
	})
}

// sweep flushes, of every document with outbox entries, those entries
// that due reports as due (in order), and returns how many it published.
func (r *Relay) sweep(ctx context.Context, due func(Entry) bool) (int, error) {
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
			var flush []Entry
			for _, e := range d.Outbox {
				if due(e) {
					flush = append(flush, e)
				}
			}
			if len(flush) == 0 {
				continue
			}
			if err := r.Flush(ctx, coll, d.ID, flush); err != nil {
				return n, err
			}
			n += len(flush)
		}
	}
	return n, nil
}

// Run sweeps at start and then every interval until ctx is done: all
// entries at start (a crash may have left them), after that the entries
// found by the sweep before (sweepSettled), so every entry left behind is
// published within two intervals.
func (r *Relay) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	sweep := r.Sweep
	for {
		if n, err := sweep(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			r.log.Warn("outbox sweep failed", "err", err)
		} else {
			sweep = r.sweepSettled
			if n > 0 {
				r.log.Info("outbox sweep published pending events", "count", n)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
