package open311

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/services/intake/internal/intake"
)

// ErrBadKey answers a POST without a valid api_key (the spec's 403).
var ErrBadKey = apperr.Forbidden("invalid_api_key", "api_key is missing or invalid: a request is posted with the api_key of its owner organisation")

// MaxIDs bounds the service_request_id list of one GET.
const MaxIDs = 100

// MaxSpan is the widest start_date–end_date range; MaxResults the most
// requests one GET lists (the spec's response volume).
const (
	MaxSpan    = 90 * 24 * time.Hour
	MaxResults = 1000
)

// Submitter is intake's use case of POST /v1/requests.
type Submitter interface {
	SubmitRequest(ctx context.Context, r intake.Request, idempotencyKey string) (intake.Request, bool, error)
}

// Reader reads requests for the public view.
type Reader interface {
	// Request returns intake.ErrNotFound when there is none.
	Request(ctx context.Context, id string) (intake.Request, error)
	// Requests returns the requests q selects, newest first.
	Requests(ctx context.Context, q Query) ([]intake.Request, error)
}

// Query is a selection of requests as the store reads it: by ids alone, or
// by kinds, lifecycle statuses (empty: any) and received_at in [From, To].
type Query struct {
	IDs      []string
	Kinds    []string
	Statuses []string
	From, To time.Time
	Limit    int
}

// Post is a POST requests form.
type Post struct {
	ServiceCode, ProjectCode, Title, Description string
	FirstName, LastName, Phone                   string
}

// Filter is a GET requests query: IDs overrides the rest; Start and End are
// zero when not given.
type Filter struct {
	IDs, Codes, Statuses []string
	Start, End           time.Time
}

// Receipt answers a POST.
type Receipt struct {
	ID, Notice string
}

// Service is the GeoReport v2 use cases.
type Service interface {
	Services() []ServiceType
	Definition(code string) (ServiceType, error)
	Submit(ctx context.Context, apiKey string, p Post) (Receipt, error)
	Requests(ctx context.Context, f Filter) ([]Request, error)
	Request(ctx context.Context, id string) (Request, error)
}

// Deps are what the use cases run on.
type Deps struct {
	Catalog   *Catalog
	Keys      *Keys
	Submitter Submitter
	Reader    Reader
	Calendar  workday.Calendar
	Clock     clock.Clock
}

type service struct{ Deps }

// NewService returns the GeoReport v2 use cases over d.
func NewService(d Deps) Service { return &service{d} }

func (s *service) Services() []ServiceType { return s.Catalog.Services() }

func (s *service) Definition(code string) (ServiceType, error) {
	svc, ok := s.Catalog.ByCode(code)
	if !ok {
		return ServiceType{}, notFoundCode(code)
	}
	return svc, nil
}

func notFoundCode(code string) error {
	return apperr.NotFound("service_not_found", "service_code "+code+" is not a service of this endpoint")
}

// Submit takes in p for the organisation of apiKey, through intake's own
// use case: the same checks (the project must be the key owner's), the same
// event, the same request.
func (s *service) Submit(ctx context.Context, apiKey string, p Post) (Receipt, error) {
	key, ok := s.Keys.Lookup(apiKey)
	if !ok {
		return Receipt{}, ErrBadKey
	}
	if strings.TrimSpace(p.ServiceCode) == "" {
		return Receipt{}, apperr.Invalid("service_code", "required", "service_code is required")
	}
	svc, ok := s.Catalog.ByCode(p.ServiceCode)
	if !ok {
		return Receipt{}, notFoundCode(p.ServiceCode)
	}
	if utf8.RuneCountInString(p.Description) > 4000 {
		return Receipt{}, apperr.Invalid("description", "too_long", "description is longer than 4000 characters")
	}
	title := strings.TrimSpace(p.Title)
	if title == "" {
		title = firstLine(p.Description, 100)
	}
	r, _, err := s.Submitter.SubmitRequest(auth.NewContext(ctx, key.Principal()), intake.Request{
		ProjectCode: p.ProjectCode, Kind: svc.Kind, Title: title, Description: p.Description,
		Contact: ContactName(p.FirstName, p.LastName), Phone: p.Phone,
	}, "")
	if err != nil {
		return Receipt{}, err
	}
	return Receipt{ID: r.ID, Notice: Notice(Expected(s.Calendar, r.ReceivedAt))}, nil
}

