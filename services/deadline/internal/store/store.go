// Package store keeps the clock in MongoDB. Every hot path addresses
// documents by _id: FerretDB's SQLite backend pushes down only an equality
// on _id and scans the collection for any other filter (see timers.go).
package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// Store implements deadline.Store over the deadlines collections (sharded
// by id, see shards).
type Store struct {
	deadlines shards
}

// New returns a store over db.
func New(db *mongo.Database) *Store { return &Store{deadlines: newShards(db, "deadlines", 64)} }

// EnsureIndexes declares the indexes production MongoDB uses.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	for _, c := range s.deadlines {
		if err := mongox.EnsureIndexes(ctx, c,
			mongo.IndexModel{Keys: bson.D{{Key: "department", Value: 1}, {Key: "due_at", Value: 1}}}); err != nil {
			return err
		}
	}
	return nil
}

// deadlineDoc keeps the few fields queries filter or sort on as fields, and
// the whole deadline as one JSON string: FerretDB converts every field of a
// document on every read (a 25-field document costs about 2 ms to read, one
// string a fraction of that), and the firing engine reads deadlines on its
// hot path.
type deadlineDoc struct {
	ID         string    `bson:"_id"`
	Department string    `bson:"department"`
	State      string    `bson:"state"`
	DueAt      time.Time `bson:"due_at"`
	Version    int       `bson:"version"`
	Data       string    `bson:"data"`
}

// stored is the deadline as its JSON string holds it, internal fields too.
type stored struct {
	ID           string    `json:"id"`
	Kind         string    `json:"kind"`
	RefID        string    `json:"ref"`
	ProjectCode  string    `json:"pc,omitempty"`
	ProjectName  string    `json:"pn,omitempty"`
	Title        string    `json:"t,omitempty"`
	Department   string    `json:"dep"`
	Days         int       `json:"days"`
	Immediate    bool      `json:"imm,omitempty"`
	GreenChannel bool      `json:"gc,omitempty"`
	AssignedAt   time.Time `json:"as"`
	AcceptedAt   time.Time `json:"acc,omitzero"`
	Start        time.Time `json:"st"`
	PausedDays   int       `json:"pd,omitempty"`
	State        string    `json:"s"`
	PausedAt     time.Time `json:"pa,omitzero"`
	StoppedAt    time.Time `json:"sa,omitzero"`
	Outcome      string    `json:"o,omitempty"`
	DueAt        time.Time `json:"due"`
	DueDate      string    `json:"dd"`
	Gen          int       `json:"g"`
	Round        int       `json:"r"`
	LastChange   time.Time `json:"lc"`
}

func toDB(d deadline.Deadline) deadlineDoc {
	b, _ := json.Marshal(stored{ID: d.ID, Kind: d.Kind, RefID: d.RefID, ProjectCode: d.ProjectCode,
		ProjectName: d.ProjectName, Title: d.Title, Department: d.Department, Days: d.Days, Immediate: d.Immediate,
		GreenChannel: d.GreenChannel, AssignedAt: d.AssignedAt, AcceptedAt: d.AcceptedAt, Start: d.Start,
		PausedDays: d.PausedDays, State: string(d.State), PausedAt: d.PausedAt, StoppedAt: d.StoppedAt,
		Outcome: d.Outcome, DueAt: d.DueAt, DueDate: d.DueDate, Gen: d.Gen, Round: d.Round, LastChange: d.LastChange})
	return deadlineDoc{ID: d.ID, Department: d.Department, State: string(d.State), DueAt: d.DueAt.UTC(),
		Version: d.Version, Data: string(b)}
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func toBus(doc deadlineDoc) (deadline.Deadline, error) {
	var d stored
	if err := json.Unmarshal([]byte(doc.Data), &d); err != nil {
		return deadline.Deadline{}, fmt.Errorf("deadline %s: %w", doc.ID, err)
	}
	return deadline.Deadline{ID: d.ID, Kind: d.Kind, RefID: d.RefID, ProjectCode: d.ProjectCode,
		ProjectName: d.ProjectName, Title: d.Title, Department: d.Department, Days: d.Days, Immediate: d.Immediate,
		GreenChannel: d.GreenChannel, AssignedAt: utc(d.AssignedAt), AcceptedAt: utc(d.AcceptedAt),
		Start: utc(d.Start), PausedDays: d.PausedDays, State: deadline.State(d.State), PausedAt: utc(d.PausedAt),
		StoppedAt: utc(d.StoppedAt), Outcome: d.Outcome, DueAt: utc(d.DueAt), DueDate: d.DueDate, Gen: d.Gen,
		Round: d.Round, LastChange: utc(d.LastChange), Version: doc.Version}, nil
}

// Create inserts d.
func (s *Store) Create(ctx context.Context, d deadline.Deadline) error {
	if _, err := s.deadlines.of(d.ID).InsertOne(ctx, toDB(d)); err != nil {
		if mongox.IsDuplicateKey(err) {
			return fmt.Errorf("deadline %s: %w", d.ID, deadline.ErrDuplicate)
		}
		return fmt.Errorf("insert deadline: %w", err)
	}
	return nil
}

// CreateMany inserts ds in bulk (loading and benchmarks); ds must be new.
func (s *Store) CreateMany(ctx context.Context, ds []deadline.Deadline) error {
	byShard := map[*mongo.Collection][]any{}
	for _, d := range ds {
		c := s.deadlines.of(d.ID)
		byShard[c] = append(byShard[c], toDB(d))
	}
	for c, docs := range byShard {
		if _, err := c.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false)); err != nil {
			return fmt.Errorf("insert deadlines: %w", err)
		}
	}
	return nil
}

