package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/meeting"
)

type candidateDoc struct {
	ID          string    `bson:"_id"`
	Source      string    `bson:"source"`
	RefID       string    `bson:"ref_id,omitempty"`
	ProblemID   string    `bson:"problem_id,omitempty"`
	ProjectCode string    `bson:"project_code,omitempty"`
	Department  string    `bson:"department"`
	Title       string    `bson:"title"`
	Text        string    `bson:"text,omitempty"`
	RaisedAt    time.Time `bson:"raised_at"`
	Status      string    `bson:"status"`
	MeetingID   string    `bson:"meeting_id,omitempty"`
}

func toDomainCandidate(d candidateDoc) meeting.Candidate {
	c := meeting.Candidate(d)
	c.RaisedAt = c.RaisedAt.UTC()
	return c
}

// PutCandidate inserts c; an existing candidate of the same id is kept as
// it is, so a redelivered escalation changes nothing.
func (s *Store) PutCandidate(ctx context.Context, c meeting.Candidate) error {
	if _, err := s.candidates.InsertOne(ctx, candidateDoc(c)); err != nil && !mongox.IsDuplicateKey(err) {
		return fmt.Errorf("insert candidate %s: %w", c.ID, err)
	}
	return nil
}

// Candidate reads one candidate.
func (s *Store) Candidate(ctx context.Context, id string) (meeting.Candidate, error) {
	var d candidateDoc
	err := s.candidates.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if mongox.IsNotFound(err) {
		return meeting.Candidate{}, fmt.Errorf("candidate %s: %w", id, meeting.ErrNotFound)
	}
	if err != nil {
		return meeting.Candidate{}, fmt.Errorf("find candidate %s: %w", id, err)
	}
	return toDomainCandidate(d), nil
}

// Candidates lists candidates, oldest first.
func (s *Store) Candidates(ctx context.Context, status string, limit int) ([]meeting.Candidate, error) {
	filter := bson.D{}
	if status != "" {
		filter = append(filter, bson.E{Key: "status", Value: status})
	}
	return mongox.FindAll(ctx, s.candidates, filter, toDomainCandidate, options.Find().
		SetSort(bson.D{{Key: "raised_at", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
}

// SetCandidates sets status and meeting of each candidate, one update by
// _id each (FerretDB scans on anything else).
func (s *Store) SetCandidates(ctx context.Context, ids []string, status, meetingID string) error {
	for _, id := range ids {
		if _, err := s.candidates.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: status}, {Key: "meeting_id", Value: meetingID}}}}); err != nil {
			return fmt.Errorf("update candidate %s: %w", id, err)
		}
	}
	return nil
}
