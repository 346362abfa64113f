package deadline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/workday"
)

// Errors the store reports.
var (
	ErrDuplicate = errors.New("already exists")
	ErrNotFound  = errors.New("not found")
)

// Store keeps deadlines.
type Store interface {
	// Create saves d, or reports ErrDuplicate if its id exists.
	Create(ctx context.Context, d Deadline) error
	Get(ctx context.Context, id string) (Deadline, error)
	// List returns the deadlines of department (all when empty).
	List(ctx context.Context, department string) ([]Deadline, error)
}

// ItemAssignment is what the clock needs of an assigned item.
type ItemAssignment struct {
	ItemID, ItemName, ProjectCode, ProjectName, Department string
	AssignedAt                                             time.Time
	PromisedDays                                           int
	Immediate                                              bool
}

// Service is the clock's use cases.
type Service interface {
	// StartItem starts the clock of an assigned item; starting it again
	// changes nothing.
	StartItem(ctx context.Context, a ItemAssignment) (Deadline, error)
	Get(ctx context.Context, id string) (Deadline, error)
	List(ctx context.Context, department, level string) ([]Deadline, error)
	Calendar() workday.Calendar
}

type service struct {
	store      Store
	cal        workday.Calendar
	clock      clock.Clock
	yellowDays int
}

// NewService returns the clock over store. yellowDays is the number of
// remaining working days at which a deadline turns yellow.
func NewService(store Store, cal workday.Calendar, c clock.Clock, yellowDays int) Service {
	return &service{store: store, cal: cal, clock: c, yellowDays: yellowDays}
}

func (s *service) Calendar() workday.Calendar { return s.cal }

func (s *service) StartItem(ctx context.Context, a ItemAssignment) (Deadline, error) {
	d := ForItem(s.cal, a.ItemID, a.AssignedAt, a.PromisedDays, a.Immediate)
	d.ProjectCode, d.ProjectName, d.Department, d.Title = a.ProjectCode, a.ProjectName, a.Department, a.ItemName
	if err := s.store.Create(ctx, d); err != nil && !errors.Is(err, ErrDuplicate) {
		return Deadline{}, fmt.Errorf("start clock of %s: %w", a.ItemID, err)
	}
	return d.Assess(s.cal, s.clock.Now(), s.yellowDays), nil
}

func (s *service) Get(ctx context.Context, id string) (Deadline, error) {
	d, err := s.store.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Deadline{}, apperr.NotFound("deadline_not_found", "no deadline "+id)
	}
	if err != nil {
		return Deadline{}, err
	}
	return d.Assess(s.cal, s.clock.Now(), s.yellowDays), nil
}

func (s *service) List(ctx context.Context, department, level string) ([]Deadline, error) {
	lv := Level(strings.TrimSpace(level))
	if lv != "" && !lv.Valid() {
		return nil, apperr.Invalid("level", "invalid_level", "level must be green, yellow or red")
	}
	all, err := s.store.List(ctx, strings.TrimSpace(department))
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	out := []Deadline{}
	for _, d := range all {
		d = d.Assess(s.cal, now, s.yellowDays)
		if lv == "" || d.Level == lv {
			out = append(out, d)
		}
	}
	return out, nil
}