// Get reads one deadline.
func (s *Store) Get(ctx context.Context, id string) (deadline.Deadline, error) {
	var d deadlineDoc
	err := s.deadlines.of(id).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if mongox.IsNotFound(err) {
		return deadline.Deadline{}, fmt.Errorf("deadline %s: %w", id, deadline.ErrNotFound)
	}
	if err != nil {
		return deadline.Deadline{}, fmt.Errorf("find deadline: %w", err)
	}
	return toBus(d)
}

// Update replaces d if its stored version is d.Version, bumping it. The
// version is compared after a read by _id rather than in the filter, since
// a filter beyond _id scans the whole collection on FerretDB (where a
// conditional write is not atomic either). Two replicas applying changes of
// the same item within the same milliseconds could thus lose one; the
// ledger emits an item's changes one at a time, as officers act on it.
func (s *Store) Update(ctx context.Context, d deadline.Deadline) error {
	cur, err := s.Get(ctx, d.ID)
	if err != nil {
		return err
	}
	if cur.Version != d.Version {
		return fmt.Errorf("deadline %s version %d, stored %d: %w", d.ID, d.Version, cur.Version, deadline.ErrConflict)
	}
	doc := toDB(d)
	doc.Version = d.Version + 1
	if _, err := s.deadlines.of(d.ID).ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, doc); err != nil {
		return fmt.Errorf("update deadline %s: %w", d.ID, err)
	}
	return nil
}

// List returns a department's deadlines, earliest due first. It filters on
// department: a scan on FerretDB, an index range on MongoDB.
func (s *Store) List(ctx context.Context, department string) ([]deadline.Deadline, error) {
	filter := bson.D{}
	if department != "" {
		filter = bson.D{{Key: "department", Value: department}}
	}
	var docs []deadlineDoc
	for _, c := range s.deadlines {
		cur, err := c.Find(ctx, filter)
		if err != nil {
			return nil, fmt.Errorf("list deadlines: %w", err)
		}
		var part []deadlineDoc
		if err := cur.All(ctx, &part); err != nil {
			return nil, fmt.Errorf("list deadlines: %w", err)
		}
		docs = append(docs, part...)
	}
	sort.Slice(docs, func(i, j int) bool {
		if !docs[i].DueAt.Equal(docs[j].DueAt) {
			return docs[i].DueAt.Before(docs[j].DueAt)
		}
		return docs[i].ID < docs[j].ID
	})
	out := make([]deadline.Deadline, len(docs))
	for i, d := range docs {
		var err error
		if out[i], err = toBus(d); err != nil {
			return nil, err
		}
	}
	return out, nil
}
