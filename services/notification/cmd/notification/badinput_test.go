package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

// TestBadInputOnEveryEndpoint: every malformed or invalid request gets the
// contract's error shape with the right status, and changes nothing.
func TestBadInputOnEveryEndpoint(t *testing.T) {
	e := newEnv(t)
	base := e.start(t)

	var before notification.Preferences
	if status := request(t, testenv.Leader("sthj"), http.MethodPut, base+"/v1/preferences/dept:sthj", "application/json",
		[]byte(`{"channels":["inbox","email"],"email":"ban@sthj.example","digest":false}`), &before); status != http.StatusOK {
		t.Fatalf("setting preferences: %d", status)
	}

	tests := []struct {
		name, method, path, contentType, body string
		status                                int
		code, field                           string
	}{
		{"inbox without recipient", "GET", "/v1/inbox", "", "", 422, "required", "recipient"},
		{"inbox with unknown recipient kind", "GET", "/v1/inbox?recipient=user:1", "", "", 422, "invalid_recipient", "recipient"},
		{"inbox with bad limit", "GET", "/v1/inbox?recipient=dept:zrzy&limit=0", "", "", 422, "invalid_limit", "limit"},
		{"inbox with bad unread", "GET", "/v1/inbox?recipient=dept:zrzy&unread=2", "", "", 422, "invalid_bool", "unread"},
		{"unread without recipient", "GET", "/v1/inbox/unread", "", "", 422, "required", "recipient"},
		{"unread with bad recipient", "GET", "/v1/inbox/unread?recipient=dept:ZR", "", "", 422, "invalid_recipient", "recipient"},
		{"mark read of unknown entry", "POST", "/v1/inbox/nope/read", "", "", 404, "entry_not_found", ""},
		{"deliveries with bad status", "GET", "/v1/deliveries?status=lost", "", "", 422, "invalid_status", "status"},
		{"deliveries with bad channel", "GET", "/v1/deliveries?channel=fax", "", "", 422, "invalid_channel", "channel"},
		{"deliveries with bad recipient", "GET", "/v1/deliveries?recipient=zrzy", "", "", 422, "invalid_recipient", "recipient"},
		{"deliveries with bad limit", "GET", "/v1/deliveries?limit=9999", "", "", 422, "invalid_limit", "limit"},
		{"deliveries with overlong event", "GET", "/v1/deliveries?event=" + strings.Repeat("e", 65), "", "", 422, "invalid_event", "event"},
		{"unknown delivery", "GET", "/v1/deliveries/nope", "", "", 404, "delivery_not_found", ""},
		{"redeliver unknown delivery", "POST", "/v1/deliveries/nope/redeliver", "", "", 404, "delivery_not_found", ""},
		{"preferences of bad recipient", "GET", "/v1/preferences/sthj", "", "", 422, "invalid_recipient", "recipient"},
		{"put to bad recipient", "PUT", "/v1/preferences/sthj", "application/json", `{"channels":["inbox"]}`, 422, "invalid_recipient", "recipient"},
		{"put without content type", "PUT", "/v1/preferences/dept:sthj", "", `{"channels":["inbox"]}`, 415, "unsupported_media_type", ""},
		{"put as text", "PUT", "/v1/preferences/dept:sthj", "text/plain", `{"channels":["inbox"]}`, 415, "unsupported_media_type", ""},
		{"put malformed json", "PUT", "/v1/preferences/dept:sthj", "application/json", `{"channels":`, 400, "malformed_json", ""},
		{"put two objects", "PUT", "/v1/preferences/dept:sthj", "application/json", `{"channels":["inbox"]}{}`, 400, "malformed_json", ""},
		{"put unknown field", "PUT", "/v1/preferences/dept:sthj", "application/json", `{"channels":["inbox"],"fax":"1"}`, 400, "unknown_field", "fax"},
		{"put wrong type", "PUT", "/v1/preferences/dept:sthj", "application/json", `{"channels":"inbox"}`, 400, "wrong_type", "channels"},
		{"put too large", "PUT", "/v1/preferences/dept:sthj", "application/json", `{"channels":["inbox"],"email":"` + strings.Repeat("a", 70<<10) + `"}`, 413, "body_too_large", ""},
		{"put no channels", "PUT", "/v1/preferences/dept:sthj", "application/json", `{"channels":[]}`, 422, "required", "channels"},
		{"put unknown channel", "PUT", "/v1/preferences/dept:sthj", "application/json", `{"channels":["fax"]}`, 422, "invalid_channel", "channels"},
		{"put email channel without address", "PUT", "/v1/preferences/dept:sthj", "application/json", `{"channels":["email"]}`, 422, "required", "email"},
		{"put bad webhook", "PUT", "/v1/preferences/dept:sthj", "application/json", `{"channels":["webhook"],"webhook":"file:///etc/passwd"}`, 422, "invalid_url", "webhook"},
		{"put bad phone", "PUT", "/v1/preferences/dept:sthj", "application/json", `{"channels":["sms"],"phone":"call me"}`, 422, "invalid_phone", "phone"},
		{"put bad quiet hours", "PUT", "/v1/preferences/dept:sthj", "application/json", `{"channels":["inbox"],"quiet_hours":{"start":"22:00","end":"7"}}`, 422, "invalid_quiet_hours", "quiet_hours"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}
			var got errorBody
			status := request(t, caller(tt.path), tt.method, base+tt.path, tt.contentType, body, &got)
			if status != tt.status || got.Error.Code != tt.code || got.Error.Field != tt.field || got.Error.Message == "" {
				t.Fatalf("status %d, error %+v; want %d %s field %q", status, got.Error, tt.status, tt.code, tt.field)
			}
		})
	}

	var after notification.Preferences
	if status := do(t, testenv.Clerk("sthj"), http.MethodGet, base+"/v1/preferences/dept:sthj", &after); status != http.StatusOK ||
		after.Email != "ban@sthj.example" || len(after.Channels) != 2 || after.QuietHours != nil {
		t.Fatalf("bad requests changed the preferences: %d %+v", status, after)
	}
	if ds := deliveries(t, base, ""); len(ds) != 0 {
		t.Fatalf("bad requests created deliveries: %+v", ds)
	}
	var def notification.Preferences
	if status := do(t, testenv.Officer("nobody"), http.MethodGet, base+"/v1/preferences/officer:nobody", &def); status != http.StatusOK ||
		len(def.Channels) != 1 || def.Channels[0] != "inbox" {
		t.Fatalf("unconfigured recipient: %d %+v", status, def)
	}
}

