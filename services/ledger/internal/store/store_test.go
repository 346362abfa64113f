package store

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/event"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/pkg/outbox"
	"github.com/tuijin/tuijin/pkg/testenv"
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
	return testenv.StreamCount(t, js, bus.EventsStream, ">")
}

// outboxLen counts the events of a ledger waiting to be relayed.
func outboxLen(t *testing.T, st *Store, code string) int {
	t.Helper()
	var d struct {
		Outbox []outbox.Entry `bson:"outbox"`
	}
	if err := st.projects.FindOne(context.Background(), bson.D{{Key: "_id", Value: code}}).Decode(&d); err != nil {
		t.Fatal(err)
	}
	return len(d.Outbox)
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

func TestRoundTripAndVersionedUpdate(t *testing.T) {
	ctx := context.Background()
	st, js, relay, pub := newStore(t)
	p := open(t, "2026-370481-04-01-000001", "yongdi", "社会投资")
	if err := st.Create(ctx, p, []event.Message{changed(t, "r")}); err != nil {
		t.Fatal(err)
	}
	// A redelivered registration changes nothing, events included.
	if err := st.Create(ctx, p, []event.Message{changed(t, "r2")}); !errors.Is(err, ledger.ErrDuplicate) {
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

	// No relay yet: the events wait in the document.
	if n := outboxLen(t, st, p.Code); n != 3 {
		t.Fatalf("outbox holds %d, want 3", n)
	}
	base = p.Version
	act(t, &p, "shuibao", ledger.ActAccept)
	if err := st.Update(ctx, p, base, []event.Message{changed(t, "d")}); err != nil {
		t.Fatal(err)
	}
	if n := outboxLen(t, st, p.Code); n != 4 {
		t.Fatalf("outbox holds %d after a second update, want 4", n)
	}
	if n, err := relay.Sweep(ctx); err != nil || n != 4 {
		t.Fatalf("sweep published %d, %v", n, err)
	}
	if n := streamMsgs(t, js); n != 4 {
		t.Fatalf("stream holds %d, want 4", n)
	}
	// With a publisher the events leave at once (the ones the sweep
	// published before are published again first, and dropped by the
	// stream); the document keeps them until the next write replaces them.
	st.UsePublisher(pub)
	base = p.Version
	act(t, &p, "shuibao", ledger.ActApprove)
	if err := st.Update(ctx, p, base, []event.Message{changed(t, "e")}); err != nil {
		t.Fatal(err)
	}
	if n := streamMsgs(t, js); n != 5 {
		t.Fatalf("stream holds %d, want 5", n)
	}
	if n := outboxLen(t, st, p.Code); n != 1 {
		t.Fatalf("outbox holds %d after a published update, want its 1 event", n)
	}
	base = p.Version
	act(t, &p, "wenwu", ledger.ActResume)
	if err := st.Update(ctx, p, base, nil); err != nil {
		t.Fatal(err)
	}
	if n := outboxLen(t, st, p.Code); n != 0 {
		t.Fatalf("outbox holds %d after the next write, want 0", n)
	}
	if n := streamMsgs(t, js); n != 5 {
		t.Fatalf("stream holds %d after the next write, want 5", n)
	}
	if got, err := st.Project(ctx, p.Code); err != nil || got.Version != p.Version {
		t.Fatalf("stored version %d (%v), want %d: the sweep's pulls must leave it alone", got.Version, err, p.Version)
	}
}

// Published events leave the document with the next write of the ledger
// by a store that knows its outbox, and with the sweep otherwise; events
// nobody published yet are never dropped, and none reaches the stream
// twice.
func TestEventsLeaveTheOutboxOnce(t *testing.T) {
	ctx := context.Background()
	st, js, relay, pub := newStore(t)
	crashed := New(st.projects.Database(), testenv.Logger()) // saved, then died before publishing
	p := open(t, "2026-370481-04-01-000007", "", "")
	if err := crashed.Create(ctx, p, []event.Message{changed(t, "r")}); err != nil {
		t.Fatal(err)
	}

	// A replica that read the ledger publishes what it found before its
	// own write replaces it.
	st.UsePublisher(pub)
	cur, err := st.Project(ctx, p.Code)
	if err != nil {
		t.Fatal(err)
	}
	act(t, &cur, "huanping", ledger.ActAccept)
	if err := st.Update(ctx, cur, cur.Version-1, []event.Message{changed(t, "x")}); err != nil {
		t.Fatal(err)
	}
	if n, m := outboxLen(t, st, p.Code), streamMsgs(t, js); n != 1 || m != 2 {
		t.Fatalf("outbox %d, stream %d; want x waiting to be replaced, r and x published", n, m)
	}
	mine := cur

	// A replica that never read it, and cannot publish, adds its event to
	// the outbox rather than replacing what it does not know.
	other := New(st.projects.Database(), testenv.Logger())
	act(t, &cur, "huanping", ledger.ActSuspend)
	if err := other.Update(ctx, cur, cur.Version-1, []event.Message{changed(t, "y")}); err != nil {
		t.Fatal(err)
	}
	if n := outboxLen(t, st, p.Code); n != 2 {
		t.Fatalf("outbox holds %d, want x and y", n)
	}
	if n, err := relay.Sweep(ctx); err != nil || n != 2 {
		t.Fatalf("sweep published %d, %v; want 2", n, err)
	}
	if n, m := outboxLen(t, st, p.Code), streamMsgs(t, js); n != 0 || m != 3 {
		t.Fatalf("outbox %d, stream %d after the sweep; want 0 and r, x, y once each", n, m)
	}

	// The first store's memory is of an older version now: its next write
	// loses, and after a read it succeeds.
	act(t, &mine, "wenwu", ledger.ActAccept)
	if err := st.Update(ctx, mine, mine.Version-1, []event.Message{changed(t, "w")}); !errors.Is(err, ledger.ErrVersionConflict) {
		t.Fatalf("write on the version before the other replica's: %v", err)
	}
	cur, err = st.Project(ctx, p.Code)
	if err != nil {
		t.Fatal(err)
	}
	act(t, &cur, "huanping", ledger.ActResume)
	if err := st.Update(ctx, cur, cur.Version-1, []event.Message{changed(t, "z")}); err != nil {
		t.Fatal(err)
	}
	if n, m := outboxLen(t, st, p.Code), streamMsgs(t, js); n != 1 || m != 4 {
		t.Fatalf("outbox %d, stream %d; want z waiting, 4 events", n, m)
	}
}

// ProjectAt hands out the version the store wrote or read last exactly as
// the database holds it (times to the millisecond, empty lists as read
// back), the stored ledger for any other version, and a write based on a
// held version that another replica moved on from is refused.
func TestProjectAtHoldsWhatIsStored(t *testing.T) {
	ctx := context.Background()
	st, _, _, _ := newStore(t)
	other := New(st.projects.Database(), testenv.Logger())
	p := open(t, "2026-370481-04-01-000008", "", "")
	if err := st.Create(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	base := p.Version
	req := ledger.ActionRequest{Action: ledger.ActAccept, Actor: "a", Note: "n", Version: base,
		MissingMaterials: []string{"权籍调查报告"}, SupplementDays: 5}
	if _, err := p.Apply(ledger.ItemID(p.Code, "yongdi-yushen"), req, workday.Weekends{}, t0.Add(1500*time.Microsecond+7)); err != nil {
		t.Fatal(err)
	}
	if err := st.Update(ctx, p, base, nil); err != nil {
		t.Fatal(err)
	}
	held, err := st.ProjectAt(ctx, p.Code, p.Version)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := other.Project(ctx, p.Code)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := jsonOf(t, held), jsonOf(t, stored); g != w {
		t.Fatalf("held ledger differs from the stored one:\n held %s\nstored %s", g, w)
	}

	want := jsonOf(t, stored)

	// Another replica moves it on: the first store still hands out the
	// version it holds when asked for that one, as it was stored, and a
	// write based on it is refused; any other version is read.
	act(t, &stored, "huanping", ledger.ActAccept)
	if err := other.Update(ctx, stored, stored.Version-1, nil); err != nil {
		t.Fatal(err)
	}
	old, err := st.ProjectAt(ctx, p.Code, p.Version)
	if err != nil || old.Version != p.Version || jsonOf(t, old) != want {
		t.Fatalf("held version %d (%v): %s\nwant %s", old.Version, err, jsonOf(t, old), want)
	}
	act(t, &old, "wenwu", ledger.ActAccept)
	if err := st.Update(ctx, old, old.Version-1, nil); !errors.Is(err, ledger.ErrVersionConflict) {
		t.Fatalf("write based on a held version another replica moved on from: %v", err)
	}
	if got, err := st.ProjectAt(ctx, p.Code, stored.Version); err != nil || got.Version != stored.Version {
		t.Fatalf("ledger at a version not held: version %d, %v; want %d read", got.Version, err, stored.Version)
	}
	if _, err := st.ProjectAt(ctx, "2026-370481-04-01-999999", 1); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("missing ledger: %v", err)
	}
}
