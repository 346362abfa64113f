package trail_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/audit"
	"github.com/tuijin/tuijin/pkg/audit/trail"
	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	intakev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/intake/v1"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/platform"
	"github.com/tuijin/tuijin/pkg/testenv"
)

type config struct{ platform.Config }

// A service as platform runs it, with one state-changing route that notes
// the project it changed and one consumer of project.registered.
func start(t *testing.T, natsURL, mongoURI string) string {
	t.Helper()
	cfg := &config{Config: platform.Defaults("127.0.0.1:0", "audittest")}
	setup := func(ctx context.Context, app *platform.App) error {
		app.HTTP.Mux.HandleFunc("POST /v1/things/{id}/approve", func(w http.ResponseWriter, r *http.Request) {
			if _, err := auth.Require(r.Context(), auth.Clerk); err != nil {
				httpx.ErrorEncoder(app.Log)(r.Context(), err, w)
				return
			}
			audit.Note(r.Context(), "2026-370481-04-01-000001", "approve")
			httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "approved"})
		})
		return app.Consume(ctx, bus.ConsumerSpec{Durable: "audittest-registered", Subjects: []string{event.TypeProjectRegistered}},
			func(ctx context.Context, d bus.Delivery) error { return nil })
	}
	// Not one of the five services: it logs in to NATS as operations.
	ops := testenv.NATSAuth(bus.OperationsUser)
	return testenv.Service(t, "audittest", cfg, setup, "--nats-url="+natsURL, "--mongo-uri="+mongoURI,
		"--nats-user="+ops.User, "--nats-password="+ops.Password)
}

func entries(t *testing.T, base string, as auth.Principal, query string) []audit.Entry {
	t.Helper()
	var page trail.Page
	if st := testenv.CallAs(t, as, "GET", base+"/v1/audit?"+query, "", nil, &page); st != 200 {
		t.Fatalf("GET /v1/audit?%s: %d", query, st)
	}
	return page.Entries
}

func TestRequestsAndEventsAreRecorded(t *testing.T) {
	natsURL, js := testenv.JetStream(t)
	base := start(t, natsURL, testenv.MongoURI(t))

	var out map[string]string
	if st := testenv.CallAs(t, testenv.Clerk("zrzy"), "POST", base+"/v1/things/a1/approve", "", nil, &out); st != 200 {
		t.Fatalf("approve: %d", st)
	}
	var refused httpx.ErrorBody
	if st := testenv.CallAs(t, testenv.Officer("王芳"), "POST", base+"/v1/things/a2/approve", "", nil, &refused); st != 403 {
		t.Fatalf("officer approve: %d", st)
	}
	if st := testenv.CallJSON(t, "POST", base+"/v1/things/a3/approve", "", nil, &refused); st != 401 {
		t.Fatalf("anonymous approve: %d", st)
	}

	// A consumed event names the person who caused it, carried in its envelope.
	ctx := auth.NewContext(context.Background(), testenv.OwnerOf("示范智能装备有限公司"))
	msg, err := event.Build(ctx, event.TypeProjectRegistered, event.TypeProjectRegistered, "intake",
		event.Ref("project", "2026-370481-04-01-000002"), time.Now(), &intakev1.ProjectRegistered{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(context.Background(), msg.Subject, msg.Data); err != nil {
		t.Fatal(err)
	}

	var all []audit.Entry
	testenv.WaitFor(t, time.Minute, "four audit entries", func() bool {
		all = entries(t, base, testenv.AsSupervisor, "")
		return len(all) >= 4
	})
	byTarget := map[string]audit.Entry{}
	for _, e := range all {
		byTarget[e.Target] = e
	}
	ok := byTarget["/v1/things/a1/approve"]
	if ok.Actor != "zrzy-clerk" || ok.Outcome != audit.OK || ok.Status != 200 || ok.Project != "2026-370481-04-01-000001" ||
		ok.Detail != "approve" || ok.Action != "POST /v1/things/{id}/approve" || ok.Remote != "127.0.0.1" || ok.Service != "audittest" {
		t.Errorf("approved: %+v", ok)
	}
	if e := byTarget["/v1/things/a2/approve"]; e.Actor != "officer-王芳" || e.Outcome != audit.Refused || e.Status != 403 {
		t.Errorf("refused: %+v", e)
	}
	if e := byTarget["/v1/things/a3/approve"]; e.Actor != "anonymous" || e.Status != 401 {
		t.Errorf("anonymous: %+v", e)
	}
	ev := byTarget["project/2026-370481-04-01-000002"]
	if ev.Actor != "owner-示范智能装备有限公司" || ev.Action != "consume "+event.TypeProjectRegistered || ev.Event != msg.ID ||
		ev.Project != "2026-370481-04-01-000002" || ev.Outcome != audit.OK {
		t.Errorf("consumed: %+v", ev)
	}

	// Queryable by project and by actor.
	if got := entries(t, base, testenv.AsOperations, "project=2026-370481-04-01-000001"); len(got) != 1 || got[0].Target != ok.Target {
		t.Errorf("by project: %+v", got)
	}
	if got := entries(t, base, testenv.AsOperations, "actor=zrzy-clerk"); len(got) != 1 {
		t.Errorf("by actor: %+v", got)
	}
	// Reads are not recorded; the trail is for supervisors and operations only.
	for _, p := range []auth.Principal{testenv.Clerk("zrzy"), testenv.Officer("王芳"), testenv.AsSecretary} {
		var body httpx.ErrorBody
		if st := testenv.CallAs(t, p, "GET", base+"/v1/audit", "", nil, &body); st != 403 || body.Error.Code != "forbidden" {
			t.Errorf("%s reads the audit: %d %+v", p.Subject, st, body)
		}
	}
	var body httpx.ErrorBody
	if st := testenv.CallAs(t, testenv.AsSupervisor, "GET", base+"/v1/audit?limit=5000", "", nil, &body); st != 422 || body.Error.Field != "limit" {
		t.Errorf("limit 5000: %d %+v", st, body)
	}
	if n := len(entries(t, base, testenv.AsSupervisor, "")); n != len(all) {
		t.Errorf("reading the trail added entries: %d, was %d", n, len(all))
	}
}
