// Package store keeps coordination-meeting's meetings and agenda candidates
// in MongoDB.
package store

import (
	"context"
	"errors"
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

// Store implements meeting.Store. A meeting is one document, changed by
// mongox.UpdateVersioned on the version the writer read; its events ride
// in the document's outbox and the relay publishes them after the write.
type Store struct {
	meetings   *mongo.Collection
	candidates *mongo.Collection
	relay      *outbox.Relay
	log        *slog.Logger
}

// New returns a store over db.
func New(db *mongo.Database, log *slog.Logger) *Store {
	return &Store{meetings: db.Collection("meetings"), candidates: db.Collection("agenda_candidates"), log: log}
}

// Collections are the collections whose documents carry an outbox.
func (s *Store) Collections() []*mongo.Collection { return []*mongo.Collection{s.meetings} }

// UseRelay sets the relay that publishes right after a save.
func (s *Store) UseRelay(r *outbox.Relay) { s.relay = r }

// EnsureIndexes declares the indexes production MongoDB uses for lists.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	if err := mongox.EnsureIndexes(ctx, s.meetings,
		mongo.IndexModel{Keys: bson.D{{Key: "starts_at", Value: -1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "work_group", Value: 1}, {Key: "starts_at", Value: -1}}}); err != nil {
		return err
	}
	return mongox.EnsureIndexes(ctx, s.candidates,
		mongo.IndexModel{Keys: bson.D{{Key: "status", Value: 1}, {Key: "raised_at", Value: 1}}})
}

type agendaDoc struct {
	ID          string `bson:"id"`
	Source      string `bson:"source"`
	CandidateID string `bson:"candidate_id,omitempty"`
	ProjectCode string `bson:"project_code,omitempty"`
	ProblemID   string `bson:"problem_id,omitempty"`
	Department  string `bson:"department"`
	Title       string `bson:"title"`
	Text        string `bson:"text,omitempty"`
}

type actionDoc struct {
	ID          string           `bson:"id"`
	Department  string           `bson:"department"`
	Description string           `bson:"description"`
	DueAt       time.Time        `bson:"due_at"`
	Status      string           `bson:"status,omitempty"`
	History     []actionEntryDoc `bson:"history,omitempty"`
}

type actionEntryDoc struct {
	At     time.Time `bson:"at"`
	Change string    `bson:"change"`
	Actor  string    `bson:"actor"`
	From   string    `bson:"from"`
	Status string    `bson:"status"`
	Note   string    `bson:"note,omitempty"`
}

func toDBAction(a meeting.Action) *actionDoc {
	d := &actionDoc{ID: a.ID, Department: a.Department, Description: a.Description, DueAt: a.DueAt, Status: a.Status}
	for _, e := range a.History {
		d.History = append(d.History, actionEntryDoc(e))
	}
	return d
}

func toDomainAction(d actionDoc) *meeting.Action {
	a := &meeting.Action{ID: d.ID, Department: d.Department, Description: d.Description, DueAt: d.DueAt.UTC(), Status: d.Status}
	for _, e := range d.History {
		e.At = e.At.UTC()
		a.History = append(a.History, meeting.ActionEntry(e))
	}
	return a
}

type decisionDoc struct {
	AgendaEntryID string     `bson:"agenda_entry_id"`
	Outcome       string     `bson:"outcome"`
	Text          string     `bson:"text"`
	Action        *actionDoc `bson:"action,omitempty"`
	Report        string     `bson:"report,omitempty"`
}

type minutesDoc struct {
	RecordedAt time.Time     `bson:"recorded_at"`
	Summary    string        `bson:"summary,omitempty"`
	Decisions  []decisionDoc `bson:"decisions"`
}

type historyDoc struct {
	At           time.Time `bson:"at"`
	Change       string    `bson:"change"`
	Actor        string    `bson:"actor"`
	Reason       string    `bson:"reason"`
	FromStartsAt time.Time `bson:"from_starts_at"`
	FromLocation string    `bson:"from_location"`
	StartsAt     time.Time `bson:"starts_at"`
	Location     string    `bson:"location"`
}

type meetingDoc struct {
	ID           string         `bson:"_id"`
	Kind         string         `bson:"kind"`
	Title        string         `bson:"title"`
	StartsAt     time.Time      `bson:"starts_at"`
	Location     string         `bson:"location"`
	WorkGroup    string         `bson:"work_group,omitempty"`
	Attendees    []string       `bson:"attendees"`
	ProjectCode  string         `bson:"project_code,omitempty"`
	Status       string         `bson:"status"`
	CreatedAt    time.Time      `bson:"created_at"`
	Recurrence   string         `bson:"recurrence,omitempty"`
	Agenda       []agendaDoc    `bson:"agenda"`
	Minutes      *minutesDoc    `bson:"minutes,omitempty"`
	AutoConvened bool           `bson:"auto_convened,omitempty"`
	History      []historyDoc   `bson:"history,omitempty"`
	Version      int64          `bson:"version"`
	Outbox       []outbox.Entry `bson:"outbox"`
}

func toDBMeeting(m meeting.Meeting, out []outbox.Entry) meetingDoc {
	d := meetingDoc{
		ID: m.ID, Kind: m.Kind, Title: m.Title, StartsAt: m.StartsAt, Location: m.Location,
		WorkGroup: m.WorkGroup, Attendees: m.Attendees, ProjectCode: m.ProjectCode,
		Status: m.Status, CreatedAt: m.CreatedAt, Recurrence: m.Recurrence, AutoConvened: m.AutoConvened,
		Version: int64(m.Version), Outbox: out, Agenda: make([]agendaDoc, len(m.Agenda)),
	}
	for i, e := range m.Agenda {
		d.Agenda[i] = agendaDoc(e)
	}
	for _, h := range m.History {
		d.History = append(d.History, historyDoc(h))
	}
	if m.Minutes != nil {
		md := &minutesDoc{RecordedAt: m.Minutes.RecordedAt, Summary: m.Minutes.Summary, Decisions: make([]decisionDoc, len(m.Minutes.Decisions))}
		for i, dec := range m.Minutes.Decisions {
			dd := decisionDoc{AgendaEntryID: dec.AgendaEntryID, Outcome: dec.Outcome, Text: dec.Text, Report: dec.Report}
			if dec.Action != nil {
				dd.Action = toDBAction(*dec.Action)
			}
			md.Decisions[i] = dd
		}
		d.Minutes = md
	}
	return d
}