// caller is who a real user sending the bad request would be: a zrzy
// clerk for the inbox, operations for the delivery log, sthj's leader for
// its preferences; the checks of the input come first for each.
func caller(path string) auth.Principal {
	switch {
	case strings.HasPrefix(path, "/v1/inbox"):
		return testenv.Clerk("zrzy")
	case strings.HasPrefix(path, "/v1/deliveries"):
		return testenv.AsOperations
	}
	return testenv.Leader("sthj")
}

// TestWebhookOnPrivateAddressRefused: without --webhook-allow-private, a
// department's webhook cannot point into the service's own network.
func TestWebhookOnPrivateAddressRefused(t *testing.T) {
	natsURL, _ := testenv.JetStream(t)
	base := start(t, newClock(), "--nats-url="+natsURL, "--mongo-uri="+testenv.MongoURI(t))
	for _, url := range []string{"http://169.254.169.254/latest/meta-data", "http://127.0.0.1:8085/v1/inbox", "http://localhost/x"} {
		var e errorBody
		body := `{"channels":["webhook"],"webhook":"` + url + `"}`
		if st := request(t, testenv.Leader("zrzy"), http.MethodPut, base+"/v1/preferences/dept:zrzy", "application/json", []byte(body), &e); st != 422 ||
			e.Error.Code != "webhook_not_allowed" || e.Error.Field != "webhook" {
			t.Errorf("%s: %d %+v, want 422 webhook_not_allowed", url, st, e)
		}
	}
	var p notification.Preferences
	if st := request(t, testenv.Clerk("zrzy"), http.MethodGet, base+"/v1/preferences/dept:zrzy", "", nil, &p); st != 200 || p.Webhook != "" {
		t.Fatalf("after the refusals: %d %+v, want no webhook stored", st, p)
	}
	body := `{"channels":["webhook"],"webhook":"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}`
	if st := request(t, testenv.Leader("zrzy"), http.MethodPut, base+"/v1/preferences/dept:zrzy", "application/json", []byte(body), &p); st != 200 {
		t.Fatalf("public webhook: %d", st)
	}
}
