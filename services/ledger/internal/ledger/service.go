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
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/event"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/pkg/workday"
	"github.com/tuijin/tuijin/services/ledger/internal/catalog"
)

// Producer is this service's name on its events.
const Producer = "ledger"

// Errors the store reports.
var (
	ErrDuplicate = errors.New("already exists")
	ErrNotFound  = errors.New("not found")
	// ErrVersionConflict: the document's version is no longer the one the
	// write was based on; someone else wrote in between.
	ErrVersionConflict = errors.New("version conflict")
)

// QueueItem is an item as a department's work queue shows it.
type QueueItem struct {
	Item
	ProjectCode    string `json:"project_code"`
	ProjectName    string `json:"project_name"`
	ProjectVersion int64  `json:"project_version"`
	GreenChannel   bool   `json:"green_channel,omitempty"`
	Officer        string `json:"officer,omitempty"`
}

// Queue sort orders.
const (
	SortAssigned = "assigned"
	SortDue      = "due"
)

// QueueQuery selects a page of a work queue.
type QueueQuery struct {
	Department string
	Status     string
	Sort       string
	Limit      int
	Offset     int
}

// Page limits of a work queue.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// QueuePage is one page of a work queue and the size of the whole queue.
type QueuePage struct {
	Total int
	Items []QueueItem
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
	// ProjectAt is the ledger at version when the store has it at hand
	// (it read or wrote that version last), and the stored ledger, of
	// whatever version, otherwise. The version of a ledger names one state
	// for ever, and Update checks that it is still the stored one.
	ProjectAt(ctx context.Context, code string, version int64) (Project, error)
	// Update saves p, whose stored version must still be base, with its
	// events; otherwise it reports ErrVersionConflict (or ErrNotFound).
	Update(ctx context.Context, p Project, base int64, events []event.Message) error
	// Queue lists the items of department (all when empty) with status
	// (any when empty).
	Queue(ctx context.Context, department string, status Status) ([]QueueItem, error)
	// Projects lists every ledger (for exports).
	Projects(ctx context.Context, f ProjectFilter) ([]Project, error)
	// PendingCounts counts the pending items by department and status.
	PendingCounts(ctx context.Context) (map[PendingKey]int, error)
}

// ProjectFilter selects ledgers by their project fields; empty matches all.
type ProjectFilter struct {
	WorkGroup string
	Category  string
}

// Service is the ledger's use cases.
type Service interface {
	// OpenLedger builds the ledger of a newly registered project and assigns
	// its ready items. Opening an existing ledger again changes nothing.
	OpenLedger(ctx context.Context, info ProjectInfo) error
	Project(ctx context.Context, code string) (Project, error)
	Queue(ctx context.Context, q QueueQuery) (QueuePage, error)
	// Act applies a department action to an item.
	Act(ctx context.Context, itemID string, req ActionRequest) (ActionResult, error)
	RaiseProblem(ctx context.Context, code string, n NewProblem) (ProblemResult, error)
	UpdateProblem(ctx context.Context, problemID string, u ProblemUpdate) (ProblemResult, error)
	// RecordDecision writes a coordination meeting's decision back to its
	// problem as a measure taken, once however often it is delivered.
	RecordDecision(ctx context.Context, d MeetingDecision) error
	// Projects lists the ledgers matching f.
	Projects(ctx context.Context, f ProjectFilter) ([]Project, error)
	// AssignOfficer makes an officer of the organisation the project's
	// officer.
	AssignOfficer(ctx context.Context, code string, a OfficerAssignment) (OfficerResult, error)
	// FileRequest files a service request as a task of the project's
	// officer; filing the same request again changes nothing.
	FileRequest(ctx context.Context, code string, n NewTask) error
	// ActOnTask takes a step of a task: take, handle, close, visit.
	ActOnTask(ctx context.Context, code, id string, a TaskAction) (TaskResult, error)
	// Tasks lists tasks by officer and status (all when empty).
	Tasks(ctx context.Context, officer, status string) ([]TaskView, error)
	// Monthly computes the statistics of a month ("2026-11").
	Monthly(ctx context.Context, month string) (MonthlyStats, error)
	// UpdateProgress changes a project's stage and 形象进度.
	UpdateProgress(ctx context.Context, code string, u ProgressUpdate) (ProgressResult, error)
	// Weekly builds the weekly update of the week containing day
	// ("2026-11-23"; empty: this week).
	Weekly(ctx context.Context, day string, f ProjectFilter) (WeeklySnapshot, error)
}

// ProgressResult is a project's stage and 形象进度 after an update.
type ProgressResult struct {
	Stage         string `json:"stage"`
	ImageProgress string `json:"image_progress"`
	Version       int64  `json:"version"`
}

// OfficerAssignment names the new officer of a project.
type OfficerAssignment struct {
	Officer, Actor, Note string
	Version              int64
}

