package intake

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/audit"
	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/event"
	intakev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/intake/v1"
)

// Producer is this service's name on its events.
const Producer = "intake"

// Errors the store reports.
var (
	ErrDuplicate = errors.New("already exists")
	ErrNotFound  = errors.New("not found")
)

// ProjectStore keeps projects and imports. CreateProject saves the
// project and its events atomically; the events are published after the
// save.
type ProjectStore interface {
	// CreateProject returns ErrDuplicate with the stored project when the
	// code is registered already.
	CreateProject(ctx context.Context, p Project, events []event.Message) (Project, error)
	// AdvanceStage moves project code on to stage if that comes later in
	// Stages than its own (nothing otherwise); ErrNotFound if there is none.
	AdvanceStage(ctx context.Context, code, stage string) error
	// Import returns the result stored under an import's idempotency key,
	// or ErrNotFound; SaveImport stores it (ErrDuplicate if the key is
	// taken).
	Import(ctx context.Context, key string) (StoredImport, error)
	SaveImport(ctx context.Context, imp StoredImport) error
	// Project reads one project, or ErrNotFound.
	Project(ctx context.Context, code string) (Project, error)
	// Projects returns a page of the projects matching q, by code, and how
	// many match in all.
	Projects(ctx context.Context, q ProjectQuery) ([]Project, int, error)
}

// RequestStore keeps service requests and the owners' ratings of them.
type RequestStore interface {
	// CreateRequest saves r and its events atomically; it returns
	// ErrDuplicate with the stored request when the id exists already.
	CreateRequest(ctx context.Context, r Request, events []event.Message) (Request, error)
	// Request reads one request with its rating, or ErrNotFound.
	Request(ctx context.Context, id string) (Request, error)
	// RequestPage returns a page of the requests q selects, newest first,
	// with their ratings, and how many match in all.
	RequestPage(ctx context.Context, q RequestQuery) ([]Request, int, error)
	// AdvanceRequest records step on request id and moves it to the step's
	// status if that is later than its own (nothing otherwise), with the
	// owner's satisfaction when given; ErrNotFound if there is none.
	AdvanceRequest(ctx context.Context, id string, step RequestStep, satisfaction int) error
	// Rate keeps the owner's rating of request id; ErrDuplicate when it
	// has one already.
	Rate(ctx context.Context, id string, r Rating) error
}

// Projects are the use cases of registered projects.
type Projects interface {
	// RegisterProject registers p. The project code is its idempotency
	// key: a retry with the same content returns the stored project and
	// replayed = true; the same code with other content is a conflict.
	RegisterProject(ctx context.Context, p Project) (res Project, replayed bool, err error)
	// ImportProjects registers the projects of an import file: all or,
	// if any row is invalid, none.
	// With an idempotency key, a retry of the same file returns the first
	// result and replayed = true.
	ImportProjects(ctx context.Context, rows []ImportRow, key ImportKey) (res ImportResult, replayed bool, err error)
	// GetProject returns a registered project.
	GetProject(ctx context.Context, code string) (Project, error)
	// ListProjects returns a page of the registered projects.
	ListProjects(ctx context.Context, q ProjectQuery) (ProjectPage, error)
	// FollowStage takes a project's stage change from the ledger.
	FollowStage(ctx context.Context, code, stage string) error
}

// Requests are the use cases of owners' service requests.
type Requests interface {
	// SubmitRequest takes in a request; with an idempotency key a retry
	// returns the first result and replayed = true.
	SubmitRequest(ctx context.Context, r Request, idempotencyKey string) (res Request, replayed bool, err error)
	GetRequest(ctx context.Context, id string) (Request, error)
	// ListRequests returns a page of the requests the caller may read.
	ListRequests(ctx context.Context, q RequestQuery) (RequestPage, error)
	// RateRequest takes the owner's rating of a closed request, once.
	RateRequest(ctx context.Context, id string, r Rating) (Request, error)
	// FollowTask takes a step of the officer's task for a request from the
	// ledger: the owner then reads it on GET /v1/requests/{id}.
	FollowTask(ctx context.Context, st TaskStep) error
}

// Service implements Projects and Requests.
type Service struct {
	projects ProjectStore
	requests RequestStore
	ref      Reference
	clock    clock.Clock
}

var (
	_ Projects = (*Service)(nil)
	_ Requests = (*Service)(nil)
)

// NewService returns the intake use cases over the stores, checking names
// against ref.
func NewService(projects ProjectStore, requests RequestStore, ref Reference, c clock.Clock) *Service {
	return &Service{projects: projects, requests: requests, ref: ref, clock: c}
}

