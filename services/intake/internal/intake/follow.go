package intake

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
)

// Statuses of a request after it was received, in the order the officer
// takes them: 承接, 办理, 办结, 回访 (seed 001).
const (
	StatusTaken    = "taken"
	StatusHandling = "handling"
	StatusClosed   = "closed"
	StatusVisited  = "visited"
)

// RequestStatuses lists a request's statuses in order.
var RequestStatuses = []string{StatusReceived, StatusTaken, StatusHandling, StatusClosed, StatusVisited}

// StatusNames are the statuses as the owner reads them.
var StatusNames = map[string]string{
	StatusReceived: "已受理", StatusTaken: "已承接", StatusHandling: "办理中", StatusClosed: "已办结", StatusVisited: "已回访",
}

// RequestStep is one step the officer took with a request.
type RequestStep struct {
	At     time.Time `json:"at"`
	Status string    `json:"status"`
	Name   string    `json:"name"`
	Actor  string    `json:"actor,omitempty"`
	Note   string    `json:"note,omitempty"`
}

// TaskStep is a step of the officer's task for a request, as the ledger
// reports it (tuijin.ledger.task.changed).
type TaskStep struct {
	RequestID    string
	Status       string
	Actor        string
	Note         string
	At           time.Time
	Satisfaction int
}

// ErrUnknownStatus: a step names no status a request can have.
var ErrUnknownStatus = errors.New("unknown request status")

// Later reports whether status comes after cur in a request's life.
func Later(status, cur string) bool {
	return slices.Index(RequestStatuses, status) > slices.Index(RequestStatuses, cur)
}

// FollowTask moves the request on to the step's status. Steps arrive at
// least once and may arrive out of order: one that is not later than the
// request's status changes nothing.
func (s *Service) FollowTask(ctx context.Context, st TaskStep) error {
	if !slices.Contains(RequestStatuses, st.Status) || st.Status == StatusReceived {
		return fmt.Errorf("step %q of request %s: %w", st.Status, st.RequestID, ErrUnknownStatus)
	}
	step := RequestStep{At: st.At.UTC().Truncate(time.Millisecond), Status: st.Status, Name: StatusNames[st.Status],
		Actor: st.Actor, Note: st.Note}
	err := s.requests.AdvanceRequest(ctx, st.RequestID, step, st.Satisfaction)
	if errors.Is(err, ErrNotFound) {
		return apperr.NotFound("request_not_found", "no request "+st.RequestID)
	}
	return err
}

// FollowStage takes the project's stage from the ledger, which moves it
// only forward (tuijin.ledger.project.changed): the registration then shows
// where the project stands. A stage not later than the stored one (a
// repeat, a late arrival) changes nothing.
func (s *Service) FollowStage(ctx context.Context, code, stage string) error {
	if !slices.Contains(Stages, stage) {
		return fmt.Errorf("stage %q of project %s: %w", stage, code, ErrUnknownStatus)
	}
	err := s.projects.AdvanceStage(ctx, code, stage)
	if errors.Is(err, ErrNotFound) {
		return apperr.NotFound("project_not_found", "no key project "+code+" is registered")
	}
	return err
}
