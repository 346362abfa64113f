package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/event"
	meetingv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/meeting/v1"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/meeting"
)

const validBody = `{"kind":"dispatch","title":"用地专班周调度会","starts_at":"2026-03-02T09:30:00+08:00",
	"location":"政务服务中心 301","work_group":"yongdi","attendees":["zrzy","fgw"]}`

// TestWiring runs the whole service on a real NATS and FerretDB, drives its
// HTTP API and watches the events it publishes.
func TestWiring(t *testing.T) {
	natsURL, js := testenv.JetStream(t)
	base := start(t, newClock(), "--nats-url="+natsURL, "--mongo-uri="+testenv.MongoURI(t))
	events := scheduledEvents(t, js)

	var first meeting.Meeting
	if status := do(t, testenv.AsSecretary, http.MethodPost, base+"/v1/meetings", "application/json", validBody, &first); status != http.StatusCreated {
		t.Fatalf("POST: status %d", status)
	}
	if first.ID == "" || first.Status != meeting.StatusScheduled || first.WorkGroup != "yongdi" ||
		!first.StartsAt.Equal(time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)) {
		t.Fatalf("created %+v", first)
	}
	if ev := events.next(t); ev.GetMeetingId() != first.ID || ev.GetKind() != "dispatch" ||
		ev.GetTitle() != first.Title || !ev.GetStartsAt().AsTime().Equal(first.StartsAt) || len(ev.GetAttendees()) != 2 {
		t.Fatalf("event %v for meeting %+v", ev, first)
	}

	t.Run("bad input is refused and publishes nothing", func(t *testing.T) {
		for _, tt := range []struct {
			name, contentType, body string
			status                  int
			code, field             string
		}{
			{"malformed json", "application/json", `{"kind":`, 400, "malformed_json", ""},
			{"wrong content type", "text/plain", validBody, 415, "unsupported_media_type", ""},
			{"unknown field", "application/json", `{"kind":"dispatch","status":"done"}`, 400, "unknown_field", "status"},
			{"missing title", "application/json", strings.Replace(validBody, "用地专班周调度会", "", 1), 422, "required", "title"},
			{"unknown kind", "application/json", strings.Replace(validBody, `"dispatch"`, `"banquet"`, 1), 422, "invalid_kind", "kind"},
			{"unknown department", "application/json", strings.Replace(validBody, `"fgw"`, `"nosuch"`, 1), 422, "unknown_department", "attendees"},
			{"unparseable starts_at", "application/json", strings.Replace(validBody, "2026-03-02T09:30:00+08:00", "周一上午", 1), 422, "invalid_time", "starts_at"},
			{"on site without project", "application/json", strings.Replace(validBody, `"dispatch"`, `"on_site"`, 1), 422, "required", "project_code"},
		} {
			var body errorBody
			status := do(t, testenv.AsSecretary, http.MethodPost, base+"/v1/meetings", tt.contentType, tt.body, &body)
			if status != tt.status || body.Error.Code != tt.code || body.Error.Field != tt.field {
				t.Errorf("%s: status %d, error %+v; want %d %s %q", tt.name, status, body.Error, tt.status, tt.code, tt.field)
			}
		}
		// The ordered consumer sees the stream in order: if a refused
		// request had published, its event would come before this one.
		var second meeting.Meeting
		body := strings.Replace(validBody, `"dispatch"`, `"on_site","project_code":"2024-370481-04-01-123456"`, 1)
		body = strings.Replace(body, `"yongdi"`, `"huanbao"`, 1)
		body = strings.Replace(body, "2026-03-02", "2026-03-09", 1)
		if status := do(t, testenv.AsSecretary, http.MethodPost, base+"/v1/meetings", "application/json", body, &second); status != http.StatusCreated {
			t.Fatalf("second POST: status %d", status)
		}
		if ev := events.next(t); ev.GetMeetingId() != second.ID {
			t.Fatalf("next event is for meeting %s, want %s", ev.GetMeetingId(), second.ID)
		}
		var list listBody
		if status := do(t, testenv.AsSecretary, http.MethodGet, base+"/v1/meetings", "", "", &list); status != http.StatusOK || len(list.Items) != 2 {
			t.Fatalf("list: status %d, %d meetings stored, want 2", status, len(list.Items))
		}
		if list.Items[0].ID != second.ID || list.Items[1].ID != first.ID {
			t.Fatalf("list not latest start first: %+v", list.Items)
		}
	})

	t.Run("get and list", func(t *testing.T) {
		var got meeting.Meeting
		if status := do(t, testenv.AsSecretary, http.MethodGet, base+"/v1/meetings/"+first.ID, "", "", &got); status != http.StatusOK ||
			got.ID != first.ID || !got.StartsAt.Equal(first.StartsAt) || !got.CreatedAt.Equal(first.CreatedAt) {
			t.Fatalf("GET: status %d, %+v, want %+v", status, got, first)
		}
		var body errorBody
		if status := do(t, testenv.AsSecretary, http.MethodGet, base+"/v1/meetings/nope", "", "", &body); status != http.StatusNotFound || body.Error.Code != "meeting_not_found" {
			t.Fatalf("GET unknown: status %d, %+v", status, body)
		}
		var list listBody
		if status := do(t, testenv.AsSecretary, http.MethodGet, base+"/v1/meetings?work_group=yongdi&limit=10", "", "", &list); status != http.StatusOK ||
			len(list.Items) != 1 || list.Items[0].ID != first.ID {
			t.Fatalf("list by work group: status %d, %+v", status, list.Items)
		}
		if status := do(t, testenv.AsSecretary, http.MethodGet, base+"/v1/meetings?limit=0", "", "", &body); status != http.StatusUnprocessableEntity || body.Error.Field != "limit" {
			t.Fatalf("bad limit: status %d, %+v", status, body)
		}
	})
}

