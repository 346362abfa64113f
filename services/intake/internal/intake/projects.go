package intake

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/auth"
)

// Limits of a page of projects.
const (
	DefaultProjectLimit = 50
	MaxProjectLimit     = 200
)

// ProjectQuery selects registered projects: by the owner organisation, the
// officer, the stage and the work group (each optional, exact), a page at
// Offset.
type ProjectQuery struct {
	Owner     string
	Officer   string
	Stage     string
	WorkGroup string
	Limit     int
	Offset    int
}

// ProjectPage is a page of projects and how many match in all.
type ProjectPage struct {
	Total int       `json:"total"`
	Items []Project `json:"items"`
}

// Check trims q and checks its stage and page.
func (q ProjectQuery) Check() (ProjectQuery, error) {
	q.Owner, q.Officer = strings.TrimSpace(q.Owner), strings.TrimSpace(q.Officer)
	q.Stage, q.WorkGroup = strings.TrimSpace(q.Stage), strings.TrimSpace(q.WorkGroup)
	if code, ok := StageNames[q.Stage]; ok {
		q.Stage = code
	}
	if q.Stage != "" && !slices.Contains(Stages, q.Stage) {
		return ProjectQuery{}, apperr.Invalid("stage", "invalid_stage", "stage must be one of "+strings.Join(Stages, ", "))
	}
	if err := checkPage(q.Limit, q.Offset, MaxProjectLimit); err != nil {
		return ProjectQuery{}, err
	}
	return q, nil
}

// checkPage checks a list's page: limit 1 to max, offset 0 or more.
func checkPage(limit, offset, max int) error {
	switch {
	case limit < 1 || limit > max:
		return apperr.Invalid("limit", "invalid_limit", "limit must be a whole number from 1 to "+strconv.Itoa(max))
	case offset < 0:
		return apperr.Invalid("offset", "invalid_offset", "offset must be 0 or more")
	}
	return nil
}

func (s *Service) GetProject(ctx context.Context, code string) (Project, error) {
	who, err := auth.Caller(ctx)
	if err != nil {
		return Project{}, err
	}
	p, err := s.projects.Project(ctx, strings.TrimSpace(code))
	if errors.Is(err, ErrNotFound) {
		return Project{}, apperr.NotFound("project_not_found", "no key project "+code+" is registered")
	}
	if err != nil {
		return Project{}, fmt.Errorf("project %s: %w", code, err)
	}
	if !s.mayRead(who, p, projectReaders...) {
		return Project{}, auth.Forbidden("project " + p.Code + " is read by its owner and its officer, clerks, leaders, supervisors and secretaries")
	}
	return p, nil
}

func (s *Service) ListProjects(ctx context.Context, q ProjectQuery) (ProjectPage, error) {
	who, err := auth.Caller(ctx)
	if err != nil {
		return ProjectPage{}, err
	}
	q, err = q.Check()
	if err != nil {
		return ProjectPage{}, err
	}
	if q.WorkGroup != "" || q.Officer != "" {
		p := Project{WorkGroup: q.WorkGroup, Officer: q.Officer}
		if err := s.ref.Resolve(&p); err != nil {
			return ProjectPage{}, err
		}
		q.WorkGroup, q.Officer = p.WorkGroup, p.Officer
	}
	if q, err = s.scopeQuery(who, q); err != nil {
		return ProjectPage{}, err
	}
	items, total, err := s.projects.Projects(ctx, q)
	if err != nil {
		return ProjectPage{}, fmt.Errorf("list projects: %w", err)
	}
	if items == nil {
		items = []Project{}
	}
	return ProjectPage{Total: total, Items: items}, nil
}
