package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/pkg/outbox"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/pkg/workday"
	"github.com/tuijin/tuijin/services/ledger/internal/catalog"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

var t0 = time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)

func newStore(t *testing.T) (*Store, jetstream.JetStream, *outbox.Relay, *bus.Publisher) {
	t.Helper()
	db := testenv.Mongo(t).Database("tuijin_ledger_test")
	_, js := testenv.JetStream(t)
	st := New(db, testenv.Logger())
	if err := st.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	pub := bus.NewPublisher(js, noop.NewTracerProvider().Tracer("test"), bus.NewMetrics(prometheus.NewRegistry()))
	return st, js, outbox.NewRelay(pub, testenv.Logger(), st.Collections()...), pub
}

func open(t *testing.T, code, group, category string) ledger.Project {
	t.Helper()
	cat, err := catalog.Demo(func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	p, _ := ledger.Open(ledger.ProjectInfo{Code: code, Name: "项目" + code, WorkGroup: group, Category: category},
		cat, workday.Weekends{}, t0)
	return p
}

func changed(t *testing.T, id string) event.Message {
	t.Helper()
	m, err := event.Build(context.Background(), event.ForDepartment(event.TypeItemChanged, "zrzy"), event.TypeItemChanged,
		"test", event.Ref("item", id), t0, &ledgerv1.ItemChanged{ItemId: id})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func streamMsgs(t *testing.T, js jetstream.JetStream) uint64 {
	t.Helper()
	s, err := js.Stream(context.Background(), bus.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// outboxLen counts the events of a ledger waiting to be relayed.
func outboxLen(t *testing.T, st *Store, code string) int {
	t.Helper()
	cur, err := st.revisions.Find(context.Background(), bson.D{{Key: "project", Value: code}})
	if err != nil {
		t.Fatal(err)
	}
	var revs []revisionDoc
	if err := cur.All(context.Background(), &revs); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range revs {
		n += len(r.Outbox)
	}
	return n
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func act(t *testing.T, p *ledger.Project, key string, a ledger.Action) {
	t.Helper()
	req := ledger.ActionRequest{Action: a, Actor: "tester", Note: "n", Version: p.Version}
	if _, err := p.Apply(ledger.ItemID(p.Code, key), req, workday.Weekends{}, t0); err != nil {
		t.Fatal(err)
	}
}

func TestRoundTripAndVersionFilteredUpdate(t *testing.T) {
	ctx := context.Background()
	st, js, relay, pub := newStore(t)
	p := open(t, "2026-370481-04-01-000001", "yongdi", "社会投资")
	if err := st.Create(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.Create(ctx, p, nil); !errors.Is(err, ledger.ErrDuplicate) {
		t.Fatalf("second create: %v", err)
	}

	// A rich state survives the round trip: 容缺, 告知承诺, problems,
	// blocked dependants, a suspension.
	save := func(msgs ...event.Message) {
		t.Helper()
		if err := st.Update(ctx, p, p.Version-1, msgs); err != nil {
			t.Fatal(err)
		}
	}
	base := p.Version
	req := ledger.ActionRequest{Action: ledger.ActAccept, Actor: "a", Version: p.Version,
		MissingMaterials: []string{"权籍调查报告"}, SupplementDays: 5}
	if _, err := p.Apply(ledger.ItemID(p.Code, "yongdi-yushen"), req, workday.Weekends{}, t0); err != nil {
		t.Fatal(err)
	}
	save(changed(t, "a"), changed(t, "b"))
	act(t, &p, "huanping", ledger.ActAccept)
	save()
	req = ledger.ActionRequest{Action: ledger.ActApprove, Actor: "a", Version: p.Version, Commitment: "承诺", CheckDays: 10}
	if _, err := p.Apply(ledger.ItemID(p.Code, "huanping"), req, workday.Weekends{}, t0); err != nil {
		t.Fatal(err)
	}
	save()
	act(t, &p, "wenwu", ledger.ActSuspend)
	save()
	act(t, &p, "lixiang", ledger.ActReject)
	save()
	if _, err := p.RaiseProblem(ledger.NewProblem{Title: "征地拆迁未完成", Department: "zrzy", Actor: "专员", Version: p.Version},
		func(string) bool { return true }, t0); err != nil {
		t.Fatal(err)
	}
	save()
	if _, err := p.UpdateProblem(p.Code+".p1", ledger.ProblemUpdate{Measure: "召开专题协调会", Status: ledger.ProblemInProgress,
		Actor: "专员", Version: p.Version}, t0); err != nil {
		t.Fatal(err)
	}
	save()
	got, err := st.Project(ctx, p.Code)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := jsonOf(t, got), jsonOf(t, p); g != w {
		t.Fatalf("round trip differs:\n got %s\nwant %s", g, w)
	}

	// The same base again loses: the ledger is at a newer version.
	again := open(t, p.Code, "", "")
	act(t, &again, "wenwu", ledger.ActAccept)
	if err := st.Update(ctx, again, base, []event.Message{changed(t, "c")}); !errors.Is(err, ledger.ErrVersionConflict) {
		t.Fatalf("stale update: %v", err)
	}
	missing := p
	missing.Code = "2026-370481-04-01-999999"
	if err := st.Update(ctx, missing, missing.Version-1, nil); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("update of a missing ledger: %v", err)
	}
	if _, err := st.Project(ctx, missing.Code); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("missing ledger: %v", err)
	}

	// No relay yet: the events wait in the revisions.
	if n := outboxLen(t, st, p.Code); n != 2 {
		t.Fatalf("outbox holds %d, want 2", n)
	}
	base = p.Version
	act(t, &p, "shuibao", ledger.ActAccept)
	if err := st.Update(ctx, p, base, []event.Message{changed(t, "d")}); err != nil {
		t.Fatal(err)
	}
	if n := outboxLen(t, st, p.Code); n != 3 {
		t.Fatalf("outbox holds %d after a second update, want 3", n)
	}
	if n, err := relay.Sweep(ctx); err != nil || n != 3 {
		t.Fatalf("sweep published %d, %v", n, err)
	}
	if n := streamMsgs(t, js); n != 3 {
		t.Fatalf("stream holds %d, want 3", n)
	}
	// With the relay the events leave at once.
	st.UsePublisher(pub)
	base = p.Version
	act(t, &p, "shuibao", ledger.ActApprove)
	if err := st.Update(ctx, p, base, []event.Message{changed(t, "e")}); err != nil {
		t.Fatal(err)
	}
	if n := outboxLen(t, st, p.Code); n != 0 {
		t.Fatalf("outbox holds %d after a relayed update", n)
	}
	if n := streamMsgs(t, js); n != 4 {
		t.Fatalf("stream holds %d, want 4", n)
	}
}

// Writers racing on the same version: exactly one wins each round, and
// every winner's change is in the document (no lost update).
func TestConcurrentWritersNeverOverwriteEachOther(t *testing.T) {
	ctx := context.Background()
	st, _, _, _ := newStore(t)
	p := open(t, "2026-370481-04-01-000002", "", "")
	if err := st.Create(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	keys := []string{"lixiang", "yongdi-yushen", "huanping", "wenwu", "shuibao"}
	won := map[string]bool{}
	for round := 0; round < 4; round++ {
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			wins []string
		)
		for _, key := range keys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cur, err := st.Project(ctx, p.Code)
				if err != nil {
					t.Error(err)
					return
				}
				it, _ := cur.Item(ledger.ItemID(p.Code, key))
				a := ledger.ActSuspend
				if it.Status == ledger.StatusSuspended {
					a = ledger.ActResume
				}
				base := cur.Version
				req := ledger.ActionRequest{Action: a, Actor: key, Note: "n", Version: base}
				if _, err := cur.Apply(it.ID, req, workday.Weekends{}, t0); err != nil {
					t.Error(err)
					return
				}
				err = st.Update(ctx, cur, base, nil)
				switch {
				case err == nil:
					mu.Lock()
					wins = append(wins, key)
					mu.Unlock()
				case !errors.Is(err, ledger.ErrVersionConflict):
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if len(wins) < 1 {
			t.Fatalf("round %d: no writer won", round)
		}
		t.Logf("round %d: winners %v", round, wins)
		for _, k := range wins {
			won[k] = !won[k]
		}
	}
	got, err := st.Project(ctx, p.Code)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, key := range keys {
		it, _ := got.Item(ledger.ItemID(p.Code, key))
		total += len(it.Timeline) - 2 // planned, assign
		if want := won[key]; (it.Status == ledger.StatusSuspended) != want {
			t.Errorf("%s is %s; the winners' changes say suspended=%v", key, it.Status, want)
		}
	}
	if int64(total) != got.Version-p.Version {
		t.Fatalf("%d actions in the timelines, version advanced by %d", total, got.Version-p.Version)
	}
}

func TestQueueProjectsAndPendingCounts(t *testing.T) {
	ctx := context.Background()
	st, _, _, _ := newStore(t)
	a := open(t, "2026-370481-04-01-000003", "yongdi", "社会投资")
	b := open(t, "2026-370481-04-01-000004", "huanbao", "城市建设")
	for _, p := range []ledger.Project{a, b} {
		if err := st.Create(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
	}
	base := a.Version
	act(t, &a, "yongdi-yushen", ledger.ActAccept)
	if err := st.Update(ctx, a, base, nil); err != nil {
		t.Fatal(err)
	}
	q, err := st.Queue(ctx, "zrzy", "")
	if err != nil {
		t.Fatal(err)
	}
	// zrzy has three items per project; one assigned and two waiting each.
	if len(q) != 6 {
		t.Fatalf("zrzy queue has %d items, want 6", len(q))
	}
	q, err = st.Queue(ctx, "zrzy", ledger.StatusAccepted)
	if err != nil || len(q) != 1 || q[0].ProjectCode != a.Code || q[0].ProjectVersion != a.Version {
		t.Fatalf("accepted queue %v, %v", q, err)
	}
	ps, err := st.Projects(ctx, ledger.ProjectFilter{WorkGroup: "huanbao"})
	if err != nil || len(ps) != 1 || ps[0].Code != b.Code {
		t.Fatalf("projects of huanbao: %v, %v", ps, err)
	}
	ps, err = st.Projects(ctx, ledger.ProjectFilter{Category: "社会投资"})
	if err != nil || len(ps) != 1 || ps[0].Code != a.Code {
		t.Fatalf("projects of 社会投资: %v, %v", ps, err)
	}
	counts, err := st.PendingCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[ledger.PendingKey]int{
		{Department: "zrzy", Status: ledger.StatusAssigned}: 1, {Department: "zrzy", Status: ledger.StatusAccepted}: 1,
		{Department: "fgw", Status: ledger.StatusAssigned}: 2, {Department: "sthj", Status: ledger.StatusAssigned}: 2,
		{Department: "wlj", Status: ledger.StatusAssigned}: 2, {Department: "slj", Status: ledger.StatusAssigned}: 2,
	}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Fatalf("pending counts %v, want %v", counts, want)
	}
}

// A writer that dies after committing its revision and before applying it
// loses nothing: readers see the committed state at once, later writers
// build on it, and Recover brings the project document up to date.
func TestInterruptedWriteIsRecovered(t *testing.T) {
	ctx := context.Background()
	st, js, _, pub := newStore(t)
	p := open(t, "2026-370481-04-01-000005", "", "")
	if err := st.Create(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	act(t, &p, "huanping", ledger.ActAccept)
	if _, err := st.commit(ctx, p, []event.Message{changed(t, "x")}); err != nil {
		t.Fatal(err)
	}
	got, err := st.Project(ctx, p.Code)
	if err != nil || got.Version != p.Version {
		t.Fatalf("reader sees version %d, %v; want the committed %d", got.Version, err, p.Version)
	}
	if it, _ := got.Item(ledger.ItemID(p.Code, "huanping")); it.Status != ledger.StatusAccepted {
		t.Fatalf("reader sees 环评 %s", it.Status)
	}
	// A writer based on the version before the interrupted one loses.
	stale := open(t, p.Code, "", "")
	act(t, &stale, "wenwu", ledger.ActAccept)
	if err := st.Update(ctx, stale, stale.Version-1, nil); !errors.Is(err, ledger.ErrVersionConflict) {
		t.Fatalf("writer on the old version: %v", err)
	}
	// Within the grace period the writer may still be applying it.
	if n, err := st.Recover(ctx, time.Minute); err != nil || n != 0 {
		t.Fatalf("recover within grace applied %d, %v", n, err)
	}
	st.UsePublisher(pub)
	if n, err := st.Recover(ctx, 0); err != nil || n != 1 {
		t.Fatalf("recover applied %d, %v; want 1", n, err)
	}
	q, err := st.Queue(ctx, "sthj", ledger.StatusAccepted)
	if err != nil || len(q) != 1 || q[0].ProjectVersion != p.Version {
		t.Fatalf("project document after recovery: %+v, %v", q, err)
	}
	if n := streamMsgs(t, js); n != 1 {
		t.Fatalf("stream holds %d events after recovery, want 1", n)
	}
	if n, err := st.Recover(ctx, 0); err != nil || n != 0 {
		t.Fatalf("second recovery applied %d, %v", n, err)
	}
	// A registration interrupted after its commit is recovered as well.
	q2 := open(t, "2026-370481-04-01-000006", "", "")
	if _, err := st.commit(ctx, q2, nil); err != nil {
		t.Fatal(err)
	}
	// Its redelivery finishes it at once.
	if err := st.Create(ctx, q2, nil); !errors.Is(err, ledger.ErrDuplicate) {
		t.Fatalf("redelivered registration: %v", err)
	}
	if n, err := st.Recover(ctx, 0); err != nil || n != 0 {
		t.Fatalf("recover after the redelivery applied %d, %v", n, err)
	}
	if ps, err := st.Projects(ctx, ledger.ProjectFilter{}); err != nil || len(ps) != 2 {
		t.Fatalf("projects after recovery: %d, %v", len(ps), err)
	}
	if n, err := st.Prune(ctx, 0); err != nil || n != 3 {
		t.Fatalf("pruned %d settled revisions, %v; want 3", n, err)
	}
}
