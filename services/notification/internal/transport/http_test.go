package transport

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

// request is a GET of path with the non-empty params as its query string.
func request(path string, params ...string) *http.Request {
	v := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		if params[i+1] != "" {
			v.Set(params[i], params[i+1])
		}
	}
	return httptest.NewRequest(http.MethodGet, path+"?"+v.Encode(), nil)
}

// inboxQuery is what GET /v1/inbox makes of a query string: decoded here,
// checked by the service.
func inboxQuery(recipient, unread, limit string) (notification.InboxQuery, error) {
	q, err := decodeInboxQuery(context.Background(), request("/v1/inbox", "recipient", recipient, "unread", unread, "limit", limit))
	if err != nil {
		return notification.InboxQuery{}, err
	}
	return q.(notification.InboxQuery).Check()
}

func deliveryQuery(recipient, event, status, channel, limit string) (notification.DeliveryQuery, error) {
	q, err := decodeDeliveryQuery(context.Background(), request("/v1/deliveries",
		"recipient", recipient, "event", event, "status", status, "channel", channel, "limit", limit))
	if err != nil {
		return notification.DeliveryQuery{}, err
	}
	return q.(notification.DeliveryQuery).Check()
}

func assertInvalid(t *testing.T, err error, field string) {
	t.Helper()
	testenv.Invalid(t, err, field)
}

func TestInboxQuery(t *testing.T) {
	tests := []struct {
		name                     string
		recipient, unread, limit string
		want                     notification.InboxQuery
		field                    string // the field named by the error, "" for success
	}{
		{name: "defaults", recipient: "dept:zrzy", want: notification.InboxQuery{Recipient: "dept:zrzy", Limit: notification.DefaultLimit}},
		{name: "unread and limit", recipient: " dept:zrzy ", unread: "true", limit: "10",
			want: notification.InboxQuery{Recipient: "dept:zrzy", UnreadOnly: true, Limit: 10}},
		{name: "unread false", recipient: "dept:fgw", unread: "false", limit: "200",
			want: notification.InboxQuery{Recipient: "dept:fgw", Limit: 200}},
		{name: "leader", recipient: "leader:zrzy", want: notification.InboxQuery{Recipient: "leader:zrzy", Limit: notification.DefaultLimit}},
		{name: "owner", recipient: "owner:2024-370481-04-01-123456", want: notification.InboxQuery{Recipient: "owner:2024-370481-04-01-123456", Limit: notification.DefaultLimit}},
		{name: "officer", recipient: "officer:wang.li", want: notification.InboxQuery{Recipient: "officer:wang.li", Limit: notification.DefaultLimit}},
		{name: "missing recipient", field: "recipient"},
		{name: "blank recipient", recipient: "  ", field: "recipient"},
		{name: "no kind", recipient: "zrzy", field: "recipient"},
		{name: "unknown kind", recipient: "user:zrzy", field: "recipient"},
		{name: "owner with bad code", recipient: "owner:2024-1", field: "recipient"},
		{name: "upper case code", recipient: "dept:ZRZY", field: "recipient"},
		{name: "code too long", recipient: "dept:abcdefghijklmnopq", field: "recipient"},
		{name: "bad unread", recipient: "dept:zrzy", unread: "yes", field: "unread"},
		{name: "limit not a number", recipient: "dept:zrzy", limit: "ten", field: "limit"},
		{name: "limit zero", recipient: "dept:zrzy", limit: "0", field: "limit"},
		{name: "limit negative", recipient: "dept:zrzy", limit: "-1", field: "limit"},
		{name: "limit too large", recipient: "dept:zrzy", limit: "201", field: "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := inboxQuery(tt.recipient, tt.unread, tt.limit)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if got != tt.want {
					t.Fatalf("got %+v, want %+v", got, tt.want)
				}
				return
			}
			assertInvalid(t, err, tt.field)
		})
	}
}

func TestDeliveryQuery(t *testing.T) {
	q, err := deliveryQuery(" dept:zrzy ", "e1", "dead", "email", "5")
	if err != nil || q != (notification.DeliveryQuery{Recipient: "dept:zrzy", EventID: "e1", Status: "dead", Channel: "email", Limit: 5}) {
		t.Fatalf("got %+v, %v", q, err)
	}
	if q, err := deliveryQuery("", "", "", "", ""); err != nil || q.Limit != notification.DefaultDeliveryLimit {
		t.Fatalf("defaults: %+v, %v", q, err)
	}
	for _, tt := range []struct{ recipient, event, status, channel, limit, field string }{
		{recipient: "zrzy", field: "recipient"},
		{event: strings.Repeat("x", 65), field: "event"},
		{status: "lost", field: "status"},
		{channel: "fax", field: "channel"},
		{limit: "0", field: "limit"},
		{limit: "501", field: "limit"},
		{limit: "x", field: "limit"},
	} {
		_, err := deliveryQuery(tt.recipient, tt.event, tt.status, tt.channel, tt.limit)
		assertInvalid(t, err, tt.field)
	}
}
