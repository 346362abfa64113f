package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/timestamppb"

	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// Over the real NATS of a running system, a department's credentials
// (as dept-feed uses them) pull the department's own assignments through
// the durable operations created, and nothing else: no event can be
// published with them, no other department's subject read, no consumer
// created.
func TestDepartmentCredentialsReadOnlyTheirOwnAssignments(t *testing.T) {
	s := newSystem(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := bus.EnsureDepartmentConsumers(ctx, s.js, testenv.Departments(t)); err != nil {
		t.Fatal(err)
	}
	feed := startDeptFeed(t, s.nats, "zrzy")
	s.start("intake", "ledger")
	s.registerProject(projectCode(801))
	own := event.ForDepartment(event.TypeItemAssigned, "zrzy")
	eventually(t, 60*time.Second, "zrzy's assignments in the stream", func() bool { return s.streamCount(bus.EventsStream, own) > 0 })
	want := s.streamCount(bus.EventsStream, own)
	eventually(t, 60*time.Second, "dept-feed prints zrzy's assignments", func() bool { return len(feed.lines()) >= want })
	for _, l := range feed.lines() {
		var out struct {
			Type string `json:"type"`
			Item struct {
				Department string `json:"department"`
			} `json:"item"`
		}
		if err := json.Unmarshal([]byte(l), &out); err != nil || out.Type != event.TypeItemAssigned || out.Item.Department != "zrzy" {
			t.Errorf("dept-feed printed %q (%v), want zrzy's assignments only", l, err)
		}
	}
	eventually(t, 30*time.Second, "dept-feed acked every assignment", func() bool {
		info, err := s.consumerInfo(bus.DepartmentDurable("zrzy"))
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0
	})

	zrzy := testenv.ConnectAs(t, s.nats, bus.DepartmentUser("zrzy"))
	// The services' own events have all gone out once the stream has not
	// grown for 2 s: an outbox entry left for the document's next write
	// goes out by the second sweep that finds it (every 300 ms here).
	before, since := s.streamCount(bus.EventsStream, "tuijin.>"), time.Now()
	for start := time.Now(); time.Since(since) < 2*time.Second; {
		if time.Since(start) > time.Minute {
			t.Fatalf("the events stream still growing after a minute (%d messages)", before)
		}
		time.Sleep(100 * time.Millisecond)
		if n := s.streamCount(bus.EventsStream, "tuijin.>"); n != before {
			before, since = n, time.Now()
		}
	}
	for _, subj := range []string{own, event.TypeProjectRegistered, event.ForDepartment(event.TypeItemChanged, "zrzy"),
		event.ForDepartment(event.TypeProblemRaised, "zrzy"), event.TypeMeetingDecided, bus.TimerSchedulePrefix + "x",
		bus.DeadLetterPrefix + "ledger-project-registered"} {
		if err := zrzy.NC.Publish(subj, []byte("forged")); err != nil {
			t.Fatal(err)
		}
		zrzy.WaitDenied(t, "publish", subj)
	}
	other := event.ForDepartment(event.TypeItemAssigned, "fgw")
	for _, subj := range []string{other, "tuijin.>", "_INBOX.>", bus.InboxPrefix(bus.DepartmentUser("fgw")) + ".>"} {
		if _, err := zrzy.NC.SubscribeSync(subj); err != nil {
			t.Fatal(err)
		}
		zrzy.WaitDenied(t, "subscription", subj)
	}
	refused := func(what, subject string, call func(context.Context) error) {
		t.Helper()
		cctx, stop := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- call(cctx) }()
		zrzy.WaitDenied(t, "publish", subject)
		stop()
		if err := <-errc; err == nil {
			t.Errorf("%s succeeded with zrzy's credentials", what)
		}
	}
	refused("creating a consumer of fgw's assignments", "$JS.API.CONSUMER.CREATE."+bus.EventsStream+".mine."+other,
		func(ctx context.Context) error {
			_, err := zrzy.JS.CreateConsumer(ctx, bus.EventsStream, jetstream.ConsumerConfig{Durable: "mine", FilterSubject: other})
			return err
		})
	refused("re-filtering its own durable", "$JS.API.CONSUMER.CREATE."+bus.EventsStream+".dept-zrzy."+other,
		func(ctx context.Context) error {
			_, err := zrzy.JS.CreateOrUpdateConsumer(ctx, bus.EventsStream, jetstream.ConsumerConfig{Durable: "dept-zrzy", FilterSubject: other})
			return err
		})
	refused("pulling from fgw's durable", "$JS.API.CONSUMER.MSG.NEXT."+bus.EventsStream+".dept-fgw",
		func(ctx context.Context) error {
			_, err := zrzy.NC.RequestWithContext(ctx, "$JS.API.CONSUMER.MSG.NEXT."+bus.EventsStream+".dept-fgw", []byte(`{"batch":1}`))
			return err
		})
	refused("reading the stream's info", "$JS.API.STREAM.INFO."+bus.EventsStream, func(ctx context.Context) error {
		_, err := zrzy.JS.Stream(ctx, bus.EventsStream)
		return err
	})
	refused("reading a message of the stream", "$JS.API.STREAM.MSG.GET."+bus.EventsStream, func(ctx context.Context) error {
		_, err := zrzy.NC.RequestWithContext(ctx, "$JS.API.STREAM.MSG.GET."+bus.EventsStream, []byte(`{"seq":1}`))
		return err
	})
	if n := s.streamCount(bus.EventsStream, "tuijin.>"); n != before {
		t.Fatalf("the events stream went from %d to %d messages", before, n)
	}
	// fgw's durable still holds all of fgw's assignments: nothing of
	// zrzy's read them.
	info, err := s.consumerInfo(bus.DepartmentDurable("fgw"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := int(info.NumPending), s.streamCount(bus.EventsStream, other); got != want || info.Delivered.Consumer != 0 {
		t.Fatalf("fgw's durable: %d pending, %d delivered; want %d pending, none delivered", got, info.Delivered.Consumer, want)
	}
}

// An event published with a service's own credentials but invalid content
// is dead-lettered by each of its consumers with the reason, and changes
// nothing: no deadline, no inbox entry, no delivery; the services keep
// serving. Content the ledger may not publish at all is refused by NATS.
func TestForgedEventWithServiceCredentialsIsDeadLettered(t *testing.T) {
	s := newSystem(t)
	s.start("deadline", "notification")
	ledger := testenv.ConnectAs(t, s.nats, bus.UserLedger)
	now := time.Now()
	forge := func(dept string, mod func(*ledgerv1.ItemAssigned)) event.Message {
		a := &ledgerv1.ItemAssigned{ItemId: "2026-370481-04-01-900001:forged-" + dept, ItemName: "点此链接领取补贴",
			ProjectCode: "2026-370481-04-01-900001", ProjectName: "forged", Department: dept, PromisedDays: 5,
			AssignedAt: timestamppb.New(now.AddDate(0, 0, -60))}
		mod(a)
		m, err := event.Build(context.Background(), event.ForDepartment(event.TypeItemAssigned, dept), event.TypeItemAssigned,
			"ledger", event.Ref("item", a.ItemId), now, a)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	forged := []struct {
		msg  event.Message
		want string
	}{
		{forge("zrzy", func(a *ledgerv1.ItemAssigned) { a.PromisedDays = 2147483647 }), "promised_days: 2147483647, must be 0 to 3650"},
		{forge("xyz", func(*ledgerv1.ItemAssigned) {}), `unknown department "xyz"`},
		{forge("fgw", func(a *ledgerv1.ItemAssigned) { a.AssignedAt = timestamppb.New(now.AddDate(50, 0, 0)) }), "more than ten years from now"},
		{forge("sthj", func(a *ledgerv1.ItemAssigned) { a.ItemName = strings.Repeat("钓", 10000) }), "item_name: 30000 bytes"},
	}
	start := time.Now()
	for _, f := range forged {
		if _, err := ledger.JS.PublishMsg(context.Background(), publishable(f.msg)); err != nil {
			t.Fatalf("publish %s with the ledger's credentials: %v", f.msg.Subject, err)
		}
	}
	consumers := []string{"deadline-item-assigned", "notification-item-assigned"}
	eventually(t, 60*time.Second, "every forged event dead-lettered by both consumers", func() bool {
		for _, c := range consumers {
			if s.streamCount(bus.DeadLetterStream, bus.DeadLetterPrefix+c) < len(forged) {
				return false
			}
		}
		return true
	})
	t.Logf("all dead-lettered %s after the publish", time.Since(start).Round(time.Millisecond))
	for _, c := range consumers {
		letters := s.deadLetters(c)
		if len(letters) != len(forged) {
			t.Fatalf("%s: %d dead letters, want %d", c, len(letters), len(forged))
		}
		for i, f := range forged {
			if letters[i].reason != bus.ReasonInvalid || !strings.Contains(letters[i].err, f.want) ||
				letters[i].subject != f.msg.Subject {
				t.Errorf("%s dead letter %d: %+v, want reason invalid with %q on %s", c, i, letters[i], f.want, f.msg.Subject)
			}
		}
	}
	for _, coll := range []struct{ db, name string }{{"tuijin_deadline", "deadlines"}, {"tuijin_notification", "inbox"},
		{"tuijin_notification", "deliveries"}, {"tuijin_notification", "delivery_queue"}} {
		if n := s.count(coll.db, coll.name); n != 0 {
			t.Errorf("%s.%s holds %d documents after forged events", coll.db, coll.name, n)
		}
	}
	if n := s.streamCount(bus.EventsStream, "tuijin.deadline.>"); n != 0 {
		t.Errorf("the clock published %d events", n)
	}
	for _, svc := range []string{"deadline", "notification"} {
		if code := s.getJSON(anonymous, s.url(svc)+"/readyz", nil); code != http.StatusOK {
			t.Errorf("%s /readyz: %d", svc, code)
		}
	}

	// What the ledger may not publish at all never reaches the stream.
	for _, subj := range []string{event.TypeProjectRegistered, event.ForDepartment(event.TypeDeadlineEscalated, "zrzy"),
		event.TypeMeetingDecided, bus.TimerSchedulePrefix + "x"} {
		if err := ledger.NC.Publish(subj, []byte("forged")); err != nil {
			t.Fatal(err)
		}
		ledger.WaitDenied(t, "publish", subj)
		if n := s.streamCount(bus.EventsStream, subj); n != 0 {
			t.Errorf("%s: %d messages", subj, n)
		}
	}
}

// deadLetter is what the dead-letter stream says of one message.
type deadLetter struct{ subject, reason, err string }

// deadLetters reads consumer's dead letters in order.
func (s *system) deadLetters(consumer string) []deadLetter {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	subject := bus.DeadLetterPrefix + consumer
	want := s.streamCount(bus.DeadLetterStream, subject)
	c, err := s.js.OrderedConsumer(ctx, bus.DeadLetterStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		s.t.Fatal(err)
	}
	var out []deadLetter
	for len(out) < want {
		m, err := c.Next(jetstream.FetchMaxWait(10 * time.Second))
		if err != nil {
			s.t.Fatalf("dead letters of %s: read %d of %d: %v", consumer, len(out), want, err)
		}
		h := m.Headers()
		out = append(out, deadLetter{subject: h.Get(bus.HeaderDLQSubject), reason: h.Get(bus.HeaderDLQReason), err: h.Get(bus.HeaderDLQError)})
	}
	return out
}

// consumerInfo is the state of a durable of the events stream.
func (s *system) consumerInfo(durable string) (*jetstream.ConsumerInfo, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := s.js.Consumer(ctx, bus.EventsStream, durable)
	if err != nil {
		return nil, err
	}
	return c.Info(ctx)
}

// deptFeed is a running tools/cmd/dept-feed with its printed lines.
type deptFeed struct {
	mu  sync.Mutex
	out []string
}

func (f *deptFeed) lines() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.out...)
}

// startDeptFeed builds and runs dept-feed for dept with the department's
// credentials in its environment, as a department's system would.
func startDeptFeed(t *testing.T, natsURL, dept string) *deptFeed {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "dept-feed")
	build := exec.Command("go", "build", "-o", bin, "./tools/cmd/dept-feed")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build dept-feed: %v\n%s", err, out)
	}
	auth := testenv.NATSAuth(bus.DepartmentUser(dept))
	cmd := exec.Command(bin, "--department", dept, "--nats-url", natsURL)
	cmd.Env = append(os.Environ(), "TUIJIN_NATS_PASSWORD="+auth.Password)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr testenv.LogBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f := &deptFeed{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			f.mu.Lock()
			f.out = append(f.out, sc.Text())
			f.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		<-done
		if err := cmd.Wait(); err != nil {
			t.Errorf("dept-feed: %v\n%s", err, stderr.Tail(20))
		}
	})
	return f
}

// publishable is m as the outbox publishes it: its event id as Nats-Msg-Id.
func publishable(m event.Message) *nats.Msg {
	h := nats.Header{}
	h.Set(jetstream.MsgIDHeader, m.ID)
	return &nats.Msg{Subject: m.Subject, Header: h, Data: m.Data}
}
