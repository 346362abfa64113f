// Package store keeps the clock's deadlines in MongoDB: one document per
// deadline in one collection, with real, indexed fields. Timers are not
// here: they live in the JetStream message scheduler.
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
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// Store implements deadline.Store over the deadlines collection.
type Store struct {
	coll *mongo.Collection
}

// New returns a store over db.
func New(db *mongo.Database) *Store { return &Store{coll: db.Collection("deadlines")} }

// EnsureIndexes declares the indexes of the queries: a department's list
// and the level lists and counts (department+level), the sweep over
// running deadlines (state+next_at), due-date reports (state+due_at) and
// the count of provisional ones (provisional+state).
func (s *Store) EnsureIndexes(ctx context.Context) error {
	return mongox.EnsureIndexes(ctx, s.coll,
		mongo.IndexModel{Keys: bson.D{{Key: "department", Value: 1}, {Key: "level", Value: 1}, {Key: "due_at", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "level", Value: 1}, {Key: "state", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "state", Value: 1}, {Key: "next_at", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "state", Value: 1}, {Key: "due_at", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "provisional", Value: 1}, {Key: "state", Value: 1}}},
	)
}

// deadlineDoc is a deadline as stored. Empty fields are stored empty, not
// left out, so that a whole-state $set clears what went empty.
type deadlineDoc struct {
	ID      string       `bson:"_id"`
	Version int64        `bson:"version"`
	Data    deadlineData `bson:",inline"`
}

type deadlineData struct {
	Kind         string     `bson:"kind"`
	RefID        string     `bson:"ref_id"`
	ProjectCode  string     `bson:"project_code"`
	ProjectName  string     `bson:"project_name"`
	Title        string     `bson:"title"`
	Department   string     `bson:"department"`
	Days         int        `bson:"working_days"`
	Immediate    bool       `bson:"immediate"`
	GreenChannel bool       `bson:"green_channel"`
	AssignedAt   time.Time  `bson:"assigned_at"`
	AcceptedAt   time.Time  `bson:"accepted_at"`
	AcceptedLate bool       `bson:"accepted_late,omitempty"`
	Start        time.Time  `bson:"start"`
	PausedDays   int        `bson:"paused_working_days"`
	Pauses       []pauseDoc `bson:"pauses,omitempty"`
	PauseReason  string     `bson:"pause_reason,omitempty"`
	State        string     `bson:"state"`
	PausedAt     time.Time  `bson:"paused_at"`
	StoppedAt    time.Time  `bson:"stopped_at"`
	Outcome      string     `bson:"outcome"`
	DueAt        time.Time  `bson:"due_at"`
	DueDate      string     `bson:"due_date"`
	Provisional  bool       `bson:"provisional"`
	Gen          int        `bson:"gen"`
	Round        int        `bson:"round"`
	LastChange   time.Time  `bson:"last_change"`
	Level        string     `bson:"level"`
	LevelAt      time.Time  `bson:"level_at"`
	NextLevel    string     `bson:"next_level"`
	NextAt       time.Time  `bson:"next_at"`
}

func toDB(d deadline.Deadline) deadlineDoc {
	return deadlineDoc{ID: d.ID, Version: d.Version, Data: deadlineData{Kind: d.Kind, RefID: d.RefID, ProjectCode: d.ProjectCode,
		ProjectName: d.ProjectName, Title: d.Title, Department: d.Department, Days: d.Days, Immediate: d.Immediate,
		GreenChannel: d.GreenChannel, AssignedAt: utc(d.AssignedAt), AcceptedAt: utc(d.AcceptedAt),
		AcceptedLate: d.AcceptedLate, Start: utc(d.Start), PausedDays: d.PausedDays, Pauses: toDBPauses(d.Pauses),
		PauseReason: d.PauseReason, State: string(d.State), PausedAt: utc(d.PausedAt),
		StoppedAt: utc(d.StoppedAt), Outcome: d.Outcome, DueAt: utc(d.DueAt), DueDate: d.DueDate, Provisional: d.Provisional, Gen: d.Gen,
		Round: d.Round, LastChange: utc(d.LastChange), Level: string(d.Level), LevelAt: utc(d.LevelAt),
		NextLevel: string(d.NextLevel), NextAt: utc(d.NextAt)}}
}

