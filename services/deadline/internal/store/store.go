// Package store keeps deadlines in MongoDB, addressed by _id.
package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// Store implements deadline.Store.
type Store struct {
	deadlines *mongo.Collection
}

// New returns a store over db.
func New(db *mongo.Database) *Store { return &Store{deadlines: db.Collection("deadlines")} }

// EnsureIndexes declares the indexes production MongoDB uses.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	return mongox.EnsureIndexes(ctx, s.deadlines,
		mongo.IndexModel{Keys: bson.D{{Key: "department", Value: 1}, {Key: "due_at", Value: 1}}})
}

type deadlineDoc struct {
	ID          string    `bson:"_id"`
	Kind        string    `bson:"kind"`
	RefID       string    `bson:"ref_id"`
	ProjectCode string    `bson:"project_code"`
	ProjectName string    `bson:"project_name,omitempty"`
	Title       string    `bson:"title"`
	Department  string    `bson:"department"`
	Start       time.Time `bson:"start"`
	Days        int       `bson:"days"`
	Immediate   bool      `bson:"immediate,omitempty"`
	DueAt       time.Time `bson:"due_at"`
	DueDate     string    `bson:"due_date"`
}

func toDB(d deadline.Deadline) deadlineDoc {
	return deadlineDoc{ID: d.ID, Kind: d.Kind, RefID: d.RefID, ProjectCode: d.ProjectCode, ProjectName: d.ProjectName,
		Title: d.Title, Department: d.Department, Start: d.Start, Days: d.Days, Immediate: d.Immediate,
		DueAt: d.DueAt, DueDate: d.DueDate}
}

func toBus(d deadlineDoc) deadline.Deadline {
	return deadline.Deadline{ID: d.ID, Kind: d.Kind, RefID: d.RefID, ProjectCode: d.ProjectCode,
		ProjectName: d.ProjectName, Title: d.Title, Department: d.Department, Start: d.Start.UTC(),
		Days: d.Days, Immediate: d.Immediate, DueAt: d.DueAt.UTC(), DueDate: d.DueDate}
}

// Create inserts d.
func (s *Store) Create(ctx context.Context, d deadline.Deadline) error {
	if _, err := s.deadlines.InsertOne(ctx, toDB(d)); err != nil {
		if mongox.IsDuplicateKey(err) {
			return fmt.Errorf("deadline %s: %w", d.ID, deadline.ErrDuplicate)
		}
		return fmt.Errorf("insert deadline: %w", err)
	}
	return nil
}

// Get reads one deadline.
func (s *Store) Get(ctx context.Context, id string) (deadline.Deadline, error) {
	var d deadlineDoc
	err := s.deadlines.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if mongox.IsNotFound(err) {
		return deadline.Deadline{}, fmt.Errorf("deadline %s: %w", id, deadline.ErrNotFound)
	}
	if err != nil {
		return deadline.Deadline{}, fmt.Errorf("find deadline: %w", err)
	}
	return toBus(d), nil
}

// List returns a department's deadlines, earliest due first.
func (s *Store) List(ctx context.Context, department string) ([]deadline.Deadline, error) {
	filter := bson.D{}
	if department != "" {
		filter = bson.D{{Key: "department", Value: department}}
	}
	cur, err := s.deadlines.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "due_at", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("list deadlines: %w", err)
	}
	var docs []deadlineDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list deadlines: %w", err)
	}
	out := make([]deadline.Deadline, len(docs))
	for i, d := range docs {
		out[i] = toBus(d)
	}
	return out, nil
}
