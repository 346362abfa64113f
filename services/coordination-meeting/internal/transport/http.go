// Package transport exposes coordination-meeting over HTTP (go-kit endpoints).
package transport

import (
	"context"
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

type listResponse struct {
	Items []meeting.Meeting `json:"items"`
}

// Routes mounts the meetings API on mux.
func Routes(mux *http.ServeMux, svc meeting.Service, log *slog.Logger) {
	opts := []kithttp.ServerOption{kithttp.ServerErrorEncoder(httpx.ErrorEncoder(log))}

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
		func(_ context.Context, r *http.Request) (any, error) { return r.PathValue("id"), nil },
		encodeOK, opts...))

	mux.Handle("GET /v1/meetings", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) {
			ms, err := svc.List(ctx, req.(meeting.ListQuery))
			return listResponse{Items: ms}, err
		},
		func(_ context.Context, r *http.Request) (any, error) {
			q := r.URL.Query()
			return meeting.ParseListQuery(q.Get("work_group"), q.Get("limit"))
		},
		encodeOK, opts...))
}

func encodeOK(_ context.Context, w http.ResponseWriter, resp any) error {
	httpx.WriteJSON(w, http.StatusOK, resp)
	return nil
}
