package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/meeting"
)

// The callers of the table: each role, the out-of-scope variants, and no
// token at all.
var callers = testenv.Callers()

// accessFixture makes meetings over the API, as the secretary and the
// departments would.
type accessFixture struct {
	t    *testing.T
	clk  *clock.Manual
	base string
}

// scheduled is a new meeting an hour ahead with one agenda entry for zrzy.
func (f *accessFixture) scheduled() meeting.Meeting {
	f.t.Helper()
	starts := f.clk.Now().Add(time.Hour).Format(time.RFC3339)
	body := `{"kind":"joint","title":"联席会议","starts_at":"` + starts +
		`","location":"政务服务中心 301","attendees":["zrzy"]}`
	var m meeting.Meeting
	if s := do(f.t, testenv.AsSecretary, http.MethodPost, f.base+"/v1/meetings", "application/json", body, &m); s != http.StatusCreated {
		f.t.Fatalf("fixture meeting: %d", s)
	}
	agenda := `{"entries":[{"title":"用地预审超期","department":"zrzy","project_code":"` + code + `"}]}`
	if s := do(f.t, testenv.AsSecretary, http.MethodPut, f.base+"/v1/meetings/"+m.ID+"/agenda", "application/json", agenda, &m); s != http.StatusOK {
		f.t.Fatalf("fixture agenda: %d", s)
	}
	return m
}

// held is m scheduled and begun: the service's clock is past its start.
func (f *accessFixture) held() meeting.Meeting {
	m := f.scheduled()
	f.clk.Set(m.StartsAt.Add(time.Minute))
	return m
}

// minutesFor decides m's one entry with an action item for zrzy.
func (f *accessFixture) minutesFor(m meeting.Meeting) string {
	due := f.clk.Now().Add(7 * 24 * time.Hour).Format(time.RFC3339)
	return `{"summary":"会议议定如下。","decisions":[{"agenda_entry_id":"` + m.Agenda[0].ID + `","outcome":"action","text":"限期办结",
		"action":{"department":"zrzy","description":"五个工作日内出具用地预审意见","due_at":"` + due + `"}}]}`
}

// decided is a new meeting whose minutes gave zrzy an action item; done:
// zrzy's clerk has reported it done.
func (f *accessFixture) decided(done bool) meeting.Meeting {
	f.t.Helper()
	m := f.held()
	if s := do(f.t, testenv.AsSecretary, http.MethodPost, f.base+"/v1/meetings/"+m.ID+"/minutes", "application/json", f.minutesFor(m), &m); s != http.StatusOK {
		f.t.Fatalf("fixture minutes: %d", s)
	}
	if done {
		var r meeting.ActionResult
		if s := do(f.t, testenv.Clerk("zrzy"), http.MethodPost, f.base+"/v1/meetings/"+m.ID+"/actions/1/done", "application/json", `{}`, &r); s != http.StatusOK {
			f.t.Fatalf("fixture done: %d", s)
		}
	}
	return m
}