type eventReader struct {
	cons jetstream.Consumer
}

// scheduledEvents reads tuijin.meeting.scheduled from the events stream in
// stream order.
func scheduledEvents(t *testing.T, js jetstream.JetStream) *eventReader {
	t.Helper()
	c, err := js.OrderedConsumer(context.Background(), bus.EventsStream,
		jetstream.OrderedConsumerConfig{FilterSubjects: []string{event.TypeMeetingScheduled}})
	if err != nil {
		t.Fatal(err)
	}
	return &eventReader{cons: c}
}

func (r *eventReader) next(t *testing.T) *meetingv1.MeetingScheduled {
	t.Helper()
	msg, err := r.cons.Next(jetstream.FetchMaxWait(20 * time.Second))
	if err != nil {
		t.Fatalf("no meeting.scheduled event: %v", err)
	}
	env, err := event.Decode(msg.Data())
	if err != nil {
		t.Fatal(err)
	}
	if env.GetType() != event.TypeMeetingScheduled || env.GetProducer() != meeting.Producer || env.GetSubject().GetKind() != "meeting" {
		t.Fatalf("envelope %v", env)
	}
	var ev meetingv1.MeetingScheduled
	if err := event.Payload(env, &ev); err != nil {
		t.Fatal(err)
	}
	return &ev
}

type errorBody = httpx.ErrorBody

type listBody struct {
	Items []meeting.Meeting `json:"items"`
}

// organizer is the tests' TUIJIN_ICS_ORGANIZER, without which the service
// does not start.
const organizer = "duban@xzsp.example"

// start runs the service as main does, on clock clk, until the test ends.
func start(t *testing.T, clk *clock.Manual, args ...string) string {
	cfg := newConfig()
	return testenv.ServiceAt(t, clk, "coordination-meeting", cfg, setup(cfg), append([]string{"--ics-organizer=" + organizer}, args...)...)
}

func newClock() *clock.Manual {
	return clock.NewManual(time.Now().UTC().Truncate(time.Millisecond), time.Millisecond)
}

// do sends body to url as p would, and decodes the JSON answer into into.
func do(t *testing.T, p auth.Principal, method, url, contentType, body string, into any) int {
	t.Helper()
	return testenv.CallAs(t, p, method, url, contentType, strings.NewReader(body), into)
}

// getAs sends GET url as p would (for answers that are not JSON).
func getAs(t *testing.T, p auth.Principal, url string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+testenv.Token(t, p))
	return http.DefaultClient.Do(req)
}