// firstLine is s's first non-blank line, cut to max characters.
func firstLine(s string, max int) string {
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			if r := []rune(line); len(r) > max {
				return string(r[:max])
			}
			return line
		}
	}
	return ""
}

// ContactName is the requester's name from the spec's first_name and
// last_name: a Chinese name family name first and unspaced (刘 + 经理 →
// 刘经理), any other given name first.
func ContactName(first, last string) string {
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	if first == "" || last == "" {
		return first + last
	}
	if strings.ContainsFunc(first+last, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
		return last + first
	}
	return first + " " + last
}

func (s *service) Requests(ctx context.Context, f Filter) ([]Request, error) {
	q, err := s.query(f)
	if err != nil {
		return nil, err
	}
	rs, err := s.Reader.Requests(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	out := make([]Request, len(rs))
	for i, r := range rs {
		out[i] = toPublic(r, s.Catalog, s.Calendar)
	}
	return out, nil
}

// query turns f into a store query. Without a range it is the most recent
// 90 days; with one end only, the 90 days from or up to it.
func (s *service) query(f Filter) (Query, error) {
	if len(f.IDs) > 0 {
		if len(f.IDs) > MaxIDs {
			return Query{}, apperr.Invalid("service_request_id", "too_many", fmt.Sprintf("service_request_id lists more than %d ids", MaxIDs))
		}
		return Query{IDs: f.IDs, Limit: MaxResults}, nil
	}
	q := Query{Limit: MaxResults}
	for _, code := range f.Codes {
		svc, ok := s.Catalog.ByCode(code)
		if !ok {
			return Query{}, apperr.Invalid("service_code", "unknown_service", "service_code "+code+" is not a service of this endpoint")
		}
		q.Kinds = append(q.Kinds, svc.Kind)
	}
	for _, st := range f.Statuses {
		if st != StatusOpen && st != StatusClosed {
			return Query{}, apperr.Invalid("status", "invalid_status", "status must be open or closed, not "+st)
		}
		q.Statuses = append(q.Statuses, Lifecycle(st)...)
	}
	if slices.Contains(f.Statuses, StatusOpen) && slices.Contains(f.Statuses, StatusClosed) {
		q.Statuses = nil
	}
	switch {
	case f.Start.IsZero() && f.End.IsZero():
		q.To = s.Clock.Now()
		q.From = q.To.Add(-MaxSpan)
	case f.End.IsZero():
		q.From, q.To = f.Start, f.Start.Add(MaxSpan)
	case f.Start.IsZero():
		q.From, q.To = f.End.Add(-MaxSpan), f.End
	default:
		q.From, q.To = f.Start, f.End
	}
	if q.To.Before(q.From) {
		return Query{}, apperr.Invalid("end_date", "invalid_range", "end_date is before start_date")
	}
	if q.To.Sub(q.From) > MaxSpan {
		return Query{}, apperr.Invalid("end_date", "range_too_long", "start_date to end_date spans more than 90 days")
	}
	return q, nil
}

func (s *service) Request(ctx context.Context, id string) (Request, error) {
	r, err := s.Reader.Request(ctx, id)
	if errors.Is(err, intake.ErrNotFound) {
		return Request{}, apperr.NotFound("request_not_found", "no service request "+id)
	}
	if err != nil {
		return Request{}, fmt.Errorf("read request %s: %w", id, err)
	}
	return toPublic(r, s.Catalog, s.Calendar), nil
}
