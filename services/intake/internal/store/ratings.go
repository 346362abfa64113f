package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/services/intake/internal/intake"
)

// ratingDoc is an owner's rating of a request, keyed by the request: the
// insert by _id is what makes a request rated once, on MongoDB and on
// FerretDB alike.
type ratingDoc struct {
	RequestID string    `bson:"_id"`
	Score     int       `bson:"score"`
	Comment   string    `bson:"comment,omitempty"`
	At        time.Time `bson:"at"`
	By        string    `bson:"by"`
}

// Rate keeps the owner's rating of request id, once.
func (s *Store) Rate(ctx context.Context, id string, r intake.Rating) error {
	_, err := s.ratings.InsertOne(ctx, ratingDoc{RequestID: id, Score: r.Score, Comment: r.Comment, At: r.At, By: r.By})
	if mongox.IsDuplicateKey(err) {
		return fmt.Errorf("rating of request %s: %w", id, intake.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("insert rating of request %s: %w", id, err)
	}
	return nil
}

// RequestPage reads a page of the requests q selects, newest first, with
// their ratings, and counts all that match.
func (s *Store) RequestPage(ctx context.Context, q intake.RequestQuery) ([]intake.Request, int, error) {
	filter := bson.D{}
	if q.Projects != nil {
		filter = append(filter, bson.E{Key: "project_code", Value: bson.D{{Key: "$in", Value: q.Projects}}})
	}
	if q.Status != "" {
		filter = append(filter, bson.E{Key: "status", Value: q.Status})
	}
	total, err := s.requests.CountDocuments(ctx, filter)
	if err != nil {
		return nil, 0, fmt.Errorf("count requests: %w", err)
	}
	rs, err := mongox.FindAll(ctx, s.requests, filter, toDomainRequest, options.Find().
		SetProjection(bson.D{{Key: "outbox", Value: 0}}).
		SetSort(bson.D{{Key: "received_at", Value: -1}, {Key: "_id", Value: 1}}).
		SetSkip(int64(q.Offset)).SetLimit(int64(q.Limit)))
	if err != nil {
		return nil, 0, err
	}
	rs, err = s.withRatings(ctx, rs)
	return rs, int(total), err
}

// withRatings sets the rating of each of rs that has one.
func (s *Store) withRatings(ctx context.Context, rs []intake.Request) ([]intake.Request, error) {
	if len(rs) == 0 {
		return rs, nil
	}
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	ratings, err := mongox.FindAll(ctx, s.ratings, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
		func(d ratingDoc) ratingDoc { return d })
	if err != nil {
		return nil, fmt.Errorf("find ratings: %w", err)
	}
	byID := make(map[string]intake.Rating, len(ratings))
	for _, d := range ratings {
		byID[d.RequestID] = intake.Rating{Score: d.Score, Comment: d.Comment, At: d.At.UTC(), By: d.By}
	}
	for i := range rs {
		if r, ok := byID[rs[i].ID]; ok {
			rs[i].Rating = &r
		}
	}
	return rs, nil
}