func toDomain(doc deadlineDoc) deadline.Deadline {
	x := doc.Data
	return deadline.Deadline{ID: doc.ID, Kind: x.Kind, RefID: x.RefID, ProjectCode: x.ProjectCode,
		ProjectName: x.ProjectName, Title: x.Title, Department: x.Department, Days: x.Days,
		Immediate: x.Immediate, GreenChannel: x.GreenChannel, AssignedAt: utc(x.AssignedAt),
		AcceptedAt: utc(x.AcceptedAt), AcceptedLate: x.AcceptedLate, Start: utc(x.Start), PausedDays: x.PausedDays,
		Pauses: toDomainPauses(x.Pauses), PauseReason: x.PauseReason,
		State: deadline.State(x.State), PausedAt: utc(x.PausedAt), StoppedAt: utc(x.StoppedAt),
		Outcome: x.Outcome, DueAt: utc(x.DueAt), DueDate: x.DueDate, Provisional: x.Provisional, Gen: x.Gen, Round: x.Round,
		LastChange: utc(x.LastChange), Level: deadline.Level(x.Level), LevelAt: utc(x.LevelAt),
		NextLevel: deadline.Level(x.NextLevel), NextAt: utc(x.NextAt), Version: doc.Version}
}

// pauseDoc is one ended pause of a deadline.
type pauseDoc struct {
	Reason      string    `bson:"reason"`
	From        time.Time `bson:"from"`
	To          time.Time `bson:"to"`
	WorkingDays int       `bson:"working_days"`
}

func toDBPauses(ps []deadline.Pause) []pauseDoc {
	var out []pauseDoc
	for _, p := range ps {
		out = append(out, pauseDoc{Reason: p.Reason, From: utc(p.From), To: utc(p.To), WorkingDays: p.WorkingDays})
	}
	return out
}

func toDomainPauses(ps []pauseDoc) []deadline.Pause {
	var out []deadline.Pause
	for _, p := range ps {
		out = append(out, deadline.Pause{Reason: p.Reason, From: utc(p.From), To: utc(p.To), WorkingDays: p.WorkingDays})
	}
	return out
}

// utc keeps zero times zero and others in UTC at the millisecond precision
// of BSON dates, so that a deadline reads back as it was saved.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Millisecond)
}

// Create inserts d.
func (s *Store) Create(ctx context.Context, d deadline.Deadline) error {
	if _, err := s.coll.InsertOne(ctx, toDB(d)); err != nil {
		if mongox.IsDuplicateKey(err) {
			return fmt.Errorf("deadline %s: %w", d.ID, deadline.ErrDuplicate)
		}
		return fmt.Errorf("insert deadline: %w", err)
	}
	return nil
}

// CreateMany inserts ds in bulk (loading and benchmarks); ds must be new.
func (s *Store) CreateMany(ctx context.Context, ds []deadline.Deadline) error {
	docs := make([]any, len(ds))
	for i, d := range ds {
		docs[i] = toDB(d)
	}
	if _, err := s.coll.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false)); err != nil {
		return fmt.Errorf("insert deadlines: %w", err)
	}
	return nil
}

// Get reads one deadline.
func (s *Store) Get(ctx context.Context, id string) (deadline.Deadline, error) {
	var doc deadlineDoc
	err := s.coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&doc)
	if mongox.IsNotFound(err) {
		return deadline.Deadline{}, fmt.Errorf("deadline %s: %w", id, deadline.ErrNotFound)
	}
	if err != nil {
		return deadline.Deadline{}, fmt.Errorf("find deadline: %w", err)
	}
	return toDomain(doc), nil
}

// Update saves d over the stored version d.Version (mongox.UpdateVersioned).
func (s *Store) Update(ctx context.Context, d deadline.Deadline) error {
	err := mongox.UpdateVersioned(ctx, s.coll, d.ID, d.Version, bson.D{{Key: "$set", Value: toDB(d).Data}})
	switch {
	case errors.Is(err, mongox.ErrConflict):
		return fmt.Errorf("deadline %s: %w", d.ID, deadline.ErrConflict)
	case errors.Is(err, mongox.ErrNotFound):
		return fmt.Errorf("deadline %s: %w", d.ID, deadline.ErrNotFound)
	}
	return err
}

// List implements deadline.Store.
func (s *Store) List(ctx context.Context, department string, level deadline.Level) ([]deadline.Deadline, error) {
	filter := bson.D{}
	if department != "" {
		filter = append(filter, bson.E{Key: "department", Value: department})
	}
	if level != "" {
		// The red and yellow lists are of the department's own limits: a
		// follow-up (the owner's 容缺 materials, a 告知承诺 check) is not one.
		filter = append(filter, bson.E{Key: "level", Value: string(level)},
			bson.E{Key: "state", Value: bson.D{{Key: "$ne", Value: string(deadline.StateStopped)}}}, notFollowUp)
	}
	return mongox.FindAll(ctx, s.coll, filter, toDomain, options.Find().SetSort(bson.D{{Key: "due_at", Value: 1}, {Key: "_id", Value: 1}}))
}

