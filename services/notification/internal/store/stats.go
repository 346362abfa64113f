package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

// itemStatDoc is one item's line in the bulletin statistics. Each event
// sets its own fields by upsert, so they may arrive in any order.
type itemStatDoc struct {
	ID          string     `bson:"_id"`
	Department  string     `bson:"department"`
	Name        string     `bson:"name,omitempty"`
	ProjectCode string     `bson:"project_code,omitempty"`
	AssignedAt  time.Time  `bson:"assigned_at,omitempty"`
	CompletedAt *time.Time `bson:"completed_at,omitempty"`
	Overdue     bool       `bson:"overdue,omitempty"`
	Withdrawn   bool       `bson:"withdrawn,omitempty"`
}

func (s *Store) upsertStat(ctx context.Context, id string, set bson.D) error {
	if err := upsert(ctx, s.items, id, bson.D{{Key: "$set", Value: set}}); err != nil {
		return fmt.Errorf("item statistics of %s: %w", id, err)
	}
	return nil
}

// TrackAssigned records the item's name, project, department and
// assignment.
func (s *Store) TrackAssigned(ctx context.Context, st notification.ItemStat) error {
	return s.upsertStat(ctx, st.ItemID, bson.D{{Key: "department", Value: st.Department},
		{Key: "assigned_at", Value: st.AssignedAt}, {Key: "name", Value: st.Name}, {Key: "project_code", Value: st.ProjectCode}})
}

// Item reads what is known of one item.
func (s *Store) Item(ctx context.Context, id string) (notification.ItemStat, error) {
	var d itemStatDoc
	err := s.items.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	switch {
	case mongox.IsNotFound(err):
		return notification.ItemStat{}, fmt.Errorf("item %s: %w", id, notification.ErrNotFound)
	case err != nil:
		return notification.ItemStat{}, fmt.Errorf("item %s: %w", id, err)
	}
	return toDomainItemStat(d), nil
}

func toDomainItemStat(d itemStatDoc) notification.ItemStat {
	return notification.ItemStat{ItemID: d.ID, Department: d.Department, Name: d.Name, ProjectCode: d.ProjectCode,
		AssignedAt: d.AssignedAt.UTC(), CompletedAt: utcPtr(d.CompletedAt), Overdue: d.Overdue, Withdrawn: d.Withdrawn}
}

// TrackFinished records that the item was finished at at.
func (s *Store) TrackFinished(ctx context.Context, itemID, dept string, at time.Time) error {
	return s.upsertStat(ctx, itemID, bson.D{{Key: "department", Value: dept}, {Key: "completed_at", Value: at}})
}

// TrackWithdrawn records that the applicant took the item back.
func (s *Store) TrackWithdrawn(ctx context.Context, itemID, dept string) error {
	return s.upsertStat(ctx, itemID, bson.D{{Key: "department", Value: dept}, {Key: "withdrawn", Value: true}})
}

// TrackReopened clears the outcome, withdrawal and overdue mark of the
// item's earlier round.
func (s *Store) TrackReopened(ctx context.Context, itemID, dept string) error {
	return s.upsertStat(ctx, itemID, bson.D{{Key: "department", Value: dept},
		{Key: "completed_at", Value: nil}, {Key: "withdrawn", Value: false}, {Key: "overdue", Value: false}})
}

// TrackOverdue records that the item went overdue.
func (s *Store) TrackOverdue(ctx context.Context, itemID, dept string) error {
	return s.upsertStat(ctx, itemID, bson.D{{Key: "department", Value: dept}, {Key: "overdue", Value: true}})
}

// ItemStats reads every item's statistics.
func (s *Store) ItemStats(ctx context.Context) ([]notification.ItemStat, error) {
	return mongox.FindAll(ctx, s.items, bson.D{}, toDomainItemStat)
}
