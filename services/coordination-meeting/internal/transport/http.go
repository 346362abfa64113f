// Package transport exposes coordination-meeting over HTTP (go-kit
// endpoints) and feeds it from JetStream.
package transport

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-kit/kit/endpoint"
	kithttp "github.com/go-kit/kit/transport/http"

	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/meeting"
)

// meetingBody is what a caller may send; server-set fields are refused as
// unknown.
type meetingBody struct {
	Kind        string   `json:"kind"`
	Title       string   `json:"title"`
	StartsAt    string   `json:"starts_at"`
	Location    string   `json:"location"`
	WorkGroup   string   `json:"work_group"`
	Attendees   []string `json:"attendees"`
	ProjectCode string   `json:"project_code"`
}

type agendaBody struct {
	// Version, when given, must be the meeting's current version.
	Version int                  `json:"version"`
	Entries []meeting.EntryDraft `json:"entries"`
}

type agendaRequest struct {
	id string
	agendaBody
}

type minutesBody struct {
	Summary   string                  `json:"summary"`
	Decisions []meeting.DecisionDraft `json:"decisions"`
}

type minutesRequest struct {
	id string
	minutesBody
}

type listResponse struct {
	Items []meeting.Meeting `json:"items"`
}

type candidatesResponse struct {
	Items []meeting.Candidate `json:"items"`
}

// document is a non-JSON answer: an .ics invitation or Markdown minutes.
type document struct {
	contentType string
	body        string
}

// Routes mounts the meetings API on mux.
func Routes(mux *http.ServeMux, svc meeting.Meetings, log *slog.Logger) {
	e := MakeEndpoints(svc)
	route := router(mux, log)
	route("POST /v1/meetings", e.Schedule, decodeSchedule, encodeScheduled)
	route("GET /v1/meetings/{id}", e.Get, decodeID, httpx.EncodeJSON)
	route("GET /v1/meetings", e.List, decodeList, httpx.EncodeJSON)
	route("PUT /v1/meetings/{id}/agenda", e.EditAgenda, decodeAgenda, httpx.EncodeJSON)
	route("POST /v1/meetings/{id}/move", e.Move, decodeMove, httpx.EncodeJSON)
	route("POST /v1/meetings/{id}/cancel", e.Cancel, decodeCancel, httpx.EncodeJSON)
	route("GET /v1/agenda-candidates", e.Candidates, decodeCandidates, httpx.EncodeJSON)
}

// ProceedingsRoutes mounts the minutes and a meeting's documents on mux.
func ProceedingsRoutes(mux *http.ServeMux, svc meeting.Proceedings, log *slog.Logger) {
	e := MakeProceedingsEndpoints(svc)
	route := router(mux, log)
	route("POST /v1/meetings/{id}/minutes", e.RecordMinutes, decodeMinutes, httpx.EncodeJSON)
	route("GET /v1/meetings/{id}/invite.ics", e.Invitation, decodeID, encodeDocument)
	route("GET /v1/meetings/{id}/minutes.md", e.MinutesMarkdown, decodeID, encodeDocument)
	route("GET /v1/meetings/{id}/minutes.xlsx", e.MinutesXLSX, decodeID, encodeXLSX)
}

// router mounts go-kit servers on mux with the shared error encoder.
func router(mux *http.ServeMux, log *slog.Logger) func(string, endpoint.Endpoint, kithttp.DecodeRequestFunc, kithttp.EncodeResponseFunc) {
	opts := []kithttp.ServerOption{kithttp.ServerErrorEncoder(httpx.ErrorEncoder(log))}
	return func(pattern string, ep endpoint.Endpoint, dec kithttp.DecodeRequestFunc, enc kithttp.EncodeResponseFunc) {
		mux.Handle(pattern, kithttp.NewServer(ep, dec, enc, opts...))
	}
}

type idRequest struct{ ID string }

func decodeID(_ context.Context, r *http.Request) (any, error) {
	return idRequest{ID: r.PathValue("id")}, nil
}

func decodeSchedule(_ context.Context, r *http.Request) (any, error) {
	var b meetingBody
	if err := httpx.DecodeJSON(r, &b, httpx.DefaultMaxBody); err != nil {
		return nil, err
	}
	return meeting.Draft{Kind: b.Kind, Title: b.Title, StartsAt: b.StartsAt, Location: b.Location,
		WorkGroup: b.WorkGroup, Attendees: b.Attendees, ProjectCode: b.ProjectCode}, nil
}

// encodeScheduled answers 201 with the meeting's location.
func encodeScheduled(_ context.Context, w http.ResponseWriter, resp any) error {
	m := resp.(meeting.Meeting)
	w.Header().Set("Location", "/v1/meetings/"+m.ID)
	httpx.WriteJSON(w, http.StatusCreated, m)
	return nil
}

// decodeList reads ?work_group=&limit=; an absent limit takes the default.
func decodeList(_ context.Context, r *http.Request) (any, error) {
	v := r.URL.Query()
	n, err := limit(v)
	return meeting.ListQuery{WorkGroup: v.Get("work_group"), Limit: n}, err
}

// limit reads ?limit=, meeting.DefaultLimit when absent; the service checks
// its range.
func limit(v url.Values) (int, error) {
	s := v.Get("limit")
	if s == "" {
		return meeting.DefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, meeting.LimitError(meeting.MaxLimit)
	}
	return n, nil
}

func decodeAgenda(_ context.Context, r *http.Request) (any, error) {
	req := agendaRequest{id: r.PathValue("id")}
	if err := httpx.DecodeJSON(r, &req.agendaBody, httpx.DefaultMaxBody); err != nil {
		return nil, err
	}
	return req, nil
}

// maxMinutesBody bounds minutes: many decisions with their texts.
const maxMinutesBody = 256 << 10

func decodeMinutes(_ context.Context, r *http.Request) (any, error) {
	req := minutesRequest{id: r.PathValue("id")}
	if err := httpx.DecodeJSON(r, &req.minutesBody, maxMinutesBody); err != nil {
		return nil, err
	}
	return req, nil
}

// decodeCandidates reads ?status=&limit=; an absent limit takes the
// default.
func decodeCandidates(_ context.Context, r *http.Request) (any, error) {
	v := r.URL.Query()
	n, err := limit(v)
	return meeting.CandidateQuery{Status: v.Get("status"), Limit: n}, err
}

func encodeDocument(_ context.Context, w http.ResponseWriter, resp any) error {
	d := resp.(document)
	w.Header().Set("Content-Type", d.contentType)
	w.WriteHeader(http.StatusOK)
	_, err := io.WriteString(w, d.body)
	return err
}

func decodeMove(_ context.Context, r *http.Request) (any, error) {
	req := meeting.MoveRequest{ID: r.PathValue("id")}
	if err := httpx.DecodeJSON(r, &req, httpx.DefaultMaxBody); err != nil {
		return nil, err
	}
	return req, nil
}

func decodeCancel(_ context.Context, r *http.Request) (any, error) {
	req := meeting.CancelRequest{ID: r.PathValue("id")}
	if err := httpx.DecodeJSON(r, &req, httpx.DefaultMaxBody); err != nil {
		return nil, err
	}
	return req, nil
}
