package ledger

import (
	"context"
	"errors"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/event"
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
	// ErrIllegalTransition is in the chain of every refusal of an action
	// the state machines do not allow from the current state (409
	// illegal_transition).
	ErrIllegalTransition = errors.New("illegal transition")
	// ErrStale is in the chain of every refusal of a request based on an
	// older version of the ledger (409 stale_version).
	ErrStale = errors.New("stale version")
)

// conflict is a 409 whose chain holds kind, so callers match it with
// errors.Is rather than by its code.
func conflict(kind error, code, message string) error {
	return &apperr.Error{Kind: apperr.KindConflict, Code: code, Message: message, Err: kind}
}

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
	// Department is the queue's department (empty: every department's).
	Department string
	Total      int
	Items      []QueueItem
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

// The ledger's use cases, split by who uses them; *Service has them all.

// Items are a project's ledger and its approval items: opened from the
// registration, read, queued and acted on by departments.
type Items interface {
	// OpenLedger builds the ledger of a newly registered project and assigns
	// its ready items, which it returns. Opening an existing ledger again
	// changes nothing and assigns none.
	OpenLedger(ctx context.Context, info ProjectInfo) ([]Item, error)
	Project(ctx context.Context, code string) (Project, error)
	// ProjectStatus is the project as its owner follows it.
	ProjectStatus(ctx context.Context, code string) (ProjectStatus, error)
	Queue(ctx context.Context, q QueueQuery) (QueuePage, error)
	// Act applies a department action to an item.
	Act(ctx context.Context, itemID string, req ActionRequest) (ActionResult, error)
	// RecountDue takes an item's due date recounted by the deadline
	// service when a year's official arrangement arrived.
	RecountDue(ctx context.Context, r DueRecount) error
	// RecordSupplementMissed takes the deadline service's report of an
	// owner past the 容缺 deadline.
	RecordSupplementMissed(ctx context.Context, r SupplementMiss) error
}

// Problems are the problem ledger (问题台账).
type Problems interface {
	RaiseProblem(ctx context.Context, code string, n NewProblem) (ProblemResult, error)
	UpdateProblem(ctx context.Context, problemID string, u ProblemUpdate) (ProblemResult, error)
	// RecordDecision writes a coordination meeting's decision back to its
	// problem as a measure taken, once however often it is delivered.
	RecordDecision(ctx context.Context, d MeetingDecision) error
}

// Tasks are the officer's work: the project's officer, the service
// requests filed as tasks, and the project's stage and 形象进度.
type Tasks interface {
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
	// UpdateProgress changes a project's stage and 形象进度: leaving
	// 谋划/储备 dispatches the ready items, 开工 needs the construction permit.
	UpdateProgress(ctx context.Context, code string, u ProgressUpdate) (ProgressResult, error)
}

// Reports are the exports and statistics.
type Reports interface {
	// Projects lists the ledgers matching f.
	Projects(ctx context.Context, f ProjectFilter) ([]Project, error)
	// Monthly computes the statistics of a month ("2026-11").
	Monthly(ctx context.Context, month string) (MonthlyStats, error)
	// Weekly builds the weekly update of the week containing day
	// ("2026-11-23"; empty: this week).
	Weekly(ctx context.Context, day string, f ProjectFilter) (WeeklySnapshot, error)
}

var (
	_ Items    = (*Service)(nil)
	_ Problems = (*Service)(nil)
	_ Tasks    = (*Service)(nil)
	_ Reports  = (*Service)(nil)
)

// ProgressResult is a project's stage and 形象进度 after an update, the
// stage it came from, and the items the update dispatched.
type ProgressResult struct {
	From          string `json:"from"`
	Stage         string `json:"stage"`
	ImageProgress string `json:"image_progress"`
	Version       int64  `json:"version"`
	Assigned      []Item `json:"assigned"`
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
	// Completed is set when the action decided the item (approved or
	// rejected), with the working days it took since its assignment: what
	// the metrics count, not part of the answer.
	Completed    bool `json:"-"`
	HandlingDays int  `json:"-"`
}

// ProblemResult is a problem after a write and the ledger's new version.
type ProblemResult struct {
	Problem Problem `json:"problem"`
	Version int64   `json:"version"`
}

// Service is the ledger's use cases (Items, Problems, Tasks, Reports).
type Service struct {
	store       Store
	catalog     *catalog.Catalog
	departments func(string) bool
	clock       clock.Clock
	calendar    workday.Calendar
	// officerName is the name the organisation gives an officer code.
	officerName func(code string) (string, bool)
	// measured is the last measure of the departments' handling times.
	measured handlingCache
}

// Option tunes the service.
type Option func(*Service)

// WithOfficers tells which officer codes exist and their names (default:
// none).
func WithOfficers(name func(code string) (string, bool)) Option {
	return func(s *Service) { s.officerName = name }
}

// WithCalendar counts working days on cal (default: the official calendar
// shipped with the code, workday.Shipped).
func WithCalendar(cal workday.Calendar) Option { return func(s *Service) { s.calendar = cal } }

// NewService returns the ledger's use cases.
func NewService(store Store, cat *catalog.Catalog, departments func(string) bool, c clock.Clock, opts ...Option) *Service {
	s := &Service{store: store, catalog: cat, departments: departments, clock: c,
		officerName: func(string) (string, bool) { return "", false }}
	for _, o := range opts {
		o(s)
	}
	if s.calendar == nil {
		s.calendar = workday.Shipped()
	}
	return s
}

// fileAttempts bounds the retries of a filing that lost a race: a consumer
// decides nothing, so it simply re-reads and files again.
const fileAttempts = 10

// officers reports whether code is an officer of the organisation.
func (s *Service) officers(code string) bool {
	_, ok := s.officerName(code)
	return ok
}

var taskStatuses = []TaskStatus{TaskReceived, TaskTaken, TaskHandling, TaskClosed, TaskVisited}
