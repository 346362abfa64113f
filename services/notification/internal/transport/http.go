// Package transport exposes notification over HTTP (go-kit endpoints) and
// feeds it from JetStream.
package transport

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	kithttp "github.com/go-kit/kit/transport/http"

	"github.com/tuijin/tuijin/pkg/apperr"
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

// Routes mounts the inbox, delivery log and preferences API on mux.
func Routes(mux *http.ServeMux, svc notification.Queries, log *slog.Logger) {
	e := MakeEndpoints(svc)
	opts := []kithttp.ServerOption{kithttp.ServerErrorEncoder(httpx.ErrorEncoder(log))}
	route := func(pattern string, ep func(context.Context, any) (any, error), dec kithttp.DecodeRequestFunc) {
		mux.Handle(pattern, kithttp.NewServer(ep, dec, httpx.EncodeJSON, opts...))
	}
	route("GET /v1/inbox", e.Inbox, decodeInboxQuery)
	route("GET /v1/inbox/unread", e.Unread, decodeRecipientQuery)
	route("POST /v1/inbox/{id}/read", e.MarkRead, decodeID)
	route("GET /v1/deliveries", e.Deliveries, decodeDeliveryQuery)
	route("GET /v1/deliveries/{id}", e.Delivery, decodeID)
	route("POST /v1/deliveries/{id}/redeliver", e.Redeliver, decodeID)
	route("GET /v1/preferences/{recipient}", e.Preferences, decodeRecipientPath)
	route("PUT /v1/preferences/{recipient}", e.SetPreferences, decodeSetPreferences)
}

// decodeInboxQuery reads ?recipient=&unread=&limit=; absent unread and
// limit take their defaults.
func decodeInboxQuery(_ context.Context, r *http.Request) (any, error) {
	v := r.URL.Query()
	q := notification.InboxQuery{Recipient: v.Get("recipient"), Limit: notification.DefaultLimit}
	if s := v.Get("unread"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, apperr.Invalid("unread", "invalid_bool", "unread must be true or false")
		}
		q.UnreadOnly = b
	}
	var err error
	q.Limit, err = limit(v, notification.DefaultLimit, notification.MaxLimit)
	return q, err
}

// decodeDeliveryQuery reads ?recipient=&event=&status=&channel=&limit=,
// every one optional.
func decodeDeliveryQuery(_ context.Context, r *http.Request) (any, error) {
	v := r.URL.Query()
	n, err := limit(v, notification.DefaultDeliveryLimit, notification.MaxDeliveryLimit)
	return notification.DeliveryQuery{Recipient: v.Get("recipient"), EventID: v.Get("event"),
		Status: v.Get("status"), Channel: v.Get("channel"), Limit: n}, err
}

// limit reads ?limit=, def when absent.
func limit(v url.Values, def, max int) (int, error) {
	s := v.Get("limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, notification.LimitError(max)
	}
	return n, nil
}

func decodeRecipientQuery(_ context.Context, r *http.Request) (any, error) {
	return recipientRequest{Recipient: r.URL.Query().Get("recipient")}, nil
}

func decodeRecipientPath(_ context.Context, r *http.Request) (any, error) {
	return recipientRequest{Recipient: r.PathValue("recipient")}, nil
}

func decodeID(_ context.Context, r *http.Request) (any, error) {
	return idRequest{ID: r.PathValue("id")}, nil
}

func decodeSetPreferences(_ context.Context, r *http.Request) (any, error) {
	var b preferencesBody
	if err := httpx.DecodeJSON(r, &b, httpx.DefaultMaxBody); err != nil {
		return nil, err
	}
	return notification.Preferences{Recipient: r.PathValue("recipient"), Channels: b.Channels, Digest: b.Digest,
		QuietHours: b.QuietHours, Email: b.Email, Webhook: b.Webhook, Phone: b.Phone}, nil
}
