// Package transport exposes notification over HTTP (go-kit endpoints) and
// feeds it from JetStream.
package transport

import (
	"context"
	"log/slog"
	"net/http"

	kithttp "github.com/go-kit/kit/transport/http"

	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

// Routes mounts the inbox API on mux.
func Routes(mux *http.ServeMux, svc notification.Service, log *slog.Logger) {
	opts := []kithttp.ServerOption{kithttp.ServerErrorEncoder(httpx.ErrorEncoder(log))}

	mux.Handle("GET /v1/inbox", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) {
			return svc.Inbox(ctx, req.(notification.InboxQuery))
		},
		func(_ context.Context, r *http.Request) (any, error) {
			q := r.URL.Query()
			return notification.ParseInboxQuery(q.Get("recipient"), q.Get("unread"), q.Get("limit"))
		},
		encodeOK, opts...))

	mux.Handle("POST /v1/inbox/{id}/read", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) { return svc.MarkRead(ctx, req.(string)) },
		func(_ context.Context, r *http.Request) (any, error) { return r.PathValue("id"), nil },
		encodeOK, opts...))
}

func encodeOK(_ context.Context, w http.ResponseWriter, resp any) error {
	httpx.WriteJSON(w, http.StatusOK, resp)
	return nil
}
