package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/pkg/outbox"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// Briefings implements ledger.BriefingLog in the collection briefings: one
// document per briefing that went out (_id weekly:2026-11-23,
// monthly:2026-11) inserted with its event in the outbox, and one (_id
// since) holding when the schedule first ran. Inserting by _id has exactly
// one winner on MongoDB and on FerretDB alike, so of replicas racing on a
// period one records it; the event leaves through the outbox as every
// ledger event does, so a crash after the insert delays it to the sweep.
type Briefings struct {
	coll  *mongo.Collection
	relay *outbox.Relay
}

// NewBriefings returns the briefing log over db, publishing through pub
// (nil: the outbox sweep publishes).
func NewBriefings(db *mongo.Database, pub outbox.Publisher, log *slog.Logger) *Briefings {
	b := &Briefings{coll: db.Collection("briefings")}
	if pub != nil {
		b.relay = outbox.NewRelay(pub, log, b.coll)
	}
	return b
}

// Collection is the log's collection, for the outbox sweep.
func (b *Briefings) Collection() *mongo.Collection { return b.coll }

const sinceID = "since"

type briefingDoc struct {
	ID     string         `bson:"_id"`
	At     time.Time      `bson:"at"`
	Event  string         `bson:"event,omitempty"`
	Outbox []outbox.Entry `bson:"outbox,omitempty"`
}

// Since stores now as the schedule's start unless one is stored, and
// returns the stored one.
func (b *Briefings) Since(ctx context.Context, now time.Time) (time.Time, error) {
	_, err := b.coll.InsertOne(ctx, briefingDoc{ID: sinceID, At: now})
	if err == nil {
		return now, nil
	}
	if !mongox.IsDuplicateKey(err) {
		return time.Time{}, fmt.Errorf("store the briefing schedule's start: %w", err)
	}
	var d briefingDoc
	if err := b.coll.FindOne(ctx, bson.D{{Key: "_id", Value: sinceID}}).Decode(&d); err != nil {
		return time.Time{}, fmt.Errorf("read the briefing schedule's start: %w", err)
	}
	return d.At, nil
}

// Sent reports whether briefing id is recorded.
func (b *Briefings) Sent(ctx context.Context, id string) (bool, error) {
	err := b.coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Err()
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return false, nil
	}
	return false, fmt.Errorf("read briefing %s: %w", id, err)
}

// Record inserts briefing id with its event in the outbox, then publishes
// the event and pulls it from the outbox.
func (b *Briefings) Record(ctx context.Context, id string, at time.Time, m event.Message) error {
	entries := []outbox.Entry{outbox.FromMessage(m)}
	_, err := b.coll.InsertOne(ctx, briefingDoc{ID: id, At: at, Event: m.ID, Outbox: entries})
	if mongox.IsDuplicateKey(err) {
		return fmt.Errorf("briefing %s: %w", id, ledger.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("record briefing %s: %w", id, err)
	}
	b.relay.FlushOrDefer(ctx, b.coll, id, entries)
	return nil
}

var _ ledger.BriefingLog = (*Briefings)(nil)
