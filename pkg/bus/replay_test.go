package bus_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// publishAssigned publishes n messages on dept's assignment subject (and
// one for another department, which dept's durable must never deliver),
// each waited for, and returns their ids.
func publishAssigned(t *testing.T, js jetstream.JetStream, dept, prefix string, n int) []string {
	t.Helper()
	ctx := context.Background()
	var ids []string
	for i := range n {
		id := fmt.Sprintf("%s-%d", prefix, i)
		m := &nats.Msg{Subject: event.ForDepartment(event.TypeItemAssigned, dept), Data: []byte(id), Header: nats.Header{}}
		m.Header.Set(nats.MsgIdHdr, id)
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if _, err := js.Publish(ctx, event.ForDepartment(event.TypeItemAssigned, "fgw"), []byte(prefix+"-fgw")); err != nil {
		t.Fatal(err)
	}
	return ids
}

// drain reads dept's durable as the department's own user until it has
// nothing pending, acking each message, and returns what it read.
func drain(t *testing.T, url, dept string) []string {
	t.Helper()
	ctx := context.Background()
	_, js := testenv.Connect(t, url, bus.DepartmentUser(dept))
	cons, err := js.Consumer(ctx, bus.EventsStream, bus.DepartmentDurable(dept))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		info, err := cons.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.NumPending == 0 && info.NumAckPending == 0 {
			return got
		}
		// What is there now; the loop asks again until nothing is pending.
		batch, err := cons.FetchNoWait(100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			got = append(got, string(m.Data()))
			if err := m.DoubleAck(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			t.Fatal(err)
		}
		if n == 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func TestReplayDepartmentFromADate(t *testing.T) {
	ctx := context.Background()
	url, js := testenv.JetStream(t)
	const dept = "zrzy"
	if err := bus.EnsureDepartmentConsumers(ctx, js, []string{dept}); err != nil {
		t.Fatal(err)
	}
	// Settings operations tuned by hand: the replay keeps them.
	tuned := bus.DepartmentConsumer(dept)
	tuned.MaxAckPending, tuned.AckWait = 7, 45*time.Second
	if _, err := js.UpdateConsumer(ctx, bus.EventsStream, tuned); err != nil {
		t.Fatal(err)
	}

	before := publishAssigned(t, js, dept, "before", 5)
	if got := drain(t, url, dept); !equal(got, before) {
		t.Fatalf("first read %v, want %v", got, before)
	}
	since := time.Now() // every message before it is acked by the server already
	after := publishAssigned(t, js, dept, "after", 4)
	if got := drain(t, url, dept); !equal(got, after) {
		t.Fatalf("second read %v, want %v", got, after)
	}

	cfg, err := bus.ReplayDepartment(ctx, js, dept, since, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Durable != bus.DepartmentDurable(dept) || cfg.FilterSubject != tuned.FilterSubject ||
		cfg.MaxAckPending != 7 || cfg.AckWait != 45*time.Second || cfg.AckPolicy != jetstream.AckExplicitPolicy ||
		cfg.DeliverPolicy != jetstream.DeliverByStartTimePolicy || cfg.OptStartTime == nil || !cfg.OptStartTime.Equal(since) {
		t.Errorf("replayed consumer config %+v: want the tuned settings, filter %s and start %s", cfg, tuned.FilterSubject, since)
	}
	if got := drain(t, url, dept); !equal(got, after) {
		t.Fatalf("replay from %s read %v, want exactly %v", since.Format(time.RFC3339Nano), got, after)
	}

	// Provisioning again (every start of tuijin-local, tuijin-ops ensure)
	// keeps the replay's start: NATS would refuse to change it.
	if err := bus.EnsureDepartmentConsumers(ctx, js, []string{dept}); err != nil {
		t.Fatalf("ensure after replay: %v", err)
	}
	c, err := js.Consumer(ctx, bus.EventsStream, bus.DepartmentDurable(dept))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.CachedInfo().Config; got.DeliverPolicy != jetstream.DeliverByStartTimePolicy || !got.OptStartTime.Equal(since) {
		t.Errorf("after ensure: deliver %v from %v, want by start time from %s", got.DeliverPolicy, got.OptStartTime, since)
	}
	more := publishAssigned(t, js, dept, "more", 2)
	if got := drain(t, url, dept); !equal(got, more) {
		t.Errorf("after ensure read %v, want %v", got, more)
	}
}

func TestReplayDepartmentRefusesDatesOutsideTheStream(t *testing.T) {
	ctx := context.Background()
	_, js := testenv.JetStream(t)
	const dept = "zrzy"
	if err := bus.EnsureDepartmentConsumers(ctx, js, []string{dept}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := bus.ReplayDepartment(ctx, js, dept, now.Add(-time.Hour), now); !errors.Is(err, bus.ErrReplayEmptyStream) {
		t.Errorf("replay on an empty stream: %v, want ErrReplayEmptyStream", err)
	}
	publishAssigned(t, js, dept, "x", 1)
	s, err := js.Stream(ctx, bus.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first := info.State.FirstTime
	for _, c := range []struct {
		name  string
		since time.Time
		want  error
	}{
		{"before the first message", first.Add(-time.Millisecond), bus.ErrReplayBeforeRetention},
		{"in the future", time.Now().Add(time.Minute), bus.ErrReplayInFuture},
	} {
		_, err := bus.ReplayDepartment(ctx, js, dept, c.since, time.Now())
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// Refused, the durable is as it was.
	cons, err := js.Consumer(ctx, bus.EventsStream, bus.DepartmentDurable(dept))
	if err != nil {
		t.Fatal(err)
	}
	if p := cons.CachedInfo().Config.DeliverPolicy; p != jetstream.DeliverAllPolicy {
		t.Errorf("after refusals the durable delivers %v, want all", p)
	}
}

func equal(a, b []string) bool { return fmt.Sprint(a) == fmt.Sprint(b) }
