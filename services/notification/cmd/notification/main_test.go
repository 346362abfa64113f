package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	eventv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/event/v1"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	meetingv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/meeting/v1"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

const consumer = "notification-item-assigned"

// zrzyClerk reads dept:zrzy's inbox, where the assignments land.
var zrzyClerk = testenv.Clerk("zrzy")

// TestWiring runs the whole service on a real NATS and FerretDB, feeds it
// ledger events through the bus and reads the result through its HTTP API.
func TestWiring(t *testing.T) {
	natsURL, js := testenv.JetStream(t)
	base := start(t, newClock(), "--nats-url="+natsURL, "--mongo-uri="+testenv.MongoURI(t))
	pub := bus.NewPublisher(js, noop.NewTracerProvider().Tracer("test"), bus.NewMetrics(prometheus.NewRegistry()))
	ctx := context.Background()
	subject := event.ForDepartment(event.TypeItemAssigned, "zrzy")

	first := assigned(t, "yongdi-yushen", "用地预审与选址意见书", 10, false)
	if err := pub.PublishEvent(ctx, subject, first); err != nil {
		t.Fatal(err)
	}
	var inbox notification.Inbox
	eventually(t, "the first entry in the inbox", func() bool {
		inbox = getInbox(t, base, "recipient=dept:zrzy")
		return len(inbox.Items) > 0
	})
	e := inbox.Items[0]
	if e.ID != notification.EntryID(first.GetId(), "dept:zrzy", notification.ChannelInbox) ||
		e.Title != "新办理事项：城北物流园 · 用地预审与选址意见书" || !strings.Contains(e.Body, "自然资源和规划局") ||
		!strings.Contains(e.Body, "10 个工作日") || e.ProjectCode != "2024-370481-04-01-123456" || e.Read {
		t.Fatalf("entry %+v", e)
	}

	// The same envelope again is dropped by the stream (same Nats-Msg-Id).
	if err := pub.PublishEvent(ctx, subject, first); err != nil {
		t.Fatal(err)
	}
	if n := streamMsgs(t, js); n != 1 {
		t.Fatalf("stream holds %d messages after a duplicate publish, want 1", n)
	}
	// The same event under another message id, as an outbox re-publish after
	// the duplicate window would look, reaches the handler: its entry id is
	// taken already, so nothing new appears.
	data, err := event.Marshal(first)
	if err != nil {
		t.Fatal(err)
	}
	h := nats.Header{}
	h.Set(jetstream.MsgIDHeader, first.GetId()+"-republished")
	if _, err := js.PublishMsg(ctx, &nats.Msg{Subject: subject, Header: h, Data: data}); err != nil {
		t.Fatal(err)
	}
	second := assigned(t, "jianshe-yongdi", "建设用地规划许可证", 0, true)
	if err := pub.PublishEvent(ctx, subject, second); err != nil {
		t.Fatal(err)
	}
	waitMetric(t, base, `tuijin_bus_messages_handled_total{consumer="`+consumer+`",outcome="ack"}`, 3)
	inbox = getInbox(t, base, "recipient=dept:zrzy")
	if len(inbox.Items) != 2 || inbox.Unread != 2 {
		t.Fatalf("want one entry per event, got unread %d, items %+v", inbox.Unread, inbox.Items)
	}
	if inbox.Items[0].EventID != second.GetId() || inbox.Items[1].EventID != first.GetId() {
		t.Fatalf("inbox not newest first: %+v", inbox.Items)
	}
	if !strings.Contains(inbox.Items[0].Body, "即办件") || !strings.Contains(inbox.Items[0].Body, "【绿色通道】") {
		t.Fatalf("immediate green-channel body %q", inbox.Items[0].Body)
	}
	if v, _ := metric(t, base, `tuijin_notification_delivered_total{channel="inbox"}`); v != 2 {
		t.Fatalf("delivered_total = %v, want 2", v)
	}

	t.Run("a payload that is not ItemAssigned is dead-lettered", func(t *testing.T) {
		bad, err := event.New(event.TypeItemAssigned, "test", event.Ref("item", "x"), time.Now(), &meetingv1.MeetingScheduled{MeetingId: "m"})
		if err != nil {
			t.Fatal(err)
		}
		if err := pub.PublishEvent(ctx, subject, bad); err != nil {
			t.Fatal(err)
		}
		waitMetric(t, base, `tuijin_bus_dead_letters_total{consumer="`+consumer+`",reason="undecodable"}`, 1)
		if got := getInbox(t, base, "recipient=dept:zrzy"); len(got.Items) != 2 {
			t.Fatalf("poison message changed the inbox: %+v", got.Items)
		}
	})

	t.Run("mark read", func(t *testing.T) {
		id := inbox.Items[1].ID
		for range 2 { // idempotent
			var got notification.Entry
			if status := do(t, zrzyClerk, http.MethodPost, base+"/v1/inbox/"+id+"/read", &got); status != http.StatusOK || !got.Read || got.ReadAt == nil {
				t.Fatalf("status %d, entry %+v", status, got)
			}
		}
		var count notification.UnreadCount
		if status := do(t, zrzyClerk, http.MethodGet, base+"/v1/inbox/unread?recipient=dept:zrzy", &count); status != http.StatusOK || count.Unread != 1 {
			t.Fatalf("unread count: status %d, %+v", status, count)
		}
		unread := getInbox(t, base, "recipient=dept:zrzy&unread=true&limit=50")
		if unread.Unread != 1 || len(unread.Items) != 1 || unread.Items[0].ID != inbox.Items[0].ID {
			t.Fatalf("unread page %+v", unread)
		}
		var body errorBody
		if status := do(t, zrzyClerk, http.MethodPost, base+"/v1/inbox/no-such-id/read", &body); status != http.StatusNotFound || body.Error.Code != "entry_not_found" {
			t.Fatalf("unknown id: status %d, body %+v", status, body)
		}
	})

	t.Run("bad queries", func(t *testing.T) {
		for _, tt := range []struct{ query, field string }{
			{"", "recipient"},
			{"recipient=zrzy", "recipient"},
			{"recipient=dept:zrzy&limit=abc", "limit"},
			{"recipient=dept:zrzy&limit=1000", "limit"},
			{"recipient=dept:zrzy&unread=maybe", "unread"},
		} {
			var body errorBody
			status := do(t, zrzyClerk, http.MethodGet, base+"/v1/inbox?"+tt.query, &body)
			if status != http.StatusUnprocessableEntity || body.Error.Field != tt.field || body.Error.Code == "" {
				t.Errorf("%q: status %d, body %+v", tt.query, status, body)
			}
		}
	})
}

func assigned(t testing.TB, itemType, itemName string, days int32, immediate bool) *eventv1.Envelope {
	t.Helper()
	code := "2024-370481-04-01-123456"
	env, err := event.New(event.TypeItemAssigned, "ledger", event.Ref("item", code+"."+itemType), time.Now(),
		&ledgerv1.ItemAssigned{ItemId: code + "." + itemType, ProjectCode: code, ProjectName: "城北物流园",
			ItemType: itemType, ItemName: itemName, Department: "zrzy", PromisedDays: days,
			Immediate: immediate, GreenChannel: immediate, AssignedAt: timestamppb.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// getInbox reads a page of the inbox its query names, as that recipient.
func getInbox(t testing.TB, base, query string) notification.Inbox {
	t.Helper()
	v, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	var in notification.Inbox
	if status := do(t, recipientPrincipal(v.Get("recipient")), http.MethodGet, base+"/v1/inbox?"+query, &in); status != http.StatusOK {
		t.Fatalf("GET inbox?%s: status %d", query, status)
	}
	return in
}

func streamMsgs(t *testing.T, js jetstream.JetStream) uint64 {
	t.Helper()
	return testenv.StreamCount(t, js, bus.EventsStream, ">")
}
