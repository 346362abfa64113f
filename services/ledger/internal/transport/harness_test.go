package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/ledger/internal/catalog"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
	"github.com/tuijin/tuijin/services/ledger/internal/store"
)

// instance is one ledger service (a replica) over a shared database and
// bus, served by httptest.
type instance struct {
	store *store.Store
	pub   *bus.Publisher
	svc   *ledger.Service
	uc    UseCases
	reg   *prometheus.Registry
	url   string
	cat   *catalog.Catalog
}

type env struct {
	t     testing.TB
	db    *mongo.Database
	js    jetstream.JetStream
	org   *org.Org
	cat   *catalog.Catalog
	clock *clock.Manual
}

func newEnv(t testing.TB) *env {
	t.Helper()
	o, err := org.Demo()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Demo(func(c string) bool { _, ok := o.Department(c); return ok })
	if err != nil {
		t.Fatal(err)
	}
	_, js := testenv.JetStream(t)
	return &env{t: t, db: testenv.Mongo(t).Database("tuijin_ledger_test"), js: js, org: o, cat: cat,
		clock: clock.NewManual(time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC), time.Millisecond)}
}

// start builds a ledger instance as main does, without the process.
func (e *env) start() *instance {
	t := e.t
	t.Helper()
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	st := store.New(e.db, testenv.Logger())
	if err := st.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	pub := bus.NewPublisher(e.js, noop.NewTracerProvider().Tracer("test"), bus.NewMetrics(reg))
	st.UsePublisher(pub)
	isDept := func(c string) bool { _, ok := e.org.Department(c); return ok }
	officerName := func(c string) (string, bool) { of, ok := e.org.Officer(c); return of.Name, ok }
	var depts []string
	for _, d := range e.org.Departments {
		depts = append(depts, d.Code)
	}
	svc := ledger.NewService(st, e.cat, isDept, e.clock, ledger.WithCalendar(workday.Weekends{}),
		ledger.WithOfficers(officerName))
	uc := Instrument(UseCasesOf(svc), NewMetrics(reg, depts))
	reg.MustRegister(NewPendingCollector(st, depts))
	// The API is served as main serves it: by httpx.Server, which verifies
	// every /v1/ request's bearer token (the tests sign them, testenv.Token).
	srv, err := httpx.NewServer("127.0.0.1:0", "ledger", reg, testenv.Logger())
	if err != nil {
		t.Fatal(err)
	}
	srv.Authenticate(testenv.Verifier(t))
	Routes(srv.Mux, uc, e.cat, e.org, testenv.Logger())
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(runCtx, 5*time.Second) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("ledger API: %v", err)
		}
	})
	return &instance{store: st, pub: pub, svc: svc, uc: uc, reg: reg, url: "http://" + srv.Addr(), cat: e.cat}
}

func (e *env) open(in *instance, code string, mod ...func(*ledger.ProjectInfo)) {
	e.t.Helper()
	info := ledger.ProjectInfo{Code: code, Name: "项目" + code[len(code)-6:], Category: "社会投资",
		WorkGroup: "yongdi", Officer: testOfficer}
	for _, m := range mod {
		m(&info)
	}
	if _, err := in.uc.Items.OpenLedger(context.Background(), info); err != nil {
		e.t.Fatal(err)
	}
}

type errorBody = httpx.ErrorBody

// anonymous is the caller without a token.
var anonymous = auth.Principal{}

// call sends body as JSON (a string is sent as is, with contentType) as
// principal as (with its bearer token; anonymous: none) and decodes the
// answer into into.
func call(t *testing.T, as auth.Principal, method, url, contentType string, body any, into any) int {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = bytes.NewBufferString(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	tok := ""
	if as.Subject != "" {
		tok = testenv.Token(t, as)
	}
	resp, raw := testenv.Send(t, tok, method, url, contentType, r)
	if into != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, into); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, url, resp.StatusCode, raw, err)
		}
	}
	return resp.StatusCode
}

const jsonType = "application/json"

