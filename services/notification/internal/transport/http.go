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

// preferencesBody is what PUT /v1/preferences/{recipient} accepts.
type preferencesBody struct {
	Channels   []string                 `json:"channels"`
	Digest     bool                     `json:"digest"`
	QuietHours *notification.QuietHours `json:"quiet_hours"`
	Email      string                   `json:"email"`
	Webhook    string                   `json:"webhook"`
	Phone      string                   `json:"phone"`
}

type deliveriesResponse struct {
	Items []notification.Delivery `json:"items"`
}

// Routes mounts the inbox, delivery log and preferences API on mux.
func Routes(mux *http.ServeMux, svc notification.Queries, log *slog.Logger) {
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

	mux.Handle("GET /v1/inbox/unread", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) { return svc.Unread(ctx, req.(string)) },
		func(_ context.Context, r *http.Request) (any, error) {
			return notification.ParseRecipient("recipient", r.URL.Query().Get("recipient"))
		},
		encodeOK, opts...))

	mux.Handle("POST /v1/inbox/{id}/read", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) { return svc.MarkRead(ctx, req.(string)) },
		func(_ context.Context, r *http.Request) (any, error) { return r.PathValue("id"), nil },
		encodeOK, opts...))

	mux.Handle("GET /v1/deliveries", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) {
			ds, err := svc.Deliveries(ctx, req.(notification.DeliveryQuery))
			return deliveriesResponse{Items: ds}, err
		},
		func(_ context.Context, r *http.Request) (any, error) {
			q := r.URL.Query()
			return notification.ParseDeliveryQuery(q.Get("recipient"), q.Get("event"), q.Get("status"), q.Get("channel"), q.Get("limit"))
		},
		encodeOK, opts...))

	mux.Handle("GET /v1/deliveries/{id}", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) { return svc.Delivery(ctx, req.(string)) },
		func(_ context.Context, r *http.Request) (any, error) { return r.PathValue("id"), nil },
		encodeOK, opts...))

	mux.Handle("POST /v1/deliveries/{id}/redeliver", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) { return svc.Redeliver(ctx, req.(string)) },
		func(_ context.Context, r *http.Request) (any, error) { return r.PathValue("id"), nil },
		encodeOK, opts...))

	mux.Handle("GET /v1/preferences/{recipient}", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) { return svc.Preferences(ctx, req.(string)) },
		func(_ context.Context, r *http.Request) (any, error) {
			return notification.ParseRecipient("recipient", r.PathValue("recipient"))
		},
		encodeOK, opts...))

	mux.Handle("PUT /v1/preferences/{recipient}", kithttp.NewServer(
		func(ctx context.Context, req any) (any, error) {
			return svc.SetPreferences(ctx, req.(notification.Preferences))
		},
		func(_ context.Context, r *http.Request) (any, error) {
			recipient, err := notification.ParseRecipient("recipient", r.PathValue("recipient"))
			if err != nil {
				return nil, err
			}
			var b preferencesBody
			if err := httpx.DecodeJSON(r, &b, httpx.DefaultMaxBody); err != nil {
				return nil, err
			}
			return notification.Preferences{Recipient: recipient, Channels: b.Channels, Digest: b.Digest,
				QuietHours: b.QuietHours, Email: b.Email, Webhook: b.Webhook, Phone: b.Phone}, nil
		},
		encodeOK, opts...))
}

func encodeOK(_ context.Context, w http.ResponseWriter, resp any) error {
	httpx.WriteJSON(w, http.StatusOK, resp)
	return nil
}