func toDomainMeeting(d meetingDoc) meeting.Meeting {
	m := meeting.Meeting{
		ID: d.ID, Kind: d.Kind, Title: d.Title, StartsAt: d.StartsAt.UTC(), Location: d.Location,
		WorkGroup: d.WorkGroup, Attendees: d.Attendees, ProjectCode: d.ProjectCode,
		Status: d.Status, CreatedAt: d.CreatedAt.UTC(), Recurrence: d.Recurrence, AutoConvened: d.AutoConvened,
		Version: int(d.Version), Agenda: make([]meeting.AgendaEntry, len(d.Agenda)),
	}
	for i, e := range d.Agenda {
		m.Agenda[i] = meeting.AgendaEntry(e)
	}
	for _, h := range d.History {
		h.At, h.FromStartsAt, h.StartsAt = h.At.UTC(), h.FromStartsAt.UTC(), h.StartsAt.UTC()
		m.History = append(m.History, meeting.HistoryEntry(h))
	}
	if d.Minutes != nil {
		mm := &meeting.Minutes{RecordedAt: d.Minutes.RecordedAt.UTC(), Summary: d.Minutes.Summary,
			Decisions: make([]meeting.Decision, len(d.Minutes.Decisions))}
		for i, dd := range d.Minutes.Decisions {
			dec := meeting.Decision{AgendaEntryID: dd.AgendaEntryID, Outcome: dd.Outcome, Text: dd.Text, Report: dd.Report}
			if dd.Action != nil {
				dec.Action = toDomainAction(*dd.Action)
			}
			mm.Decisions[i] = dec
		}
		m.Minutes = mm
	}
	return m
}

// readProjection leaves out the outbox, which readers never need.
var readProjection = bson.D{{Key: outbox.Field, Value: 0}}

// Create inserts the meeting with its events, then publishes them.
func (s *Store) Create(ctx context.Context, m meeting.Meeting, msgs []event.Message) error {
	out := outbox.Entries(msgs)
	if _, err := s.meetings.InsertOne(ctx, toDBMeeting(m, out)); err != nil {
		if mongox.IsDuplicateKey(err) {
			return fmt.Errorf("meeting %s: %w", m.ID, meeting.ErrDuplicate)
		}
		return fmt.Errorf("insert meeting: %w", err)
	}
	s.relay.FlushOrDefer(ctx, s.meetings, m.ID, out)
	return nil
}

// Update saves m as version m.Version over version m.Version-1, with its
// events pushed onto the outbox by the same write (mongox.UpdateVersioned),
// then publishes them. A writer that lost the version gets
// meeting.ErrConflict.
func (s *Store) Update(ctx context.Context, m meeting.Meeting, msgs []event.Message) error {
	d := toDBMeeting(m, nil)
	out := outbox.Entries(msgs)
	update := outbox.Push(bson.D{{Key: "$set", Value: bson.D{
		{Key: "attendees", Value: d.Attendees}, {Key: "status", Value: d.Status}, {Key: "agenda", Value: d.Agenda},
		{Key: "minutes", Value: d.Minutes}, {Key: "starts_at", Value: d.StartsAt}, {Key: "location", Value: d.Location},
		{Key: "history", Value: d.History},
	}}}, out...)
	err := mongox.UpdateVersioned(ctx, s.meetings, m.ID, d.Version-1, update)
	switch {
	case errors.Is(err, mongox.ErrConflict):
		return fmt.Errorf("meeting %s at version %d: %w", m.ID, d.Version-1, meeting.ErrConflict)
	case errors.Is(err, mongox.ErrNotFound):
		return fmt.Errorf("meeting %s: %w", m.ID, meeting.ErrNotFound)
	case err != nil:
		return fmt.Errorf("update meeting %s: %w", m.ID, err)
	}
	s.relay.FlushOrDefer(ctx, s.meetings, m.ID, out)
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
	return toDomainMeeting(d), nil
}

// List reads meetings, latest start first.
func (s *Store) List(ctx context.Context, q meeting.ListQuery) ([]meeting.Meeting, error) {
	filter := bson.D{}
	if q.WorkGroup != "" {
		filter = append(filter, bson.E{Key: "work_group", Value: q.WorkGroup})
	}
	return mongox.FindAll(ctx, s.meetings, filter, toDomainMeeting, options.Find().
		SetSort(bson.D{{Key: "starts_at", Value: -1}, {Key: "_id", Value: 1}}).
		SetLimit(int64(q.Limit)).SetProjection(readProjection))
}

// Upcoming lists meetings still scheduled that start after now, soonest
// first. It scans (FerretDB); meetings are few.
func (s *Store) Upcoming(ctx context.Context, now time.Time, limit int) ([]meeting.Meeting, error) {
	return mongox.FindAll(ctx, s.meetings, bson.D{{Key: "status", Value: meeting.StatusScheduled},
		{Key: "starts_at", Value: bson.D{{Key: "$gt", Value: now}}}}, toDomainMeeting, options.Find().
		SetSort(bson.D{{Key: "starts_at", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)).SetProjection(readProjection))
}
