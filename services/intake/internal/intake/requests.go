package intake

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/audit"
	"github.com/tuijin/tuijin/pkg/auth"
)

// Limits of a page of requests.
const (
	DefaultRequestLimit = 50
	MaxRequestLimit     = 200
)

// RequestQuery selects requests: of one project or, empty, of every
// project the caller may read; of one status or any; a page at Offset,
// newest first.
type RequestQuery struct {
	Project string
	Status  string
	Limit   int
	Offset  int
	// Projects is the scope the service sets: the codes the caller may
	// read, nil for every project.
	Projects []string
}

// RequestPage is a page of requests and how many match in all.
type RequestPage struct {
	Total int       `json:"total"`
	Items []Request `json:"items"`
}

// Check trims q and checks its status and page.
func (q RequestQuery) Check() (RequestQuery, error) {
	q.Project, q.Status = strings.TrimSpace(q.Project), strings.TrimSpace(q.Status)
	if q.Status != "" && !slices.Contains(RequestStatuses, q.Status) {
		return RequestQuery{}, apperr.Invalid("status", "invalid_status", "status must be one of "+strings.Join(RequestStatuses, ", "))
	}
	if err := checkPage(q.Limit, q.Offset, MaxRequestLimit); err != nil {
		return RequestQuery{}, err
	}
	return q, nil
}

// Rating is the owner's own rating of how a request was served (好差评),
// given once the officer has closed it. It stands beside the satisfaction
// the officer notes at the follow-up visit: that is what the owner told
// the officer, this is what the owner says themselves.
type Rating struct {
	Score   int       `json:"score"`
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`
}

// Check trims r and checks its score and comment.
func (r Rating) Check() (Rating, error) {
	r.Comment = strings.TrimSpace(r.Comment)
	if r.Score < 1 || r.Score > 5 {
		return Rating{}, apperr.Invalid("score", "invalid_score", "score must be a whole number from 1 (很不满意) to 5 (非常满意)")
	}
	if len([]rune(r.Comment)) > 500 {
		return Rating{}, apperr.Invalid("comment", "too_long", "comment is longer than 500 characters")
	}
	return r, nil
}

// ListRequests returns a page of the requests q selects among those the
// caller may read: a supervisor all, an owner their organisation's
// projects', an officer their projects'.
func (s *Service) ListRequests(ctx context.Context, q RequestQuery) (RequestPage, error) {
	who, err := auth.Caller(ctx)
	if err != nil {
		return RequestPage{}, err
	}
	if q, err = q.Check(); err != nil {
		return RequestPage{}, err
	}
	if q, err = s.scopeRequests(ctx, who, q); err != nil {
		return RequestPage{}, err
	}
	items, total := []Request{}, 0
	if q.Projects == nil || len(q.Projects) > 0 {
		if items, total, err = s.requests.RequestPage(ctx, q); err != nil {
			return RequestPage{}, fmt.Errorf("list requests: %w", err)
		}
	}
	return RequestPage{Total: total, Items: items}, nil
}

// scopeRequests narrows q to the projects who may read requests of.
func (s *Service) scopeRequests(ctx context.Context, who auth.Principal, q RequestQuery) (RequestQuery, error) {
	if q.Project != "" {
		pr, err := s.projects.Project(ctx, q.Project)
		if errors.Is(err, ErrNotFound) {
			return RequestQuery{}, apperr.Invalid("project", "unknown_project", "no key project "+q.Project+" is registered")
		}
		if err != nil {
			return RequestQuery{}, fmt.Errorf("look up project: %w", err)
		}
		if !s.mayRead(who, pr, auth.Supervisor) {
			return RequestQuery{}, auth.Forbidden("the requests of project " + pr.Code + " are read by its owner and its officer, or a supervisor")
		}
		q.Projects = []string{pr.Code}
		return q, nil
	}
	if who.Has(auth.Supervisor) {
		return q, nil
	}
	pq := ProjectQuery{Limit: MaxProjectLimit}
	switch officer := s.officerCode(who); {
	case who.Has(auth.Owner) && who.Owner != "":
		pq.Owner = who.Owner
	case officer != "":
		pq.Officer = officer
	default:
		return RequestQuery{}, auth.Forbidden("listing requests needs the role owner, officer or supervisor")
	}
	q.Projects = []string{}
	for {
		page, total, err := s.projects.Projects(ctx, pq)
		if err != nil {
			return RequestQuery{}, fmt.Errorf("projects of the caller: %w", err)
		}
		for _, p := range page {
			q.Projects = append(q.Projects, p.Code)
		}
		pq.Offset += len(page)
		if len(page) == 0 || pq.Offset >= total {
			return q, nil
		}
	}
}

// RateRequest records the owner's rating of request id, once, after the
// officer has closed it (办结 or 回访).
func (s *Service) RateRequest(ctx context.Context, id string, r Rating) (Request, error) {
	who, err := auth.Caller(ctx)
	if err != nil {
		return Request{}, err
	}
	if r, err = r.Check(); err != nil {
		return Request{}, err
	}
	req, err := s.requests.Request(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Request{}, apperr.NotFound("request_not_found", "no request "+id)
	}
	if err != nil {
		return Request{}, err
	}
	audit.Note(ctx, req.ProjectCode, "rate "+strconv.Itoa(r.Score))
	pr, err := s.projects.Project(ctx, req.ProjectCode)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Request{}, fmt.Errorf("project of request %s: %w", id, err)
	}
	if err != nil || !who.OwnerOf(pr.OwnerOrganisation) {
		return Request{}, auth.Forbidden("request " + id + " is rated by the owner of its project")
	}
	if Later(StatusClosed, req.Status) {
		return Request{}, apperr.Conflict("request_not_closed",
			"request "+id+" is "+StatusNames[req.Status]+": it can be rated once the officer has closed it (已办结)")
	}
	r.At, r.By = s.clock.Now().UTC().Truncate(time.Millisecond), who.Subject
	switch err := s.requests.Rate(ctx, id, r); {
	case errors.Is(err, ErrDuplicate):
		return Request{}, apperr.Conflict("already_rated", "request "+id+" has been rated already")
	case err != nil:
		return Request{}, fmt.Errorf("rate request %s: %w", id, err)
	}
	req.Rating = &r
	return req, nil
}