// OfficerResult is the project's officer after an assignment.
type OfficerResult struct {
	Officer string `json:"officer"`
	Version int64  `json:"version"`
}

// TaskResult is a task after a step and the ledger's new version.
type TaskResult struct {
	Task    Task  `json:"task"`
	Version int64 `json:"version"`
}

// TaskView is a task with its project, for an officer's list.
type TaskView struct {
	Task
	ProjectCode    string `json:"project_code"`
	ProjectName    string `json:"project_name"`
	ProjectVersion int64  `json:"project_version"`
}

// ActionResult is the item after an action, the ledger version to base the
// next action on, and the items the action unlocked.
type ActionResult struct {
	Item     Item   `json:"item"`
	Version  int64  `json:"version"`
	Assigned []Item `json:"assigned"`
}

// ProblemResult is a problem after a write and the ledger's new version.
type ProblemResult struct {
	Problem Problem `json:"problem"`
	Version int64   `json:"version"`
}

// Observer is told about saved changes, for metrics.
type Observer interface {
	Assigned(dept string)
	Completed(dept string, status Status, workingDays int)
}

type nopObserver struct{}

func (nopObserver) Assigned(string)               {}
func (nopObserver) Completed(string, Status, int) {}

type service struct {
	store       Store
	catalog     *catalog.Catalog
	departments func(string) bool
	clock       clock.Clock
	calendar    workday.Calendar
	observer    Observer
	officers    func(string) bool
}

// Option tunes the service.
type Option func(*service)

// WithObserver reports saved assignments and completions to o.
func WithObserver(o Observer) Option { return func(s *service) { s.observer = o } }

// WithOfficers tells which officer codes exist (default: none).
func WithOfficers(known func(string) bool) Option { return func(s *service) { s.officers = known } }

// WithCalendar counts working days on cal (default: the official calendar
// shipped with the code, workday.Shipped).
func WithCalendar(cal workday.Calendar) Option { return func(s *service) { s.calendar = cal } }

// NewService returns the ledger's use cases.
func NewService(store Store, cat *catalog.Catalog, departments func(string) bool, c clock.Clock, opts ...Option) Service {
	s := &service{store: store, catalog: cat, departments: departments, clock: c,
		observer: nopObserver{}, officers: func(string) bool { return false }}
	for _, o := range opts {
		o(s)
	}
	if s.calendar == nil {
		s.calendar = workday.Shipped()
	}
	return s
}

func (s *service) OpenLedger(ctx context.Context, info ProjectInfo) error {
	now := s.clock.Now().UTC()
	p, assigned := Open(info, s.catalog, s.calendar, now)
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
		s.observer.Assigned(it.Department)
	}
	return nil
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

func (s *service) Project(ctx context.Context, code string) (Project, error) {
	p, err := s.store.Project(ctx, code)
	if errors.Is(err, ErrNotFound) {
		return Project{}, apperr.NotFound("project_not_found", "no ledger for project "+code)
	}
	return p, err
}

