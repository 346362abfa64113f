// Package transport exposes coordination-meeting over HTTP (go-kit
// endpoints) and feeds it from JetStream.
package transport

import (
	"context"
	"io"
	"log/slog"
	"net/http"

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
	opts := []kithttp.ServerOption{kithttp.ServerErrorEncoder(httpx.ErrorEncoder(log))}
	pathID := func(_ context.Context, r *http.Request) (any, error) { return r.PathValue("id"), nil }

	mux.Handle("POST /v1/meetings", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) { return svc.Schedule(ctx, req.(meeting.Draft)) },
		func(_ context.Context, r *http.Request) (any, error) {
			var b meetingBody
			if err := httpx.DecodeJSON(r, &b, httpx.DefaultMaxBody); err != nil {
				return nil, err
			}
			return meeting.Draft{Kind: b.Kind, Title: b.Title, StartsAt: b.StartsAt, Location: b.Location,
				WorkGroup: b.WorkGroup, Attendees: b.Attendees, ProjectCode: b.ProjectCode}, nil
		},
		func(_ context.Context, w http.ResponseWriter, resp any) error {
			m := resp.(meeting.Meeting)
			w.Header().Set("Location", "/v1/meetings/"+m.ID)
			httpx.WriteJSON(w, http.StatusCreated, m)
			return nil
		}, opts...))

	mux.Handle("GET /v1/meetings/{id}", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) { return svc.Get(ctx, req.(string)) },
		pathID, httpx.EncodeJSON, opts...))

	mux.Handle("GET /v1/meetings", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) {
			ms, err := svc.List(ctx, req.(meeting.ListQuery))
			return listResponse{Items: ms}, err
		},
		func(_ context.Context, r *http.Request) (any, error) {
			q := r.URL.Query()
			return meeting.ParseListQuery(q.Get("work_group"), q.Get("limit"))
		},
		httpx.EncodeJSON, opts...))

	mux.Handle("PUT /v1/meetings/{id}/agenda", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) {
			r := req.(agendaRequest)
			return svc.EditAgenda(ctx, r.id, r.Version, r.Entries)
		},
		func(_ context.Context, r *http.Request) (any, error) {
			req := agendaRequest{id: r.PathValue("id")}
			if err := httpx.DecodeJSON(r, &req.agendaBody, httpx.DefaultMaxBody); err != nil {
				return nil, err
			}
			return req, nil
		},
		httpx.EncodeJSON, opts...))

	mux.Handle("POST /v1/meetings/{id}/minutes", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) {
			r := req.(minutesRequest)
			return svc.RecordMinutes(ctx, r.id, r.Summary, r.Decisions)
		},
		func(_ context.Context, r *http.Request) (any, error) {
			req := minutesRequest{id: r.PathValue("id")}
			if err := httpx.DecodeJSON(r, &req.minutesBody, 256<<10); err != nil {
				return nil, err
			}
			return req, nil
		},
		httpx.EncodeJSON, opts...))

	mux.Handle("GET /v1/meetings/{id}/invite.ics", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) {
			body, err := svc.Invitation(ctx, req.(string))
			return document{"text/calendar; charset=utf-8; method=REQUEST", body}, err
		},
		pathID, encodeDocument, opts...))

	mux.Handle("GET /v1/meetings/{id}/minutes.md", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) {
			body, err := svc.MinutesMarkdown(ctx, req.(string))
			return document{"text/markdown; charset=utf-8", body}, err
		},
		pathID, encodeDocument, opts...))

	mux.Handle("GET /v1/meetings/{id}/minutes.xlsx", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) {
			x, err := svc.MinutesExport(ctx, req.(string))
			if err != nil {
				return nil, err
			}
			b, err := MinutesXLSX(x)
			return xlsxFile{name: "minutes-" + req.(string) + ".xlsx", body: b}, err
		},
		pathID, encodeXLSX, opts...))

	mux.Handle("GET /v1/agenda-candidates", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) {
			q := req.(meeting.CandidateQuery)
			cs, err := svc.Candidates(ctx, q.Status, q.Limit)
			return candidatesResponse{Items: cs}, err
		},
		func(_ context.Context, r *http.Request) (any, error) {
			q := r.URL.Query()
			return meeting.ParseCandidateQuery(q.Get("status"), q.Get("limit"))
		},
		httpx.EncodeJSON, opts...))
}

func encodeDocument(_ context.Context, w http.ResponseWriter, resp any) error {
	d := resp.(document)
	w.Header().Set("Content-Type", d.contentType)
	w.WriteHeader(http.StatusOK)
	_, err := io.WriteString(w, d.body)
	return err
}