// TestAccessByRoleAndRoute runs the service as main wires it and calls
// every route as every caller (pkg/auth/ACCESS.md, coordination-meeting):
// reads are the staff's (officer, clerk, leader, supervisor, secretary),
// not owners' nor operations'; scheduling and agendas the secretary's and
// supervisors'; minutes the secretary's; an action item is reported done by
// a clerk or leader of its department only, confirmed or reopened by the
// secretary or a supervisor. Allowed calls succeed, each on a meeting of
// its own where it changes one; refused ones are 403 forbidden and change
// nothing; calls without a token are 401. Meetings are moved or cancelled
// by the secretary or a supervisor.
func TestAccessByRoleAndRoute(t *testing.T) {
	natsURL, _ := testenv.JetStream(t)
	clk := newClock()
	base := start(t, clk, "--nats-url="+natsURL, "--mongo-uri="+testenv.MongoURI(t))
	f := &accessFixture{t: t, clk: clk, base: base}
	// What refused calls aim at: they must find it as it was.
	shared := f.decided(false)
	sharedDone := f.decided(true)
	sharedScheduled := f.scheduled()

	staff := []string{"officer", "clerk zrzy", "clerk fgw", "leader zrzy", "leader fgw", "supervisor", "secretary"}
	conveners := []string{"supervisor", "secretary"}
	type target struct{ path, body string }
	routes := []struct {
		method, route string
		allowed       []string
		status        int // of an allowed call
		// aim gives the call's path and body: on a fresh meeting when the
		// call is allowed and changes one, else on the shared ones.
		aim func(fresh bool) target
	}{
		{"GET", "/v1/meetings", staff, 200, func(bool) target { return target{path: "/v1/meetings"} }},
		{"GET", "/v1/meetings/{id}", staff, 200, func(bool) target { return target{path: "/v1/meetings/" + shared.ID} }},
		{"GET", "/v1/meetings/{id}/invite.ics", staff, 200, func(bool) target { return target{path: "/v1/meetings/" + shared.ID + "/invite.ics"} }},
		{"GET", "/v1/meetings/{id}/minutes.md", staff, 200, func(bool) target { return target{path: "/v1/meetings/" + shared.ID + "/minutes.md"} }},
		{"GET", "/v1/meetings/{id}/minutes.xlsx", staff, 200, func(bool) target { return target{path: "/v1/meetings/" + shared.ID + "/minutes.xlsx"} }},
		{"GET", "/v1/agenda-candidates", staff, 200, func(bool) target { return target{path: "/v1/agenda-candidates"} }},
		{"POST", "/v1/meetings", conveners, 201, func(bool) target {
			return target{"/v1/meetings", `{"kind":"joint","title":"专题协调会","starts_at":"2030-03-02T09:30:00+08:00","location":"301","attendees":["fgw"]}`}
		}},
		{"PUT", "/v1/meetings/{id}/agenda", conveners, 200, func(bool) target {
			return target{"/v1/meetings/" + sharedScheduled.ID + "/agenda", `{"entries":[{"id":"` + sharedScheduled.Agenda[0].ID + `","title":"用地预审超期"}]}`}
		}},
		{"POST", "/v1/meetings/{id}/minutes", []string{"secretary"}, 200, func(fresh bool) target {
			m := sharedScheduled
			if fresh {
				m = f.held()
			}
			return target{"/v1/meetings/" + m.ID + "/minutes", f.minutesFor(m)}
		}},
		{"POST", "/v1/meetings/{id}/move", conveners, 200, func(fresh bool) target {
			m := sharedScheduled
			if fresh {
				m = f.scheduled()
			}
			return target{"/v1/meetings/" + m.ID + "/move", fmt.Sprintf(`{"starts_at":%q,"reason":"改期","version":%d}`,
				m.StartsAt.Add(24*time.Hour).Format(time.RFC3339), m.Version)}
		}},
		{"POST", "/v1/meetings/{id}/cancel", conveners, 200, func(fresh bool) target {
			m := sharedScheduled
			if fresh {
				m = f.scheduled()
			}
			return target{"/v1/meetings/" + m.ID + "/cancel", fmt.Sprintf(`{"reason":"议题已解决","version":%d}`, m.Version)}
		}},
		{"POST", "/v1/meetings/{id}/actions/{n}/done", []string{"clerk zrzy", "leader zrzy"}, 200, func(fresh bool) target {
			m := shared
			if fresh {
				m = f.decided(false)
			}
			return target{"/v1/meetings/" + m.ID + "/actions/1/done", `{"note":"已出具意见","actor":"冒名顶替"}`}
		}},
		{"POST", "/v1/meetings/{id}/actions/{n}/confirm", conveners, 200, func(fresh bool) target {
			m := sharedDone
			if fresh {
				m = f.decided(true)
			}
			return target{"/v1/meetings/" + m.ID + "/actions/1/confirm", `{}`}
		}},
		{"POST", "/v1/meetings/{id}/actions/{n}/reopen", conveners, 200, func(fresh bool) target {
			m := sharedDone
			if fresh {
				m = f.decided(true)
			}
			return target{"/v1/meetings/" + m.ID + "/actions/1/reopen", `{"note":"意见未附图"}`}
		}},
	}
	for _, r := range routes {
		for _, c := range callers {
			want := http.StatusForbidden
			switch {
			case c.P == nil:
				want = http.StatusUnauthorized
			case slices.Contains(r.allowed, c.Name):
				want = r.status
			}
			tg := r.aim(want == r.status && r.method != "GET")
			got, body := send(t, c, r.method, base+tg.path, tg.body)
			if got != want {
				t.Errorf("%s %s as %s: %d %s, want %d", r.method, r.route, c.Name, got, body, want)
				continue
			}
			var e errorBody
			switch want {
			case http.StatusUnauthorized, http.StatusForbidden:
				code := map[int]string{401: "unauthenticated", 403: "forbidden"}[want]
				if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != code || e.Error.Message == "" {
					t.Errorf("%s %s as %s: error %s", r.method, r.route, c.Name, body)
				}
			}
		}
	}

	// The refused calls changed nothing: the shared action items are as
	// they were, the shared meeting still scheduled with its agenda.
	actionOf := func(id string) meeting.Action {
		t.Helper()
		var m meeting.Meeting
		if s := do(t, testenv.AsSupervisor, http.MethodGet, base+"/v1/meetings/"+id, "", "", &m); s != http.StatusOK || m.Minutes == nil {
			t.Fatalf("meeting %s: %d %+v", id, s, m)
		}
		return *m.Minutes.Decisions[0].Action
	}
	if a := actionOf(shared.ID); a.Status != meeting.ActionOpen || len(a.History) != 0 {
		t.Errorf("refused calls changed the open action item: %+v", a)
	}
	if a := actionOf(sharedDone.ID); a.Status != meeting.ActionDone || len(a.History) != 1 {
		t.Errorf("refused calls changed the done action item: %+v", a)
	}
	var sch meeting.Meeting
	do(t, testenv.AsSecretary, http.MethodGet, base+"/v1/meetings/"+sharedScheduled.ID, "", "", &sch)
	if sch.Status != meeting.StatusScheduled || sch.Minutes != nil || len(sch.History) != 0 || !sch.StartsAt.Equal(sharedScheduled.StartsAt) {
		t.Errorf("refused minutes, moves or cancellations changed the meeting: %+v", sch)
	}

	// Who acted is the token's principal, never the actor a body names.
	m := f.decided(false)
	var res meeting.ActionResult
	if s := do(t, testenv.Leader("zrzy"), http.MethodPost, base+"/v1/meetings/"+m.ID+"/actions/1/done", "application/json",
		`{"actor":"冒名顶替"}`, &res); s != http.StatusOK {
		t.Fatalf("done: %d", s)
	}
	if h := res.Action.History; len(h) != 1 || h[0].Actor != testenv.Leader("zrzy").Actor() {
		t.Errorf("history %+v, want the actor %q", h, testenv.Leader("zrzy").Actor())
	}
	// A clerk of another department is told whose the action item is.
	m = f.decided(false)
	var e errorBody
	if s := do(t, testenv.Clerk("fgw"), http.MethodPost, base+"/v1/meetings/"+m.ID+"/actions/1/done", "application/json", `{}`, &e); s != http.StatusForbidden ||
		!strings.Contains(e.Error.Message, "zrzy") {
		t.Errorf("fgw's clerk reporting zrzy's action done: %d %+v", s, e)
	}
	// An action item that does not exist is 404 for its department's role
	// too (nothing to be refused).
	if s := do(t, testenv.Clerk("zrzy"), http.MethodPost, base+"/v1/meetings/"+m.ID+"/actions/9/done", "application/json", `{}`, &e); s != http.StatusNotFound {
		t.Errorf("unknown action item: %d %+v", s, e)
	}
}

// send makes one call as c (without a token when c has no principal) and
// returns the status and the body, whatever its type.
func send(t *testing.T, c testenv.Caller, method, url, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	ct, tok := "", ""
	if body != "" {
		rd, ct = strings.NewReader(body), "application/json"
	}
	if c.P != nil {
		tok = testenv.Token(t, *c.P)
	}
	resp, b := testenv.Send(t, tok, method, url, ct, rd)
	if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != testenv.JSONType {
		t.Errorf("%s %s: %d answered as %q", method, url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, b
}