// get fetches url as principal as and returns the status, the content type
// and the body.
func get(t *testing.T, as auth.Principal, url string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if as.Subject != "" {
		req.Header.Set("Authorization", "Bearer "+testenv.Token(t, as))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// rightCaller is who a real user making the request to url would be: the
// clerk of the item's department for an item's action, the project's
// officer (the tests' 王专员) for a task's step, a supervisor otherwise.
func (in *instance) rightCaller(method, url string) auth.Principal {
	path := strings.TrimPrefix(url, in.url)
	switch {
	case method == http.MethodPost && strings.HasPrefix(path, "/v1/items/"):
		id := strings.TrimSuffix(strings.TrimPrefix(path, "/v1/items/"), "/actions")
		return in.clerkOf(id)
	case method == http.MethodPost && strings.Contains(path, "/tasks/"):
		return testenv.Officer(testOfficer)
	}
	return testenv.AsSupervisor
}

// testOfficer is the officer of the projects env.open opens.
const testOfficer = "王专员"

func (in *instance) project(t *testing.T, code string) ledger.Project {
	t.Helper()
	var p ledger.Project
	if st := call(t, testenv.AsSupervisor, http.MethodGet, in.url+"/v1/projects/"+code, "", nil, &p); st != http.StatusOK {
		t.Fatalf("GET project %s: %d", code, st)
	}
	return p
}

// clerkOf is a clerk of the department that handles the item with id (as
// the catalog assigns it).
func (in *instance) clerkOf(itemID string) auth.Principal {
	_, key, _ := ledger.SplitItemID(itemID)
	it, ok := in.cat.Item(key)
	if !ok {
		// An unknown item is nobody's: a clerk of some department asks.
		return testenv.Clerk("fgw")
	}
	return testenv.Clerk(it.Department)
}

// act posts an action as a clerk of the item's department; body fields
// beyond action/actor/note/version come from extra.
func (in *instance) act(t *testing.T, itemID string, action ledger.Action, version int64, extra map[string]any) (int, ledger.ActionResult, errorBody) {
	t.Helper()
	return in.actAs(t, in.clerkOf(itemID), itemID, action, version, extra)
}

// actAs is act as principal as.
func (in *instance) actAs(t *testing.T, as auth.Principal, itemID string, action ledger.Action, version int64, extra map[string]any) (int, ledger.ActionResult, errorBody) {
	t.Helper()
	body := map[string]any{"action": action, "actor": "科员甲", "note": "审查意见", "version": version}
	for k, v := range extra {
		body[k] = v
	}
	var raw json.RawMessage
	st := call(t, as, http.MethodPost, in.url+"/v1/items/"+itemID+"/actions", jsonType, body, &raw)
	var res ledger.ActionResult
	var eb errorBody
	if st == http.StatusOK {
		_ = json.Unmarshal(raw, &res)
	} else {
		_ = json.Unmarshal(raw, &eb)
	}
	return st, res, eb
}

// snapshot is everything a refused request must leave untouched: the raw
// documents and the events stream.
func (e *env) snapshot() string {
	e.t.Helper()
	ctx := context.Background()
	var out bytes.Buffer
	cur, err := e.db.Collection("projects").Find(ctx, bson.D{})
	if err != nil {
		e.t.Fatal(err)
	}
	var docs []bson.Raw
	if err := cur.All(ctx, &docs); err != nil {
		e.t.Fatal(err)
	}
	for _, d := range docs {
		out.WriteString(d.String())
	}
	s, err := e.js.Stream(ctx, bus.EventsStream)
	if err != nil {
		e.t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	fmt.Fprintf(&out, "stream msgs=%d last=%d", info.State.Msgs, info.State.LastSeq)
	return out.String()
}

// metricValues returns the values of a metric family by joined label values.
func metricValues(t *testing.T, reg *prometheus.Registry, name string) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			key := ""
			for _, l := range m.GetLabel() {
				key += l.GetName() + "=" + l.GetValue() + ","
			}
			switch {
			case m.GetGauge() != nil:
				out[key] = m.GetGauge().GetValue()
			case m.GetCounter() != nil:
				out[key] = m.GetCounter().GetValue()
			case m.GetHistogram() != nil:
				out[key] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}

// streamCount counts the events on subjects matching filter.
func (e *env) streamCount(filter string) int {
	e.t.Helper()
	ctx := context.Background()
	s, err := e.js.Stream(ctx, bus.EventsStream)
	if err != nil {
		e.t.Fatal(err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, c := range info.State.Subjects {
		n += int(c)
	}
	return n
}
