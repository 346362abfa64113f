// Package store keeps notification's inbox, deliveries, retry queue,
// preferences and project projection in MongoDB.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

// Store implements every store notification is built from. It holds no
// outbox: the service emits no events, it only records what it delivered.
type Store struct {
	inbox       *mongo.Collection
	deliveries  *mongo.Collection
	queue       *mongo.Collection
	preferences *mongo.Collection
	projects    *mongo.Collection
	items       *mongo.Collection
}

var (
	_ notification.EntryStore      = (*Store)(nil)
	_ notification.DeliveryStore   = (*Store)(nil)
	_ notification.PreferenceStore = (*Store)(nil)
	_ notification.ProjectStore    = (*Store)(nil)
	_ notification.StatsStore      = (*Store)(nil)
)

// New returns a store over db.
func New(db *mongo.Database) *Store {
	return &Store{
		inbox:       db.Collection("inbox"),
		deliveries:  db.Collection("deliveries"),
		queue:       db.Collection("delivery_queue"),
		preferences: db.Collection("preferences"),
		projects:    db.Collection("projects"),
		items:       db.Collection("item_stats"),
	}
}

// EnsureIndexes declares the indexes production MongoDB uses for inbox
// pages, unread counts, the delivery log and the retry queue (FerretDB
// scans regardless, hence the small documents and the separate queue).
func (s *Store) EnsureIndexes(ctx context.Context) error {
	if err := mongox.EnsureIndexes(ctx, s.inbox,
		mongo.IndexModel{Keys: bson.D{{Key: "recipient", Value: 1}, {Key: "created_at", Value: -1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "recipient", Value: 1}, {Key: "read", Value: 1}}}); err != nil {
		return err
	}
	if err := mongox.EnsureIndexes(ctx, s.deliveries,
		mongo.IndexModel{Keys: bson.D{{Key: "recipient", Value: 1}, {Key: "created_at", Value: -1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "event_id", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "status", Value: 1}, {Key: "created_at", Value: -1}}}); err != nil {
		return err
	}
	return mongox.EnsureIndexes(ctx, s.queue, mongo.IndexModel{Keys: bson.D{{Key: "due", Value: 1}}})
}

type entryDoc struct {
	ID           string     `bson:"_id"`
	Recipient    string     `bson:"recipient"`
	Channel      string     `bson:"channel"`
	Title        string     `bson:"title"`
	Body         string     `bson:"body"`
	ProjectCode  string     `bson:"project_code,omitempty"`
	ItemID       string     `bson:"item_id,omitempty"`
	GreenChannel bool       `bson:"green_channel,omitempty"`
	EventID      string     `bson:"event_id"`
	CreatedAt    time.Time  `bson:"created_at"`
	Read         bool       `bson:"read"`
	ReadAt       *time.Time `bson:"read_at,omitempty"`
	Version      int64      `bson:"version"`
}

func toDBEntry(e notification.Entry) entryDoc {
	return entryDoc{
		ID: e.ID, Recipient: e.Recipient, Channel: e.Channel, Title: e.Title, Body: e.Body,
		ProjectCode: e.ProjectCode, ItemID: e.ItemID, GreenChannel: e.GreenChannel, EventID: e.EventID,
		CreatedAt: e.CreatedAt, Read: e.Read, ReadAt: e.ReadAt, Version: 1,
	}
}

func toDomainEntry(d entryDoc) notification.Entry {
	e := notification.Entry{
		ID: d.ID, Recipient: d.Recipient, Channel: d.Channel, Title: d.Title, Body: d.Body,
		ProjectCode: d.ProjectCode, ItemID: d.ItemID, GreenChannel: d.GreenChannel, EventID: d.EventID,
		CreatedAt: d.CreatedAt.UTC(), Read: d.Read,
	}
	if d.ReadAt != nil {
		at := d.ReadAt.UTC()
		e.ReadAt = &at
	}
	return e
}

// InsertEntry saves e; a second insert of the same id is notification.ErrDuplicate.
func (s *Store) InsertEntry(ctx context.Context, e notification.Entry) error {
	if _, err := s.inbox.InsertOne(ctx, toDBEntry(e)); err != nil {
		if mongox.IsDuplicateKey(err) {
			return fmt.Errorf("inbox entry %s: %w", e.ID, notification.ErrDuplicate)
		}
		return fmt.Errorf("insert inbox entry: %w", err)
	}
	return nil
}

// Inbox reads a page of the recipient's entries and its unread count.
func (s *Store) Inbox(ctx context.Context, q notification.InboxQuery) ([]notification.Entry, int, error) {
	filter := bson.D{{Key: "recipient", Value: q.Recipient}}
	if q.UnreadOnly {
		filter = append(filter, bson.E{Key: "read", Value: false})
	}
	items, err := mongox.FindAll(ctx, s.inbox, filter, toDomainEntry, options.Find().
		SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}).
		SetLimit(int64(q.Limit)))
	if err != nil {
		return nil, 0, err
	}
	unread, err := s.Unread(ctx, q.Recipient)
	if err != nil {
		return nil, 0, err
	}
	return items, unread, nil
}

// Unread counts the recipient's unread entries.
func (s *Store) Unread(ctx context.Context, recipient string) (int, error) {
	n, err := s.inbox.CountDocuments(ctx, bson.D{{Key: "recipient", Value: recipient}, {Key: "read", Value: false}})
	if err != nil {
		return 0, fmt.Errorf("count unread: %w", err)
	}
	return int(n), nil
}

// markReadAttempts bounds the rereads of an entry another reader is
// marking at the same moment.
const markReadAttempts = 10

// Entry reads inbox entry id (by _id).
func (s *Store) Entry(ctx context.Context, id string) (notification.Entry, error) {
	var d entryDoc
	err := s.inbox.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if mongox.IsNotFound(err) {
		return notification.Entry{}, fmt.Errorf("inbox entry %s: %w", id, notification.ErrNotFound)
	}
	if err != nil {
		return notification.Entry{}, fmt.Errorf("find inbox entry %s: %w", id, err)
	}
	return toDomainEntry(d), nil
}

// MarkRead sets read on entry id, keeping the first read time: of readers
// marking it at once, the versioned write lets one win and the others
// find it read. It addresses the entry by _id alone (FerretDB scans on
// any other filter).
func (s *Store) MarkRead(ctx context.Context, id string, at time.Time) (notification.Entry, error) {
	for attempt := 1; ; attempt++ {
		var d entryDoc
		err := s.inbox.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		if mongox.IsNotFound(err) {
			return notification.Entry{}, fmt.Errorf("inbox entry %s: %w", id, notification.ErrNotFound)
		}
		if err != nil {
			return notification.Entry{}, fmt.Errorf("find inbox entry %s: %w", id, err)
		}
		if d.Read {
			return toDomainEntry(d), nil
		}
		err = mongox.UpdateVersioned(ctx, s.inbox, id, d.Version,
			bson.D{{Key: "$set", Value: bson.D{{Key: "read", Value: true}, {Key: "read_at", Value: at}}}})
		switch {
		case err == nil:
			d.Read, d.ReadAt = true, &at
			return toDomainEntry(d), nil
		case !errors.Is(err, mongox.ErrConflict) || attempt == markReadAttempts:
			return notification.Entry{}, fmt.Errorf("mark inbox entry %s read: %w", id, err)
		}
		select { // another reader marked it first: read it again
		case <-ctx.Done():
			return notification.Entry{}, ctx.Err()
		case <-time.After(time.Duration(attempt) * 5 * time.Millisecond):
		}
	}
}
