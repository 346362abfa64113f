package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/event"
	intakev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/intake/v1"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// The projects of the access tests: A is 示范智能装备's, with officer
// wangfang; B is 城投's, with officer lijun.
const (
	projectA = "2026-370481-04-01-500001"
	projectB = "2026-370481-04-01-500002"
	ownerA   = "示范智能装备有限公司"
	ownerB   = "城市建设投资集团"
)

// The callers: one per role, the out-of-scope variants (the other
// organisation's owner, the other project's officer, another department's
// clerk and leader), the officer as the demo account names her (王芳, the
// organisation's name for wangfang), and nobody, who sends no token.
var accessCallers = []struct {
	name string
	p    auth.Principal
}{
	{"owner", testenv.OwnerOf(ownerA)},
	{"owner of another organisation", testenv.OwnerOf(ownerB)},
	{"officer", testenv.Officer("wangfang")},
	{"officer by name", auth.Principal{Subject: "wangfang", Name: "王芳", Roles: []auth.Role{auth.Officer}}},
	{"another officer", testenv.Officer("lijun")},
	{"clerk", testenv.Clerk("zrzy")},
	{"clerk of another department", testenv.Clerk("fgw")},
	{"leader", testenv.Leader("zrzy")},
	{"leader of another department", testenv.Leader("fgw")},
	{"supervisor", testenv.AsSupervisor},
	{"secretary", testenv.AsSecretary},
	{"operations", testenv.AsOperations},
	{"no token", auth.Principal{}},
}

// accessEnv is a running ledger with projects A and B registered and a
// service request filed as a task of each.
type accessEnv struct {
	t    *testing.T
	base string
}

func startAccess(t *testing.T, database string) accessEnv {
	t.Helper()
	natsURL, js := testenv.JetStream(t)
	clk := clock.NewManual(time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC), time.Millisecond)
	// Every route × every caller, each call between two reads of the
	// ledgers, is more than one client's rate limit on the ledger's route
	// allows (--http-rate): the limit is not what this test is about.
	base := start(t, clk, "--nats-url="+natsURL, "--mongo-uri="+testenv.MongoURI(t), "--mongo-database="+database, "--http-rate=0")
	pub := bus.NewPublisher(js, noop.NewTracerProvider().Tracer("test"), bus.NewMetrics(prometheus.NewRegistry()))
	for _, p := range []*intakev1.Project{
		{Code: projectA, Name: "智能装备产业园", Category: "社会投资", Level: "市", OwnerOrganisation: ownerA,
			OwnerContact: "王经理", InvestmentWan: 52000, Stage: "approving", Officer: "wangfang", WorkGroup: "yongdi"},
		{Code: projectB, Name: "城东污水处理厂", Category: "政府投资", Level: "县", OwnerOrganisation: ownerB,
			OwnerContact: "赵工", InvestmentWan: 9000, Stage: "approving", Officer: "lijun", WorkGroup: "huanbao"},
	} {
		publishRegistration(t, pub, clk, p)
	}
	e := accessEnv{t: t, base: base}
	for code, req := range map[string]string{projectA: "req-a", projectB: "req-b"} {
		waitFor(t, "the ledger of "+code, func() bool { return e.project(code).Code == code })
		ev, err := event.New(event.TypeRequestReceived, "intake", event.Ref("request", req), clk.Now(),
			&intakev1.RequestReceived{RequestId: req, ProjectCode: code, Kind: "agency", Title: "代办施工许可",
				Contact: "王经理", ReceivedAt: timestamppb.New(clk.Now())})
		if err != nil {
			t.Fatal(err)
		}
		if err := pub.PublishEvent(context.Background(), event.TypeRequestReceived, ev); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the task "+req, func() bool { return len(e.project(code).Tasks) == 1 })
	}
	return e
}

