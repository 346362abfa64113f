package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	eventv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/event/v1"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/tools/stack"
)

// binDir holds the service binaries built once for the whole package.
var binDir string

func TestMain(m *testing.M) { os.Exit(stack.TestMain(m, "..", &binDir, buildSink)) }

// system is one private Tuijin: its own NATS, FerretDB and service
// processes, all on loopback.
type system struct {
	t     testing.TB
	nats  string
	mongo string
	js    jetstream.JetStream
	db    *mongo.Client
	env   []string
	// envFor adds settings of one service to env.
	envFor map[string][]string
	logs   *testenv.LogBuffer
	mu     sync.Mutex
	procs  map[string]*stack.Proc
	addrs  map[string]string
}

// newSystem starts NATS and FerretDB and creates the streams; services are
// started with start.
func newSystem(t testing.TB) *system {
	t.Helper()
	natsURL := testenv.NATS(t)
	mongoURI := testenv.MongoURI(t)
	// The test's own connection is operations'; each service logs in as
	// itself (start).
	nc, js, err := bus.Connect(natsURL, "e2e", testenv.Logger(), testenv.NATSAuth(bus.OperationsUser).Options()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := bus.EnsureStreams(ctx, js, 1); err != nil {
		t.Fatal(err)
	}
	s := &system{
		t: t, nats: natsURL, mongo: mongoURI, js: js,
		logs:   &testenv.LogBuffer{},
		procs:  map[string]*stack.Proc{},
		envFor: map[string][]string{},
		addrs:  map[string]string{},
		env: []string{
			"TUIJIN_NATS_URL=" + natsURL,
			"TUIJIN_MONGO_URI=" + mongoURI,
			"TUIJIN_OUTBOX_INTERVAL=300ms",
			"TUIJIN_LOG_LEVEL=info",
			// The chat-robot sink listens on loopback.
			"TUIJIN_WEBHOOK_ALLOW_PRIVATE=true",
			// coordination-meeting does not start without an organizer.
			"TUIJIN_ICS_ORGANIZER=duban@xzsp.example",
		},
	}
	// The services accept the tests' tokens (testenv.Token).
	s.env = append(s.env, testenv.AuthEnv(t)...)
	// The test's own client connects to the same FerretDB as the services.
	s.db = connectMongo(t, mongoURI)
	t.Cleanup(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for name, p := range s.procs {
			if err := p.Stop(10 * time.Second); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		if t.Failed() {
			t.Logf("service output:\n%s", s.logs.Tail(200))
		}
	})
	return s
}

// start runs the named services and waits until each is ready. A service
// keeps its address across restarts.
func (s *system) start(names ...string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, name := range names {
		s.mu.Lock()
		addr, ok := s.addrs[name]
		if !ok {
			addr = testenv.FreeAddr(s.t)
			s.addrs[name] = addr
		}
		env := append(append(slices.Clone(s.env), testenv.NATSEnv(name)...), s.envFor[name]...)
		p, err := stack.Start(filepath.Join(binDir, name), name, addr, env, s.logs)
		if err != nil {
			s.mu.Unlock()
			s.t.Fatal(err)
		}
		s.procs[name] = p
		s.mu.Unlock()
		if err := p.WaitReady(ctx); err != nil {
			s.t.Fatalf("%v\n%s", err, s.logs.Tail(50))
		}
	}
}

// kill ends a service with SIGKILL, as a crash would.
func (s *system) kill(name string) {
	s.mu.Lock()
	p := s.procs[name]
	delete(s.procs, name)
	s.mu.Unlock()
	p.Kill()
}

// stop ends a service cleanly and checks that it exited 0 in time.
func (s *system) stop(name string) {
	s.t.Helper()
	s.mu.Lock()
	p := s.procs[name]
	delete(s.procs, name)
	s.mu.Unlock()
	start := time.Now()
	if err := p.Stop(10 * time.Second); err != nil {
		s.t.Fatalf("stop %s: %v", name, err)
	}
	s.t.Logf("%s stopped in %s", name, time.Since(start).Round(time.Millisecond))
}

func (s *system) url(name string) string { return "http://" + s.addrs[name] }

// The people the flows act as (the demo organisation's).
var (
	owner      = testenv.OwnerOf("示范智能装备有限公司")
	officer    = testenv.Officer("王芳")
	supervisor = testenv.AsSupervisor
	secretary  = testenv.AsSecretary
	operations = testenv.AsOperations
	anonymous  = auth.Principal{}
)

// do sends a request as p (anonymous: no token) and decodes a JSON answer
// into out (if not nil).
func (s *system) do(p auth.Principal, method, url, contentType string, body []byte, header map[string]string, out any) *http.Response {
	s.t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if p.Subject != "" {
		req.Header.Set("Authorization", "Bearer "+testenv.Token(s.t, p))
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			s.t.Fatalf("%s %s: decode %q: %v", method, url, raw, err)
		}
	}
	return resp
}

