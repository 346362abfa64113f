package ledger

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/event"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/services/ledger/internal/catalog"
)

// Producer is this service's name on its events.
const Producer = "ledger"

// Errors the store reports.
var (
	ErrDuplicate = errors.New("already exists")
	ErrNotFound  = errors.New("not found")
)

// QueueItem is an item as a department's work queue shows it.
type QueueItem struct {
	Item
	ProjectCode  string `json:"project_code"`
	ProjectName  string `json:"project_name"`
	GreenChannel bool   `json:"green_channel,omitempty"`
}

// PendingKey is a (department, status) pair of the pending gauge.
type PendingKey struct {
	Department string
	Status     Status
}

// Store keeps project ledgers.
type Store interface {
	// Create saves a new ledger with its events, or reports ErrDuplicate.
	Create(ctx context.Context, p Project, events []event.Message) error
	Project(ctx context.Context, code string) (Project, error)
	// Queue lists the items of department (all when empty) with status
	// (any when empty).
	Queue(ctx context.Context, department string, status Status) ([]QueueItem, error)
	// PendingCounts counts the pending items by department and status.
	PendingCounts(ctx context.Context) (map[PendingKey]int, error)
}

// Service is the ledger's use cases.
type Service interface {
	// OpenLedger builds the ledger of a newly registered project and assigns
	// its ready items. Opening an existing ledger again changes nothing.
	OpenLedger(ctx context.Context, info ProjectInfo) error
	Project(ctx context.Context, code string) (Project, error)
	Queue(ctx context.Context, department, status string) ([]QueueItem, error)
}

type service struct {
	store       Store
	catalog     *catalog.Catalog
	departments func(string) bool
	clock       clock.Clock
	assigned    func(dept string)
}

// Option tunes the service.
type Option func(*service)

// OnAssigned is called once per item assignment that was saved.
func OnAssigned(f func(dept string)) Option { return func(s *service) { s.assigned = f } }

// NewService returns the ledger's use cases.
func NewService(store Store, cat *catalog.Catalog, departments func(string) bool, c clock.Clock, opts ...Option) Service {
	s := &service{store: store, catalog: cat, departments: departments, clock: c, assigned: func(string) {}}
	for _, o := range opts {
		o(s)
	}
	return s
}

func (s *service) OpenLedger(ctx context.Context, info ProjectInfo) error {
	now := s.clock.Now().UTC()
	p, assigned := Open(info, s.catalog, now)
	msgs := make([]event.Message, 0, len(assigned))
	for _, it := range assigned {
		m, err := assignedEvent(ctx, p, it)
		if err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	if err := s.store.Create(ctx, p, msgs); err != nil {
		if errors.Is(err, ErrDuplicate) {
			// A redelivered registration: the ledger and its events exist.
			return nil
		}
		return fmt.Errorf("open ledger %s: %w", info.Code, err)
	}
	for _, it := range assigned {
		s.assigned(it.Department)
	}
	return nil
}

func assignedEvent(ctx context.Context, p Project, it Item) (event.Message, error) {
	return event.Build(ctx, event.ForDepartment(event.TypeItemAssigned, it.Department), event.TypeItemAssigned,
		Producer, event.Ref("item", it.ID), *it.AssignedAt, &ledgerv1.ItemAssigned{
			ItemId: it.ID, ProjectCode: p.Code, ProjectName: p.Name, ItemType: it.Type, ItemName: it.Name,
			Department: it.Department, PromisedDays: int32(it.PromisedDays), Immediate: it.Immediate,
			GreenChannel: p.GreenChannel, AssignedAt: timestamppb.New(*it.AssignedAt), Officer: p.Officer,
		})
}

func (s *service) Project(ctx context.Context, code string) (Project, error) {
	p, err := s.store.Project(ctx, code)
	if errors.Is(err, ErrNotFound) {
		return Project{}, apperr.NotFound("project_not_found", "no ledger for project "+code)
	}
	return p, err
}

func (s *service) Queue(ctx context.Context, department, status string) ([]QueueItem, error) {
	department = strings.TrimSpace(department)
	if department != "" && !s.departments(department) {
		return nil, apperr.Invalid("department", "unknown_department", "no department "+department)
	}
	st := Status(strings.TrimSpace(status))
	if st != "" && !st.Valid() {
		return nil, apperr.Invalid("status", "invalid_status", "unknown status "+status)
	}
	return s.store.Queue(ctx, department, st)
}
