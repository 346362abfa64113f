package transport

import (
	"context"
	"log/slog"
	"net/http"

	kithttp "github.com/go-kit/kit/transport/http"

	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/meeting"
)

// ActionRoutes mounts the action items' progress on mux:
// POST /v1/meetings/{id}/actions/{n}/done (a clerk or leader of the action's
// department), …/confirm and …/reopen (the secretary or a supervisor), {n}
// being the action's 1-based position among the meeting's action items, or
// its id. The use case checks the roles: they depend on the change, the
// department on the action item it loads.
func ActionRoutes(mux *http.ServeMux, svc meeting.Actions, log *slog.Logger) {
	opts := []kithttp.ServerOption{kithttp.ServerErrorEncoder(httpx.ErrorEncoder(log))}
	for _, change := range meeting.ActionChanges {
		mux.Handle("POST /v1/meetings/{id}/actions/{n}/"+change, kithttp.NewServer(
			makeChangeActionEndpoint(svc), decodeChangeActionRequest(change), httpx.EncodeJSON, opts...))
	}
}

func makeChangeActionEndpoint(svc meeting.Actions) func(context.Context, any) (any, error) {
	return func(ctx context.Context, req any) (any, error) {
		return svc.ChangeAction(ctx, req.(meeting.ActionChange))
	}
}

func decodeChangeActionRequest(change string) kithttp.DecodeRequestFunc {
	return func(_ context.Context, r *http.Request) (any, error) {
		c := meeting.ActionChange{MeetingID: r.PathValue("id"), Ref: r.PathValue("n"), Change: change}
		if err := httpx.DecodeJSON(r, &c, httpx.DefaultMaxBody); err != nil {
			return nil, err
		}
		return c, nil
	}
}
