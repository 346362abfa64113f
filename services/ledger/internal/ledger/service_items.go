package ledger

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/audit"
	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/event"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/services/ledger/internal/catalog"
)

func (s *Service) OpenLedger(ctx context.Context, info ProjectInfo) ([]Item, error) {
	now := s.clock.Now().UTC()
	p, assigned := Open(info, s.catalog, s.calendar, now)
	msgs := make([]event.Message, 0, len(assigned))
	for _, it := range assigned {
		m, err := assignedEvent(ctx, p, it)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, m)
	}
	if err := s.store.Create(ctx, p, msgs); err != nil {
		if errors.Is(err, ErrDuplicate) {
			// A redelivered registration: the ledger and its events exist.
			return nil, nil
		}
		return nil, fmt.Errorf("open ledger %s: %w", info.Code, err)
	}
	return assigned, nil
}

func assignedEvent(ctx context.Context, p Project, it Item) (event.Message, error) {
	return event.Build(ctx, event.ForDepartment(event.TypeItemAssigned, it.Department), event.TypeItemAssigned,
		Producer, event.Ref("item", it.ID), *it.AssignedAt, &ledgerv1.ItemAssigned{
			ItemId: it.ID, ProjectCode: p.Code, ProjectName: p.Name, ItemType: it.Type, ItemName: it.Name,
			Department: it.Department, PromisedDays: int32(it.PromisedDays), Immediate: it.Immediate,
			GreenChannel: p.GreenChannel, AssignedAt: timestamppb.New(*it.AssignedAt), Officer: p.Officer,
			NormalDays: int32(it.NormalDays),
		})
}

func changedEvent(ctx context.Context, p Project, ch Change, req ActionRequest, now time.Time) (event.Message, error) {
	it := ch.Item
	ev := &ledgerv1.ItemChanged{
		ItemId: it.ID, ProjectCode: p.Code, ItemType: it.Type, Department: it.Department,
		FromStatus: string(ch.From), ToStatus: string(it.Status), Action: string(ch.Action),
		Note: req.Note, Actor: req.Actor, ChangedAt: timestamppb.New(now),
		GreenChannel: p.GreenChannel, Immediate: it.Immediate, PromisedDays: int32(it.PromisedDays),
		ProjectName: p.Name, ItemName: it.Name, Officer: p.Officer, Version: p.Version,
		AcceptedLate: ch.Action == ActAccept && it.AcceptedLate,
	}
	if it.Due != nil {
		ev.Due = timestamppb.New(*it.Due)
	}
	if sup := it.Supplement; sup != nil {
		ev.Mode = catalog.ModeRongque
		ev.SupplementDue = timestamppb.New(sup.Due)
		ev.MissingMaterials = sup.Materials
	}
	if c := it.Commitment; c != nil {
		ev.Mode = catalog.ModeGaozhi
		ev.CheckDue = timestamppb.New(c.CheckDue)
		ev.CheckResult = c.CheckResult
	}
	return event.Build(ctx, event.ForDepartment(event.TypeItemChanged, it.Department), event.TypeItemChanged,
		Producer, event.Ref("item", it.ID), now, ev)
}

func (s *Service) Project(ctx context.Context, code string) (Project, error) {
	pr, err := auth.Caller(ctx)
	if err != nil {
		return Project{}, err
	}
	p, err := s.store.Project(ctx, code)
	if errors.Is(err, ErrNotFound) {
		return Project{}, apperr.NotFound("project_not_found", "no ledger for project "+code)
	}
	if err != nil {
		return Project{}, err
	}
	if err := s.mayRead(pr, &p); err != nil {
		return Project{}, err
	}
	return p, nil
}

func (s *Service) Queue(ctx context.Context, q QueueQuery) (QueuePage, error) {
	pr, err := auth.Caller(ctx)
	if err != nil {
		return QueuePage{}, err
	}
	// A clerk's queue is their department's, whatever the query names.
	department, err := queueDepartment(pr, strings.TrimSpace(q.Department))
	if err != nil {
		return QueuePage{}, err
	}
	if department != "" && !s.departments(department) {
		return QueuePage{}, apperr.Invalid("department", "unknown_department", "no department "+department)
	}
	st := Status(strings.TrimSpace(q.Status))
	if st != "" && !st.Valid() {
		return QueuePage{}, apperr.Invalid("status", "invalid_status", "unknown status "+q.Status)
	}
	if st == StatusPlanned {
		return QueuePage{}, apperr.Invalid("status", "not_dispatched",
			"planned items (of 谋划/储备 projects) are in no work queue until their project moves to approving; see GET /v1/projects/{code}")
	}
	switch q.Sort {
	case "", SortAssigned, SortDue:
	default:
		return QueuePage{}, apperr.Invalid("sort", "invalid_sort", "sort is assigned or due")
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		return QueuePage{}, apperr.Invalid("limit", "invalid_limit", fmt.Sprintf("limit must be 1-%d", MaxLimit))
	}
	if q.Offset < 0 {
		return QueuePage{}, apperr.Invalid("offset", "invalid_offset", "offset must not be negative")
	}
	items, err := s.store.Queue(ctx, department, st)
	if err != nil {
		return QueuePage{}, err
	}
	// No department sees the items of a project still on the 谋划/储备 list.
	items = slices.DeleteFunc(items, func(it QueueItem) bool { return it.Status == StatusPlanned })
	SortQueue(items, q.Sort)
	page := QueuePage{Department: department, Total: len(items), Items: []QueueItem{}}
	if q.Offset < len(items) {
		page.Items = items[q.Offset:min(len(items), q.Offset+q.Limit)]
	}
	return page, nil
}