// project reads a ledger as a supervisor (zero when it is not there yet).
func (e accessEnv) project(code string) ledger.Project {
	var p ledger.Project
	getJSON(e.t, testenv.AsSupervisor, e.base+"/v1/projects/"+code, &p)
	return p
}

// call sends body as principal as and returns the status and, for a
// refusal, the error.
func (e accessEnv) call(as auth.Principal, method, path, body string) (int, httpx.ErrorBody) {
	e.t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	resp := do(e.t, as, method, e.base+path, b)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var eb httpx.ErrorBody
	if resp.StatusCode >= 400 {
		if err := json.Unmarshal(raw, &eb); err != nil {
			e.t.Errorf("%s %s: %d answer is not the contract's error: %s", method, path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, eb
}

func jsonOf(v map[string]any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestAccess walks every route with every caller (pkg/auth/ACCESS.md,
// ledger): an allowed call succeeds, a call outside the role or the scope
// is 403 forbidden and changes nothing, one without a token is 401.
func TestAccess(t *testing.T) {
	e := startAccess(t, "ledger_access_test")
	// A problem of zrzy's to update.
	v := e.project(projectA).Version
	if st, eb := e.call(testenv.AsSupervisor, "POST", "/v1/projects/"+projectA+"/problems", jsonOf(map[string]any{
		"title": "用地指标不足", "department": "zrzy", "actor": "督导组", "version": v})); st != http.StatusCreated {
		t.Fatalf("raise the problem: %d %+v", st, eb)
	}
	problem := projectA + ".p1"
	item := ledger.ItemID(projectA, "yongdi-yushen") // zrzy's

	// Bodies are built right before each call, on the ledger's current
	// version, so that every allowed write succeeds.
	n := 0
	bodies := map[string]func() string{
		"action": func() string {
			p := e.project(projectA)
			it, _ := p.Item(item)
			a := ledger.ActSuspend
			if it.Status == ledger.StatusSuspended {
				a = ledger.ActResume
			}
			return jsonOf(map[string]any{"action": a, "actor": "经办人", "note": "专家评审", "version": p.Version})
		},
		"problem": func() string {
			return jsonOf(map[string]any{"title": "征地拆迁未完成", "department": "zrzy", "actor": "a", "version": e.project(projectA).Version})
		},
		"update": func() string {
			return jsonOf(map[string]any{"measure": "召开专题协调会", "actor": "a", "version": e.project(projectA).Version})
		},
		"progress": func() string {
			n++
			return jsonOf(map[string]any{"image_progress": fmt.Sprintf("完成第%d标段", n), "actor": "a", "version": e.project(projectA).Version})
		},
		"task": func() string {
			p := e.project(projectA)
			next := map[ledger.TaskStatus]string{ledger.TaskReceived: "take", ledger.TaskTaken: "handle", ledger.TaskHandling: "close"}
			return jsonOf(map[string]any{"action": next[p.Tasks[0].Status], "actor": "王芳", "version": p.Version})
		},
		"officer": func() string {
			p := e.project(projectB)
			to := "zhangwei"
			if p.Officer == to {
				to = "chenjing"
			}
			return jsonOf(map[string]any{"officer": to, "actor": "督导组", "version": p.Version})
		},
	}

	const ok, no, anon = http.StatusOK, http.StatusForbidden, http.StatusUnauthorized
	// Who is refused; everyone else but "no token" is allowed.
	type route struct {
		method, path, body string
		refused            []string
	}
	refuse := func(names ...string) []string { return names }
	only := func(allowed ...string) []string {
		var out []string
		for _, c := range accessCallers {
			if c.name != "no token" && !slices.Contains(allowed, c.name) {
				out = append(out, c.name)
			}
		}
		return out
	}
	officers := []string{"officer", "officer by name", "another officer"}
	reports := only(append(officers, "leader", "leader of another department", "supervisor")...)
	routes := []route{
		{"GET", "/v1/catalog", "", refuse()},
		{"GET", "/v1/items?department=zrzy", "", refuse("owner", "owner of another organisation",
			"clerk of another department", "leader of another department", "operations")},
		{"GET", "/v1/items", "", refuse("owner", "owner of another organisation", "operations")},
		{"POST", "/v1/items/" + item + "/actions", "action", only("clerk", "leader")},
		{"GET", "/v1/projects/" + projectA, "", refuse("owner of another organisation", "another officer", "operations")},
		{"GET", "/v1/projects/" + projectA + "/status", "", refuse("owner of another organisation", "another officer", "operations")},
		{"GET", "/v1/projects/" + projectA + "/forecast", "", refuse("owner of another organisation", "another officer", "operations")},
		{"POST", "/v1/projects/" + projectA + "/problems", "problem", only("owner", "officer", "officer by name", "supervisor")},
		{"POST", "/v1/problems/" + problem + "/updates", "update", only("officer", "officer by name", "clerk", "leader", "supervisor")},
		{"POST", "/v1/projects/" + projectA + "/progress", "progress", only("officer", "officer by name", "supervisor")},
		{"GET", "/v1/tasks", "", only(append(officers, "supervisor")...)},
		{"GET", "/v1/tasks?officer=wangfang", "", only("officer", "officer by name", "supervisor")},
		{"POST", "/v1/projects/" + projectA + "/tasks/req-a/actions", "task", only("officer", "officer by name")},
		{"PUT", "/v1/projects/" + projectB + "/officer", "officer", only("supervisor")},
		{"GET", "/v1/ledger.xlsx", "", reports},
		{"GET", "/v1/stats/monthly?month=2026-11", "", reports},
		{"GET", "/v1/stats/monthly.xlsx?month=2026-11", "", reports},
		{"GET", "/v1/snapshots/weekly?week_of=2026-11-23", "", reports},
		{"GET", "/v1/briefings/weekly?day=2026-11-23", "", reports},
		{"GET", "/v1/briefings/weekly.md", "", reports},
		{"GET", "/v1/briefings/weekly.xlsx", "", reports},
		{"GET", "/v1/briefings/monthly?month=2026-11", "", reports},
		{"GET", "/v1/briefings/monthly.md?month=2026-11", "", reports},
		{"GET", "/v1/briefings/monthly.xlsx", "", reports},
		// Every service's audit trail (pkg/audit).
		{"GET", "/v1/audit?project=" + projectA, "", only("supervisor", "operations")},
	}
	for _, rt := range routes {
		for _, c := range accessCallers {
			want := ok
			switch {
			case c.name == "no token":
				want = anon
			case slices.Contains(rt.refused, c.name):
				want = no
			}
			body := rt.body
			if mk, found := bodies[body]; found {
				body = mk()
			}
			before := e.project(projectA).Version + e.project(projectB).Version
			st, eb := e.call(c.p, rt.method, rt.path, body)
			switch {
			case want == ok && (st < 200 || st > 299):
				t.Errorf("%s %s as %s: %d %+v, want 2xx", rt.method, rt.path, c.name, st, eb)
			case want == no && (st != no || eb.Error.Code != "forbidden" || eb.Error.Message == ""):
				t.Errorf("%s %s as %s: %d %+v, want 403 forbidden", rt.method, rt.path, c.name, st, eb)
			case want == anon && (st != anon || eb.Error.Code != "unauthenticated"):
				t.Errorf("%s %s as %s: %d %+v, want 401 unauthenticated", rt.method, rt.path, c.name, st, eb)
			}
			if after := e.project(projectA).Version + e.project(projectB).Version; want != ok && after != before {
				t.Errorf("%s %s as %s was refused, yet a ledger changed", rt.method, rt.path, c.name)
			}
		}
	}
	// Denials are counted per route.
	metrics := scrape(t, e.base)
	if got := metrics[`tuijin_http_requests_total{code="403",method="POST",route="/v1/items/{id}/actions"}`]; got != float64(len(accessCallers)-3) {
		t.Errorf("%v denials of the item action counted, want %d", got, len(accessCallers)-3)
	}
}

// TestAccessScope: a clerk's work queue is their department's and an
// officer's task list their own, whatever the query asks; a filter naming
// someone else's is refused.
func TestAccessScope(t *testing.T) {
	e := startAccess(t, "ledger_scope_test")
	queue := func(as auth.Principal, query string) (string, []string) {
		t.Helper()
		var q struct {
			Department string             `json:"department"`
			Items      []ledger.QueueItem `json:"items"`
		}
		if st := getJSON(t, as, e.base+"/v1/items"+query, &q); st != http.StatusOK {
			t.Fatalf("queue %s as %s: %d", query, as.Subject, st)
		}
		var depts []string
		for _, it := range q.Items {
			if !slices.Contains(depts, it.Department) {
				depts = append(depts, it.Department)
			}
		}
		slices.Sort(depts)
		return q.Department, depts
	}
	for _, as := range []auth.Principal{testenv.Clerk("zrzy"), testenv.Leader("zrzy")} {
		if dept, depts := queue(as, ""); dept != "zrzy" || !slices.Equal(depts, []string{"zrzy"}) {
			t.Errorf("%s's queue without a department is of %q with items of %v, want zrzy's only", as.Subject, dept, depts)
		}
	}
	if dept, depts := queue(testenv.AsSecretary, ""); dept != "" || len(depts) < 2 {
		t.Errorf("the secretary's queue of every department is of %q with items of %v", dept, depts)
	}

	tasks := func(as auth.Principal, query string) []string {
		t.Helper()
		var res struct {
			Tasks []ledger.TaskView `json:"tasks"`
		}
		if st := getJSON(t, as, e.base+"/v1/tasks"+query, &res); st != http.StatusOK {
			t.Fatalf("tasks %s as %s: %d", query, as.Subject, st)
		}
		var ids []string
		for _, tk := range res.Tasks {
			ids = append(ids, tk.ID)
		}
		slices.Sort(ids)
		return ids
	}
	byName := auth.Principal{Subject: "wangfang", Name: "王芳", Roles: []auth.Role{auth.Officer}}
	for _, tt := range []struct {
		who   string
		as    auth.Principal
		query string
		want  []string
	}{
		{"officer", testenv.Officer("wangfang"), "", []string{"req-a"}},
		{"officer by name", byName, "?status=received", []string{"req-a"}},
		{"officer naming themselves", byName, "?officer=wangfang", []string{"req-a"}},
		{"another officer", testenv.Officer("lijun"), "", []string{"req-b"}},
		{"supervisor", testenv.AsSupervisor, "", []string{"req-a", "req-b"}},
		{"supervisor naming an officer", testenv.AsSupervisor, "?officer=lijun", []string{"req-b"}},
	} {
		if got := tasks(tt.as, tt.query); !slices.Equal(got, tt.want) {
			t.Errorf("%s lists tasks %v, want %v", tt.who, got, tt.want)
		}
	}

	for _, tt := range []struct {
		who, path string
		as        auth.Principal
	}{
		{"clerk asking for another department's queue", "/v1/items?department=fgw", testenv.Clerk("zrzy")},
		{"leader asking for another department's queue", "/v1/items?department=zrzy&status=assigned", testenv.Leader("fgw")},
		{"officer asking for another officer's tasks", "/v1/tasks?officer=lijun", byName},
		{"officer reading another officer's project", "/v1/projects/" + projectB, byName},
		{"owner reading another owner's status", "/v1/projects/" + projectA + "/status", testenv.OwnerOf(ownerB)},
	} {
		if st, eb := e.call(tt.as, "GET", tt.path, ""); st != http.StatusForbidden || eb.Error.Code != "forbidden" ||
			!strings.Contains(eb.Error.Message, " ") {
			t.Errorf("%s: %d %+v, want 403 with a message", tt.who, st, eb)
		}
	}

}
