// Package store keeps the ledger in MongoDB: one document per project with
// its items, problems and tasks embedded, so that a department action, the
// assignments it unlocks and their events are saved by one document write.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/pkg/outbox"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// Store implements ledger.Store. Every change of a ledger is one
// mongox.UpdateVersioned of its project document, based on the version the
// writer read, with the change's events in the document's outbox written
// by the same update (see events.go for how they leave it).
type Store struct {
	projects *mongo.Collection
	pub      outbox.Publisher
	log      *slog.Logger
	held     heldLedgers
}

// New returns a store over db.
func New(db *mongo.Database, log *slog.Logger) *Store {
	return &Store{projects: db.Collection("projects"), log: log, held: heldLedgers{m: map[string]heldLedger{}}}
}

// Collections are the collections whose documents carry an outbox, for
// the outbox sweep.
func (s *Store) Collections() []*mongo.Collection { return []*mongo.Collection{s.projects} }

// UsePublisher sets the publisher of a write's events right after the
// write; without one they wait for the outbox sweep.
func (s *Store) UsePublisher(p outbox.Publisher) { s.pub = p }

// EnsureIndexes declares the indexes production MongoDB uses for queues.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	return mongox.EnsureIndexes(ctx, s.projects,
		mongo.IndexModel{Keys: bson.D{{Key: "items.department", Value: 1}, {Key: "items.status", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "work_group", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "category", Value: 1}}})
}

// Create saves a new ledger (version 1) with its events and publishes them.
// A redelivered registration finds the ledger saved, events and all (a
// crash before they went out leaves them to the sweep).
func (s *Store) Create(ctx context.Context, p ledger.Project, msgs []event.Message) error {
	out := outbox.Entries(msgs)
	if _, err := s.projects.InsertOne(ctx, toDBProject(p, out)); err != nil {
		if mongox.IsDuplicateKey(err) {
			return fmt.Errorf("ledger %s: %w", p.Code, ledger.ErrDuplicate)
		}
		return fmt.Errorf("insert ledger %s: %w", p.Code, err)
	}
	s.held.put(p.Code, heldLedger{version: p.Version, doc: marshal(toDBProject(p, out)), entries: out,
		published: s.publish(ctx, p.Code, out)})
	return nil
}

// Update saves p, based on version base, with its events. It reports
// ledger.ErrVersionConflict when the stored ledger is no longer at base.
func (s *Store) Update(ctx context.Context, p ledger.Project, base int64, msgs []event.Message) error {
	if p.Version != base+1 {
		return fmt.Errorf("ledger %s: version %d does not follow %d", p.Code, p.Version, base)
	}
	out := outbox.Entries(msgs)
	update, stored := s.withEvents(ctx, p.Code, base, stateFields(toDBProject(p, nil)), out)
	err := mongox.UpdateVersioned(ctx, s.projects, p.Code, base, update)
	switch {
	case errors.Is(err, mongox.ErrConflict):
		return fmt.Errorf("ledger %s at version %d: %w", p.Code, base, ledger.ErrVersionConflict)
	case errors.Is(err, mongox.ErrNotFound):
		return fmt.Errorf("ledger %s: %w", p.Code, ledger.ErrNotFound)
	case err != nil:
		return fmt.Errorf("save ledger %s: %w", p.Code, err)
	}
	published := s.publish(ctx, p.Code, out)
	if stored == nil {
		s.held.forget(p.Code)
	} else {
		s.held.put(p.Code, heldLedger{version: p.Version, doc: marshal(toDBProject(p, stored)), entries: stored,
			published: published && len(stored) == len(out)})
	}
	return nil
}

// stateFields are every field a write may change; the version is bumped
// by UpdateVersioned, and the code and opening time never change.
func stateFields(d projectDoc) bson.D {
	return bson.D{
		{Key: "name", Value: d.Name}, {Key: "category", Value: d.Category}, {Key: "level", Value: d.Level},
		{Key: "owner_organisation", Value: d.OwnerOrganisation}, {Key: "owner_contact", Value: d.OwnerContact},
		{Key: "owner_phone", Value: d.OwnerPhone}, {Key: "location", Value: d.Location},
		{Key: "investment_wan", Value: d.InvestmentWan}, {Key: "stage", Value: d.Stage},
		{Key: "officer", Value: d.Officer}, {Key: "work_group", Value: d.WorkGroup},
		{Key: "green_channel", Value: d.GreenChannel},
		{Key: "items", Value: d.Items}, {Key: "problems", Value: d.Problems}, {Key: "tasks", Value: d.Tasks},
		{Key: "officer_history", Value: d.OfficerHistory}, {Key: "image_progress", Value: d.ImageProgress},
		{Key: "progress", Value: d.Progress}, {Key: "planned_start", Value: d.PlannedStart},
	}
}