func (s *system) postJSON(p auth.Principal, url string, v any, header map[string]string, out any) *http.Response {
	s.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		s.t.Fatal(err)
	}
	return s.do(p, http.MethodPost, url, "application/json", b, header, out)
}

func (s *system) getJSON(p auth.Principal, url string, out any) int {
	s.t.Helper()
	return s.do(p, http.MethodGet, url, "", nil, nil, out).StatusCode
}

// registerProject posts a valid project with the given code.
func (s *system) registerProject(code string) {
	s.t.Helper()
	resp := s.postJSON(owner, s.url("intake")+"/v1/projects", project(code), nil, nil)
	if resp.StatusCode != http.StatusCreated {
		s.t.Fatalf("register %s: status %d", code, resp.StatusCode)
	}
}

func project(code string) map[string]any {
	return map[string]any{
		"code": code, "name": "智能装备产业园 " + code, "category": "招商引资", "level": "市",
		"owner_organisation": "示范智能装备有限公司", "owner_contact": "王经理", "owner_phone": "0535-1234567",
		"location": "经济开发区", "investment_wan": 120000, "stage": "approving", "officer": "王芳",
		"work_group": "duban",
	}
}

// projectCode is a valid national project code with serial n.
func projectCode(n int) string { return fmt.Sprintf("2026-370481-04-01-%06d", n) }

// streamCount is the number of messages on subjects matching filter in
// stream.
func (s *system) streamCount(stream, filter string) int {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := s.js.Stream(ctx, stream)
	if err != nil {
		s.t.Fatal(err)
	}
	info, err := st.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		s.t.Fatal(err)
	}
	n := 0
	for _, c := range info.State.Subjects {
		n += int(c)
	}
	return n
}

// envelopes reads every message on filter in stream, in order.
func (s *system) envelopes(stream, filter string) []*eventv1.Envelope {
	s.t.Helper()
	want := s.streamCount(stream, filter)
	if want == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := s.js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}})
	if err != nil {
		s.t.Fatal(err)
	}
	var out []*eventv1.Envelope
	for len(out) < want {
		batch, err := c.Fetch(want-len(out), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			s.t.Fatal(err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			env, err := event.Decode(m.Data())
			if err != nil {
				s.t.Fatalf("undecodable event on %s: %v", m.Subject(), err)
			}
			out = append(out, env)
		}
		if got == 0 {
			s.t.Fatalf("read %d of %d messages on %s", len(out), want, filter)
		}
	}
	return out
}

// count is the number of documents in database.collection.
func (s *system) count(database, collection string) int {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := s.db.Database(database).Collection(collection).CountDocuments(ctx, bson.D{})
	if err != nil {
		s.t.Fatal(err)
	}
	return int(n)
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	testenv.WaitFor(t, timeout, what, cond)
}

func connectMongo(t testing.TB, uri string) *mongo.Client {
	t.Helper()
	c, err := mongox.Connect(context.Background(), uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	return c
}

// itemDepartment is the department of each item of the demo catalog
// (services/ledger/internal/catalog/demo.yaml).
var itemDepartment = map[string]string{
	"lixiang": "fgw", "yongdi-yushen": "zrzy", "yongdi-guihua": "zrzy", "jieneng": "fgw", "huanping": "sthj",
	"gongcheng-guihua": "zrzy", "wenwu": "wlj", "shuibao": "slj", "renfang": "rfb", "shigongtu": "zjj",
	"shigong-xuke": "zjj",
}

// clerkOf is a clerk of the department an item (<project code>.<catalog
// key>) is assigned to: the one who acts on it.
func clerkOf(t testing.TB, itemID string) auth.Principal {
	t.Helper()
	i := strings.LastIndexByte(itemID, '.')
	dept, ok := itemDepartment[itemID[i+1:]]
	if !ok {
		t.Fatalf("no department for item %q", itemID)
	}
	return testenv.Clerk(dept)
}

// meetingStarts moves meeting id of the meeting service at base to begin
// in a few seconds, as a secretary brings a meeting forward, and waits
// until it has begun: minutes are taken only once a meeting has started.
func (s *system) meetingStarts(id string) {
	s.t.Helper()
	url := s.url("coordination-meeting") + "/v1/meetings/" + id
	var m struct {
		Version int `json:"version"`
	}
	if st := s.getJSON(secretary, url, &m); st != http.StatusOK {
		s.t.Fatalf("meeting %s: status %d", id, st)
	}
	start := time.Now().Add(3 * time.Second).Truncate(time.Second)
	var e apiError
	if resp := s.postJSON(secretary, url+"/move", map[string]any{"starts_at": start.Format(time.RFC3339),
		"reason": "提前召开", "version": m.Version}, nil, &e); resp.StatusCode != http.StatusOK {
		s.t.Fatalf("move meeting %s: status %d %+v", id, resp.StatusCode, e)
	}
	testenv.WaitFor(s.t, time.Minute, "the meeting to begin", func() bool { return time.Now().After(start) })
}