// warned are the levels the gauges count.
var warned = func() bson.A {
	var out bson.A
	for _, l := range deadline.Ladder[1:] {
		out = append(out, string(l))
	}
	return out
}()

// notFollowUp leaves out the follow-up clocks, which do not charge the
// department.
var notFollowUp = bson.E{Key: "kind", Value: bson.D{{Key: "$nin", Value: deadline.FollowUpKinds}}}

// Counts implements deadline.Store with one aggregation; the follow-up
// clocks are not counted: an owner late with 容缺 materials is not the
// department's overdue item.
func (s *Store) Counts(ctx context.Context) (map[deadline.LevelKey]int, error) {
	cur, err := s.coll.Aggregate(ctx, mongo.Pipeline{
		{{Key: "$match", Value: bson.D{
			{Key: "level", Value: bson.D{{Key: "$in", Value: warned}}},
			{Key: "state", Value: bson.D{{Key: "$ne", Value: string(deadline.StateStopped)}}},
			notFollowUp,
		}}},
		{{Key: "$group", Value: bson.D{
			{Key: "_id", Value: bson.D{{Key: "department", Value: "$department"}, {Key: "level", Value: "$level"}}},
			{Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}},
		}}},
	})
	if err != nil {
		return nil, fmt.Errorf("count levels: %w", err)
	}
	defer cur.Close(ctx)
	out := map[deadline.LevelKey]int{}
	for cur.Next(ctx) {
		var row struct {
			ID struct {
				Department string `bson:"department"`
				Level      string `bson:"level"`
			} `bson:"_id"`
			N int `bson:"n"`
		}
		if err := cur.Decode(&row); err != nil {
			return nil, fmt.Errorf("count levels: %w", err)
		}
		out[deadline.LevelKey{Department: row.ID.Department, Level: deadline.Level(row.ID.Level)}] = row.N
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("count levels: %w", err)
	}
	return out, nil
}

// Provisional counts the deadlines not decided whose due date runs into a
// year without official data.
func (s *Store) Provisional(ctx context.Context) (int, error) {
	n, err := s.coll.CountDocuments(ctx, bson.D{{Key: "provisional", Value: true},
		{Key: "state", Value: bson.D{{Key: "$ne", Value: string(deadline.StateStopped)}}}})
	if err != nil {
		return 0, fmt.Errorf("count provisional deadlines: %w", err)
	}
	return int(n), nil
}

// Provisionals implements deadline.ProvisionalStore: the deadlines not
// decided marked provisional, by the provisional+state index on MongoDB.
func (s *Store) Provisionals(ctx context.Context) ([]deadline.Deadline, error) {
	return mongox.FindAll(ctx, s.coll, bson.D{{Key: "provisional", Value: true},
		{Key: "state", Value: bson.D{{Key: "$ne", Value: string(deadline.StateStopped)}}}}, toDomain,
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
}

// Crossing implements deadline.ProvisionalStore: the deadlines not
// decided whose count runs over [from, to), by the state+due index on
// MongoDB (a scan on FerretDB; it runs only when a year file changed).
func (s *Store) Crossing(ctx context.Context, from, to time.Time) ([]deadline.Deadline, error) {
	return mongox.FindAll(ctx, s.coll, bson.D{
		{Key: "state", Value: bson.D{{Key: "$ne", Value: string(deadline.StateStopped)}}},
		{Key: "due_at", Value: bson.D{{Key: "$gt", Value: from.UTC()}}},
		{Key: "start", Value: bson.D{{Key: "$lt", Value: to.UTC()}}},
	}, toDomain, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
}

// Running implements deadline.Store: a scan on FerretDB, an index range on
// MongoDB; the reconciliation sweep runs it at start and at a low rate.
func (s *Store) Running(ctx context.Context, fn func(deadline.Deadline) error) error {
	cur, err := s.coll.Find(ctx, bson.D{
		{Key: "state", Value: string(deadline.StateRunning)},
		{Key: "next_level", Value: bson.D{{Key: "$ne", Value: ""}}},
	})
	if err != nil {
		return fmt.Errorf("running deadlines: %w", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var doc deadlineDoc
		if err := cur.Decode(&doc); err != nil {
			return fmt.Errorf("running deadlines: %w", err)
		}
		if err := fn(toDomain(doc)); err != nil {
			return err
		}
	}
	return cur.Err()
}
