// Package store keeps coordination-meeting's meetings in MongoDB.
package store

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
	"github.com/tuijin/tuijin/pkg/outbox"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/meeting"
)

// Store implements meeting.Store.
type Store struct {
	meetings *mongo.Collection
	relay    *outbox.Relay
	log      *slog.Logger
}

// New returns a store over db.
func New(db *mongo.Database, log *slog.Logger) *Store {
	return &Store{meetings: db.Collection("meetings"), log: log}
}

// Collections are the collections whose documents carry an outbox.
func (s *Store) Collections() []*mongo.Collection { return []*mongo.Collection{s.meetings} }

// UseRelay sets the relay that publishes right after a save.
func (s *Store) UseRelay(r *outbox.Relay) { s.relay = r }

// EnsureIndexes declares the indexes production MongoDB uses for lists.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	return mongox.EnsureIndexes(ctx, s.meetings,
		mongo.IndexModel{Keys: bson.D{{Key: "starts_at", Value: -1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "work_group", Value: 1}, {Key: "starts_at", Value: -1}}})
}

type meetingDoc struct {
	ID          string         `bson:"_id"`
	Kind        string         `bson:"kind"`
	Title       string         `bson:"title"`
	StartsAt    time.Time      `bson:"starts_at"`
	Location    string         `bson:"location"`
	WorkGroup   string         `bson:"work_group,omitempty"`
	Attendees   []string       `bson:"attendees"`
	ProjectCode string         `bson:"project_code,omitempty"`
	Status      string         `bson:"status"`
	CreatedAt   time.Time      `bson:"created_at"`
	Outbox      []outbox.Entry `bson:"outbox"`
}

func toDBMeeting(m meeting.Meeting, out []outbox.Entry) meetingDoc {
	return meetingDoc{
		ID: m.ID, Kind: m.Kind, Title: m.Title, StartsAt: m.StartsAt, Location: m.Location,
		WorkGroup: m.WorkGroup, Attendees: m.Attendees, ProjectCode: m.ProjectCode,
		Status: m.Status, CreatedAt: m.CreatedAt, Outbox: out,
	}
}

func toBusMeeting(d meetingDoc) meeting.Meeting {
	return meeting.Meeting{
		ID: d.ID, Kind: d.Kind, Title: d.Title, StartsAt: d.StartsAt.UTC(), Location: d.Location,
		WorkGroup: d.WorkGroup, Attendees: d.Attendees, ProjectCode: d.ProjectCode,
		Status: d.Status, CreatedAt: d.CreatedAt.UTC(),
	}
}

// readProjection leaves out the outbox, which readers never need.
var readProjection = bson.D{{Key: outbox.Field, Value: 0}}

// Create inserts the meeting with its events, then publishes them.
func (s *Store) Create(ctx context.Context, m meeting.Meeting, msgs []event.Message) error {
	out := make([]outbox.Entry, len(msgs))
	for i, msg := range msgs {
		out[i] = outbox.FromMessage(msg)
	}
	if _, err := s.meetings.InsertOne(ctx, toDBMeeting(m, out)); err != nil {
		return fmt.Errorf("insert meeting: %w", err)
	}
	s.flush(ctx, m.ID, out)
	return nil
}

// Meeting reads one meeting by id.
func (s *Store) Meeting(ctx context.Context, id string) (meeting.Meeting, error) {
	var d meetingDoc
	err := s.meetings.FindOne(ctx, bson.D{{Key: "_id", Value: id}},
		options.FindOne().SetProjection(readProjection)).Decode(&d)
	if mongox.IsNotFound(err) {
		return meeting.Meeting{}, fmt.Errorf("meeting %s: %w", id, meeting.ErrNotFound)
	}
	if err != nil {
		return meeting.Meeting{}, fmt.Errorf("find meeting: %w", err)
	}
	return toBusMeeting(d), nil
}

// List reads meetings, latest start first.
func (s *Store) List(ctx context.Context, q meeting.ListQuery) ([]meeting.Meeting, error) {
	filter := bson.D{}
	if q.WorkGroup != "" {
		filter = append(filter, bson.E{Key: "work_group", Value: q.WorkGroup})
	}
	cur, err := s.meetings.Find(ctx, filter, options.Find().
		SetSort(bson.D{{Key: "starts_at", Value: -1}, {Key: "_id", Value: 1}}).
		SetLimit(int64(q.Limit)).SetProjection(readProjection))
	if err != nil {
		return nil, fmt.Errorf("find meetings: %w", err)
	}
	var docs []meetingDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read meetings: %w", err)
	}
	ms := make([]meeting.Meeting, len(docs))
	for i, d := range docs {
		ms[i] = toBusMeeting(d)
	}
	return ms, nil
}

// flush publishes right away; a failure is left to the sweep, since the
// events are safely stored.
func (s *Store) flush(ctx context.Context, id string, out []outbox.Entry) {
	if s.relay == nil {
		return
	}
	if err := s.relay.Flush(ctx, s.meetings, id, out); err != nil {
		s.log.Warn("publishing deferred to the outbox sweep", "id", id, "err", err)
		return
	}
}