// Project reads one ledger by its code, and holds it (see ProjectAt and
// events.go).
func (s *Store) Project(ctx context.Context, code string) (ledger.Project, error) {
	raw, err := s.projects.FindOne(ctx, bson.D{{Key: "_id", Value: code}}).Raw()
	switch {
	case mongox.IsNotFound(err):
		return ledger.Project{}, fmt.Errorf("ledger %s: %w", code, ledger.ErrNotFound)
	case err != nil:
		return ledger.Project{}, fmt.Errorf("find ledger %s: %w", code, err)
	}
	var d projectDoc
	if err := bson.Unmarshal(raw, &d); err != nil {
		return ledger.Project{}, fmt.Errorf("decode ledger %s: %w", code, err)
	}
	s.held.put(code, heldLedger{version: d.Version, doc: raw, entries: d.Outbox})
	return toDomainProject(d), nil
}

// ProjectAt is the ledger at version without a read when that is the
// version this store last read or wrote, and Project otherwise. Every
// change moves the version (UpdateVersioned), so the document held for a
// version is the stored one, bar the outbox, which events.go accounts for;
// if the ledger moved on meanwhile, the write based on it is refused.
func (s *Store) ProjectAt(ctx context.Context, code string, version int64) (ledger.Project, error) {
	if k, ok := s.held.get(code); ok && k.version == version && k.doc != nil {
		var d projectDoc
		if err := bson.Unmarshal(k.doc, &d); err == nil {
			return toDomainProject(d), nil
		}
	}
	return s.Project(ctx, code)
}

// marshal is the document as the database stores it (times to the
// millisecond), or nil, which ProjectAt passes over, if it cannot be.
func marshal(d projectDoc) []byte {
	b, err := bson.Marshal(d)
	if err != nil {
		return nil
	}
	return b
}

// Queue lists items by department and status, earliest assigned first.
func (s *Store) Queue(ctx context.Context, department string, status ledger.Status) ([]ledger.QueueItem, error) {
	filter := bson.D{}
	if department != "" {
		filter = append(filter, bson.E{Key: "items.department", Value: department})
	}
	cur, err := s.projects.Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "outbox", Value: 0}}))
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	var docs []projectDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	var q []ledger.QueueItem
	for _, d := range docs {
		for _, id := range d.Items {
			if (department != "" && id.Department != department) || (status != "" && ledger.Status(id.Status) != status) {
				continue
			}
			q = append(q, ledger.QueueItem{Item: toDomainItem(id), ProjectCode: d.Code, ProjectName: d.Name,
				ProjectVersion: d.Version, GreenChannel: d.GreenChannel, Officer: d.Officer})
		}
	}
	return q, nil
}

// Projects lists the ledgers matching f, by project code.
func (s *Store) Projects(ctx context.Context, f ledger.ProjectFilter) ([]ledger.Project, error) {
	filter := bson.D{}
	if f.WorkGroup != "" {
		filter = append(filter, bson.E{Key: "work_group", Value: f.WorkGroup})
	}
	if f.Category != "" {
		filter = append(filter, bson.E{Key: "category", Value: f.Category})
	}
	return mongox.FindAll(ctx, s.projects, filter, toDomainProject, options.Find().
		SetProjection(bson.D{{Key: "outbox", Value: 0}}).SetSort(bson.D{{Key: "_id", Value: 1}}))
}

type statusOnly struct {
	Items []struct {
		Department string `bson:"department"`
		Status     string `bson:"status"`
	} `bson:"items"`
}

// PendingCounts recounts pending items from the documents themselves, so
// the figure is exact after a restart and the same on every replica.
func (s *Store) PendingCounts(ctx context.Context) (map[ledger.PendingKey]int, error) {
	cur, err := s.projects.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{
		{Key: "items.department", Value: 1}, {Key: "items.status", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("pending counts: %w", err)
	}
	defer cur.Close(ctx)
	counts := map[ledger.PendingKey]int{}
	for cur.Next(ctx) {
		var d statusOnly
		if err := cur.Decode(&d); err != nil {
			return nil, fmt.Errorf("pending counts: %w", err)
		}
		for _, it := range d.Items {
			if st := ledger.Status(it.Status); st.Pending() {
				counts[ledger.PendingKey{Department: it.Department, Status: st}]++
			}
		}
	}
	return counts, cur.Err()
}