func (s *service) Queue(ctx context.Context, q QueueQuery) (QueuePage, error) {
	department := strings.TrimSpace(q.Department)
	if department != "" && !s.departments(department) {
		return QueuePage{}, apperr.Invalid("department", "unknown_department", "no department "+department)
	}
	st := Status(strings.TrimSpace(q.Status))
	if st != "" && !st.Valid() {
		return QueuePage{}, apperr.Invalid("status", "invalid_status", "unknown status "+q.Status)
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
	SortQueue(items, q.Sort)
	page := QueuePage{Total: len(items), Items: []QueueItem{}}
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
func (s *service) load(ctx context.Context, code string, version int64, missingCode, missing string) (Project, error) {
	p, err := s.store.ProjectAt(ctx, code, version)
	if errors.Is(err, ErrNotFound) {
		return Project{}, apperr.NotFound(missingCode, missing)
	}
	return p, err
}

// save writes p based on version base, mapping a lost race to the same
// stale_version conflict a stale request gets.
func (s *service) save(ctx context.Context, p Project, base int64, msgs []event.Message) error {
	err := s.store.Update(ctx, p, base, msgs)
	switch {
	case errors.Is(err, ErrVersionConflict):
		return apperr.Conflict("stale_version",
			fmt.Sprintf("the ledger changed since version %d while saving: reload it and decide again", base))
	case errors.Is(err, ErrNotFound):
		return apperr.NotFound("project_not_found", "no ledger for project "+p.Code)
	case err != nil:
		return fmt.Errorf("save ledger %s: %w", p.Code, err)
	}
	return nil
}

func (s *service) Act(ctx context.Context, itemID string, req ActionRequest) (ActionResult, error) {
	if err := req.Validate(); err != nil {
		return ActionResult{}, err
	}
	code, _, ok := SplitItemID(itemID)
	if !ok {
		return ActionResult{}, apperr.NotFound("item_not_found", "no item "+itemID)
	}
	p, err := s.load(ctx, code, req.Version, "item_not_found", "no item "+itemID)
	if err != nil {
		return ActionResult{}, err
	}
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
	for _, it := range ch.Assigned {
		s.observer.Assigned(it.Department)
	}
	if ch.Completed {
		s.observer.Completed(ch.Item.Department, ch.Item.Status, ch.HandlingDays)
	}
	if ch.Assigned == nil {
		ch.Assigned = []Item{}
	}
	return ActionResult{Item: ch.Item, Version: p.Version, Assigned: ch.Assigned}, nil
}

func (s *service) RaiseProblem(ctx context.Context, code string, n NewProblem) (ProblemResult, error) {
	p, err := s.load(ctx, code, n.Version, "project_not_found", "no ledger for project "+code)
	if err != nil {
		return ProblemResult{}, err
	}
	base := p.Version
	now := s.clock.Now().UTC()
	pr, err := p.RaiseProblem(n, s.departments, now)
	if err != nil {
		return ProblemResult{}, err
	}
	m, err := event.Build(ctx, event.ForDepartment(event.TypeProblemRaised, pr.Department), event.TypeProblemRaised,
		Producer, event.Ref("problem", pr.ID), now, &ledgerv1.ProblemRaised{
			ProblemId: pr.ID, ProjectCode: p.Code, Department: pr.Department, Title: pr.Title,
			Description: pr.Description, RaisedAt: timestamppb.New(now), ItemId: pr.ItemID,
			Escalation: pr.Escalation, RaisedBy: pr.RaisedBy, ProjectName: p.Name, Officer: p.Officer,
			Status: string(pr.Status),
		})
	if err != nil {
		return ProblemResult{}, err
	}
	if err := s.save(ctx, p, base, []event.Message{m}); err != nil {
		return ProblemResult{}, err
	}
	return ProblemResult{Problem: pr, Version: p.Version}, nil
}

func (s *service) UpdateProblem(ctx context.Context, problemID string, u ProblemUpdate) (ProblemResult, error) {
	code, _, ok := SplitItemID(problemID)
	if !ok {
		return ProblemResult{}, apperr.NotFound("problem_not_found", "no problem "+problemID)
	}
	p, err := s.load(ctx, code, u.Version, "problem_not_found", "no problem "+problemID)
	if err != nil {
		return ProblemResult{}, err
	}
	base := p.Version
	now := s.clock.Now().UTC()
	pr, err := p.UpdateProblem(problemID, u, now)
	if err != nil {
		return ProblemResult{}, err
	}
	m, err := event.Build(ctx, event.ForDepartment(event.TypeProblemChanged, pr.Department), event.TypeProblemChanged,
		Producer, event.Ref("problem", pr.ID), now, &ledgerv1.ProblemChanged{
			ProblemId: pr.ID, ProjectCode: p.Code, Department: pr.Department, Status: string(pr.Status),
			Measure: strings.TrimSpace(u.Measure), ChangedAt: timestamppb.New(now), Escalation: pr.Escalation,
			Actor: u.Actor, ItemId: pr.ItemID, Title: pr.Title, ProjectName: p.Name, Officer: p.Officer, Note: u.Note,
		})
	if err != nil {
		return ProblemResult{}, err
	}
	if err := s.save(ctx, p, base, []event.Message{m}); err != nil {
		return ProblemResult{}, err
	}
	return ProblemResult{Problem: pr, Version: p.Version}, nil
}

func (s *service) RecordDecision(ctx context.Context, d MeetingDecision) error {
	code, _, ok := SplitItemID(d.ProblemID)
	if !ok {
		return apperr.NotFound("problem_not_found", "no problem "+d.ProblemID)
	}
	for range fileAttempts {
		p, err := s.load(ctx, code, 0, "problem_not_found", "no problem "+d.ProblemID)
		if err != nil {
			return err
		}
		u := decisionUpdate(d, p.Version)
		if p.HasMeasureFrom(d.ProblemID, u.Source) {
			return nil
		}
		_, err = s.UpdateProblem(ctx, d.ProblemID, u)
		if e, ok := apperr.As(err); ok && e.Code == "illegal_transition" && u.Status == ProblemResolved {
			// Solved in the meantime: the decision is still a measure.
			u.Status = ""
			_, err = s.UpdateProblem(ctx, d.ProblemID, u)
		}
		if e, ok := apperr.As(err); ok && e.Code == "stale_version" {
			continue
		}
		return err
	}
	return fmt.Errorf("record decision on %s: the ledger kept changing", d.ProblemID)
}

func (s *service) Projects(ctx context.Context, f ProjectFilter) ([]Project, error) {
	return s.store.Projects(ctx, f)
}

func (s *service) AssignOfficer(ctx context.Context, code string, a OfficerAssignment) (OfficerResult, error) {
	p, err := s.load(ctx, code, a.Version, "project_not_found", "no ledger for project "+code)
	if err != nil {
		return OfficerResult{}, err
	}
	base := p.Version
	if err := p.AssignOfficer(a.Officer, a.Actor, a.Note, a.Version, s.officers, s.clock.Now().UTC()); err != nil {
		return OfficerResult{}, err
	}
	if err := s.save(ctx, p, base, nil); err != nil {
		return OfficerResult{}, err
	}
	return OfficerResult{Officer: p.Officer, Version: p.Version}, nil
}

// fileAttempts bounds the retries of a filing that lost a race: a consumer
// decides nothing, so it simply re-reads and files again.
const fileAttempts = 10

func (s *service) FileRequest(ctx context.Context, code string, n NewTask) error {
	for range fileAttempts {
		p, err := s.store.Project(ctx, code)
		if err != nil {
			return fmt.Errorf("file request %s: %w", n.ID, err)
		}
		base := p.Version
		if !p.AddTask(n, s.calendar) {
			return nil
		}
		err = s.store.Update(ctx, p, base, nil)
		if !errors.Is(err, ErrVersionConflict) {
			return err
		}
	}
	return fmt.Errorf("file request %s: the ledger kept changing", n.ID)
}

func (s *service) ActOnTask(ctx context.Context, code, id string, a TaskAction) (TaskResult, error) {
	p, err := s.load(ctx, code, a.Version, "project_not_found", "no ledger for project "+code)
	if err != nil {
		return TaskResult{}, err
	}
	base := p.Version
	t, err := p.ApplyTask(id, a, s.catalog, s.clock.Now().UTC())
	if err != nil {
		return TaskResult{}, err
	}
	if err := s.save(ctx, p, base, nil); err != nil {
		return TaskResult{}, err
	}
	return TaskResult{Task: t, Version: p.Version}, nil
}

var taskStatuses = []TaskStatus{TaskReceived, TaskTaken, TaskHandling, TaskClosed, TaskVisited}

func (s *service) Tasks(ctx context.Context, officer, status string) ([]TaskView, error) {
	if status != "" && !slices.Contains(taskStatuses, TaskStatus(status)) {
		return nil, apperr.Invalid("status", "invalid_status", "status is one of received, taken, handling, closed, visited")
	}
	if officer != "" && !s.officers(officer) {
		return nil, apperr.Invalid("officer", "unknown_officer", fmt.Sprintf("no officer %q in the organisation", officer))
	}
	ps, err := s.store.Projects(ctx, ProjectFilter{})
	if err != nil {
		return nil, err
	}
	out := []TaskView{}
	for _, p := range ps {
		for _, t := range p.Tasks {
			if (officer == "" || t.Officer == officer) && (status == "" || string(t.Status) == status) {
				out = append(out, TaskView{Task: t, ProjectCode: p.Code, ProjectName: p.Name, ProjectVersion: p.Version})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Due.Before(out[j].Due) })
	return out, nil
}

func (s *service) Monthly(ctx context.Context, month string) (MonthlyStats, error) {
	if _, _, err := ParseMonth(month); err != nil {
		return MonthlyStats{}, err
	}
	ps, err := s.store.Projects(ctx, ProjectFilter{})
	if err != nil {
		return MonthlyStats{}, err
	}
	return Monthly(ps, month, s.calendar)
}

func (s *service) UpdateProgress(ctx context.Context, code string, u ProgressUpdate) (ProgressResult, error) {
	p, err := s.load(ctx, code, u.Version, "project_not_found", "no ledger for project "+code)
	if err != nil {
		return ProgressResult{}, err
	}
	base := p.Version
	if err := p.UpdateProgress(u, s.clock.Now().UTC()); err != nil {
		return ProgressResult{}, err
	}
	if err := s.save(ctx, p, base, nil); err != nil {
		return ProgressResult{}, err
	}
	return ProgressResult{Stage: p.Stage, ImageProgress: p.ImageProgress, Version: p.Version}, nil
}

func (s *service) Weekly(ctx context.Context, day string, f ProjectFilter) (WeeklySnapshot, error) {
	now := s.clock.Now()
	d := now
	if day != "" {
		var err error
		if d, err = time.ParseInLocation(time.DateOnly, day, workday.Zone); err != nil {
			return WeeklySnapshot{}, apperr.Invalid("week_of", "invalid_date", "week_of must look like 2026-11-23")
		}
	}
	ps, err := s.store.Projects(ctx, f)
	if err != nil {
		return WeeklySnapshot{}, err
	}
	return Weekly(ps, d, now), nil
}