func (s *Service) RegisterProject(ctx context.Context, p Project) (Project, bool, error) {
	who, err := auth.Caller(ctx)
	if err != nil {
		return Project{}, false, err
	}
	p.Normalize()
	audit.Note(ctx, p.Code, "register "+p.Name)
	if err := p.Validate(); err != nil {
		return Project{}, false, err
	}
	if err := checkRegistrant(who, p); err != nil {
		return Project{}, false, err
	}
	if err := s.ref.Resolve(&p); err != nil {
		return Project{}, false, err
	}
	now := s.clock.Now().UTC().Truncate(time.Millisecond)
	p.RegisteredAt = now
	msg, err := event.Build(ctx, event.TypeProjectRegistered, event.TypeProjectRegistered, Producer,
		event.Ref("project", p.Code), now, &intakev1.ProjectRegistered{
			Project: toProto(p), RegisteredAt: timestamppb.New(now),
		})
	if err != nil {
		return Project{}, false, err
	}
	stored, err := s.projects.CreateProject(ctx, p, []event.Message{msg})
	switch {
	case err == nil:
		return stored, false, nil
	case errors.Is(err, ErrDuplicate) && stored.SameContent(p):
		// A retry of a registration that landed (its answer was lost).
		return stored, true, nil
	case errors.Is(err, ErrDuplicate):
		return Project{}, false, apperr.Conflict("project_exists",
			"project "+p.Code+" is already registered with other details")
	default:
		return Project{}, false, fmt.Errorf("register project: %w", err)
	}
}

// idempotencyNamespace makes request ids derived from keys distinct from any
// other UUIDv5 use.
var idempotencyNamespace = uuid.MustParse("6f1d7c1e-3b7a-5c55-9d7e-2b8a4e0c9a11")

// MaxIdempotencyKey bounds the header's length.
const MaxIdempotencyKey = 200

func (s *Service) SubmitRequest(ctx context.Context, r Request, key string) (Request, bool, error) {
	who, err := auth.Caller(ctx)
	if err != nil {
		return Request{}, false, err
	}
	r.Normalize()
	audit.Note(ctx, r.ProjectCode, r.Kind)
	if err := r.Validate(); err != nil {
		return Request{}, false, err
	}
	key = strings.TrimSpace(key)
	if len(key) > MaxIdempotencyKey {
		return Request{}, false, apperr.Invalid("Idempotency-Key", "invalid_idempotency_key", "Idempotency-Key is longer than 200 characters")
	}
	pr, err := s.projects.Project(ctx, r.ProjectCode)
	if errors.Is(err, ErrNotFound) {
		return Request{}, false, apperr.Invalid("project_code", "unknown_project", "no key project "+r.ProjectCode+" is registered")
	}
	if err != nil {
		return Request{}, false, fmt.Errorf("look up project: %w", err)
	}
	if !s.ownsProject(who, pr) {
		return Request{}, false, auth.Forbidden("a request for project " + pr.Code + " is submitted by its owner or its officer")
	}
	// The id is derived from the key, so two concurrent retries race for the
	// same document and exactly one insert wins. A key is its caller's: with
	// the token's subject in the id, another owner sending the same key
	// neither collides with nor blocks this one's request.
	if key != "" {
		r.ID = uuid.NewSHA1(idempotencyNamespace, []byte(who.Subject+"\x00"+key)).String()
	} else {
		r.ID = uuid.NewString()
	}
	r.Status, r.Steps = StatusReceived, []RequestStep{}
	// Millisecond precision is what the store keeps, so the first answer
	// and every idempotent replay show the same instant.
	r.ReceivedAt = s.clock.Now().UTC().Truncate(time.Millisecond)
	r.Fingerprint = r.ContentFingerprint()
	msg, err := event.Build(ctx, event.TypeRequestReceived, event.TypeRequestReceived, Producer,
		event.Ref("request", r.ID), r.ReceivedAt, &intakev1.RequestReceived{
			RequestId: r.ID, ProjectCode: r.ProjectCode, Kind: r.Kind, Title: r.Title,
			Description: r.Description, Contact: r.Contact, Phone: r.Phone,
			ReceivedAt: timestamppb.New(r.ReceivedAt),
		})
	if err != nil {
		return Request{}, false, err
	}
	stored, err := s.requests.CreateRequest(ctx, r, []event.Message{msg})
	switch {
	case err == nil:
		return stored, false, nil
	case errors.Is(err, ErrDuplicate) && key != "":
		if stored.Fingerprint != r.Fingerprint {
			return Request{}, false, apperr.Invalid("Idempotency-Key", "idempotency_key_reused",
				"this Idempotency-Key was already used for a different request")
		}
		return stored, true, nil
	default:
		return Request{}, false, fmt.Errorf("submit request: %w", err)
	}
}

func (s *Service) GetRequest(ctx context.Context, id string) (Request, error) {
	who, err := auth.Caller(ctx)
	if err != nil {
		return Request{}, err
	}
	r, err := s.requests.Request(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Request{}, apperr.NotFound("request_not_found", "no request "+id)
	}
	if err != nil {
		return Request{}, err
	}
	if who.Has(auth.Supervisor) {
		return r, nil
	}
	pr, err := s.projects.Project(ctx, r.ProjectCode)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Request{}, fmt.Errorf("project of request %s: %w", id, err)
	}
	if err != nil || !s.ownsProject(who, pr) {
		return Request{}, auth.Forbidden("request " + id + " is read by the owner or the officer of its project, or a supervisor")
	}
	return r, nil
}

func toProto(p Project) *intakev1.Project {
	return &intakev1.Project{
		Code: p.Code, Name: p.Name, Category: p.Category, Level: p.Level,
		OwnerOrganisation: p.OwnerOrganisation, OwnerContact: p.OwnerContact, OwnerPhone: p.OwnerPhone,
		Location: p.Location, InvestmentWan: p.InvestmentWan, Stage: p.Stage,
		Officer: p.Officer, WorkGroup: p.WorkGroup, GreenChannel: p.GreenChannel, PlannedStart: p.PlannedStart,
	}
}