// SortQueue orders a work queue: green-channel (绿色通道) items first, then
// by due date or by assignment time; items without one last.
func SortQueue(q []QueueItem, by string) {
	key := func(it QueueItem) *time.Time {
		if by == SortDue {
			return it.Due
		}
		return it.AssignedAt
	}
	sort.SliceStable(q, func(i, j int) bool {
		if q[i].GreenChannel != q[j].GreenChannel {
			return q[i].GreenChannel
		}
		ai, aj := key(q[i]), key(q[j])
		switch {
		case ai == nil || aj == nil:
			return ai != nil && aj == nil
		case !ai.Equal(*aj):
			return ai.Before(*aj)
		}
		return q[i].ID < q[j].ID
	})
}

// load reads the ledger a request based on version is about (0: none).
func (s *Service) load(ctx context.Context, code string, version int64, missingCode, missing string) (Project, error) {
	p, err := s.store.ProjectAt(ctx, code, version)
	if errors.Is(err, ErrNotFound) {
		return Project{}, apperr.NotFound(missingCode, missing)
	}
	return p, err
}

// save writes p based on version base, mapping a lost race to the same
// stale_version conflict a stale request gets.
func (s *Service) save(ctx context.Context, p Project, base int64, msgs []event.Message) error {
	err := s.store.Update(ctx, p, base, msgs)
	switch {
	case errors.Is(err, ErrVersionConflict):
		return conflict(ErrStale, "stale_version",
			fmt.Sprintf("the ledger changed since version %d while saving: reload it and decide again", base))
	case errors.Is(err, ErrNotFound):
		return apperr.NotFound("project_not_found", "no ledger for project "+p.Code)
	case err != nil:
		return fmt.Errorf("save ledger %s: %w", p.Code, err)
	}
	return nil
}

func (s *Service) Act(ctx context.Context, itemID string, req ActionRequest) (ActionResult, error) {
	pr, err := auth.Caller(ctx)
	if err != nil {
		return ActionResult{}, err
	}
	if err := req.Validate(); err != nil {
		return ActionResult{}, err
	}
	code, _, ok := SplitItemID(itemID)
	if !ok {
		return ActionResult{}, apperr.NotFound("item_not_found", "no item "+itemID)
	}
	audit.Note(ctx, code, string(req.Action))
	p, err := s.load(ctx, code, req.Version, "item_not_found", "no item "+itemID)
	if err != nil {
		return ActionResult{}, err
	}
	if it, ok := p.Item(itemID); ok {
		if err := mayAct(pr, it); err != nil {
			return ActionResult{}, err
		}
	} // no such item: Apply answers 404
	base := p.Version
	now := s.clock.Now().UTC()
	ch, err := p.Apply(itemID, req, s.calendar, now)
	if err != nil {
		return ActionResult{}, err
	}
	msgs := make([]event.Message, 0, 1+len(ch.Assigned))
	m, err := changedEvent(ctx, p, ch, req, now)
	if err != nil {
		return ActionResult{}, err
	}
	msgs = append(msgs, m)
	for _, it := range ch.Assigned {
		m, err := assignedEvent(ctx, p, it)
		if err != nil {
			return ActionResult{}, err
		}
		msgs = append(msgs, m)
	}
	if err := s.save(ctx, p, base, msgs); err != nil {
		return ActionResult{}, err
	}
	if ch.Completed {
		s.measured.forget() // a decision is a new sample of the handling times
	}
	if ch.Assigned == nil {
		ch.Assigned = []Item{}
	}
	return ActionResult{Item: ch.Item, Version: p.Version, Assigned: ch.Assigned,
		Completed: ch.Completed, HandlingDays: ch.HandlingDays}, nil
}
