package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"

	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// TestCrashLosesAndDuplicatesNothing registers a backlog of projects while
// the ledger is down, then kills the ledger with SIGKILL in the middle of
// working it off, and later the notification service in the middle of its
// share. After restarts, every project has its ledger, every ready item
// exactly one item.assigned event, one deadline and one inbox entry.
func TestCrashLosesAndDuplicatesNothing(t *testing.T) {
	const projects = 200
	want := projects * len(readyItems)
	s := newSystem(t)
	s.start("intake", "deadline", "notification")
	for i := range projects {
		s.registerProject(projectCode(1000 + i))
	}
	if n := s.streamCount("TUIJIN_EVENTS", event.TypeProjectRegistered); n != projects {
		t.Fatalf("%d project.registered events, want %d", n, projects)
	}

	assigned := event.TypeItemAssigned + ".>"
	s.start("ledger")
	var atKill int
	eventually(t, 60*time.Second, "the ledger to start working", func() bool {
		atKill = s.streamCount("TUIJIN_EVENTS", assigned)
		return atKill >= len(readyItems)
	})
	s.kill("ledger")
	atKill = s.streamCount("TUIJIN_EVENTS", assigned)
	if atKill >= want {
		t.Fatalf("the ledger finished all %d assignments before it was killed: the test proves nothing", want)
	}
	t.Logf("ledger killed after %d of %d assignments", atKill, want)

	s.start("ledger")
	eventually(t, 60*time.Second, "the notification service to start working", func() bool {
		return s.count("tuijin_notification", "inbox") >= want/10
	})
	s.kill("notification")
	inboxAtKill := s.count("tuijin_notification", "inbox")
	t.Logf("notification killed after %d of %d inbox entries", inboxAtKill, want)
	s.start("notification")

	// A slow machine takes its time; the wait fails only when nothing moves
	// for a minute.
	start := time.Now()
	testenv.WaitProgress(t, time.Minute, "all assignments", func() uint64 {
		return uint64(s.streamCount("TUIJIN_EVENTS", assigned))
	}, uint64(want))
	t.Logf("assignments complete %s after the restarts", time.Since(start).Round(time.Millisecond))
	testenv.WaitProgress(t, time.Minute, "all deadlines and inbox entries", func() uint64 {
		return uint64(min(s.count("tuijin_deadline", "deadlines"), want) + min(s.count("tuijin_notification", "inbox"), want))
	}, uint64(2*want))
	t.Logf("deadlines and inbox complete %s after the restarts", time.Since(start).Round(time.Millisecond))
	// Let the outbox sweeps and redeliveries run a few more rounds: any
	// duplicate would show up now.
	time.Sleep(2 * time.Second)

	if n := s.count("tuijin_ledger", "projects"); n != projects {
		t.Errorf("%d ledgers, want %d", n, projects)
	}
	envs := s.envelopes("TUIJIN_EVENTS", assigned)
	seen := map[string]int{}
	for _, env := range envs {
		var a ledgerv1.ItemAssigned
		if err := event.Payload(env, &a); err != nil {
			t.Fatal(err)
		}
		seen[a.GetItemId()]++
	}
	if len(envs) != want || len(seen) != want {
		t.Errorf("%d item.assigned events for %d distinct items, want %d and %d", len(envs), len(seen), want, want)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("item %s assigned %d times", id, n)
		}
	}
	if n := s.count("tuijin_deadline", "deadlines"); n != want {
		t.Errorf("%d deadlines, want %d", n, want)
	}
	if n := s.count("tuijin_notification", "inbox"); n != want {
		t.Errorf("%d inbox entries, want %d", n, want)
	}
	for _, dept := range []string{"fgw", "zrzy", "sthj", "wlj", "slj"} {
		if got := s.metric("ledger", "tuijin_ledger_pending_items", map[string]string{"department": dept, "state": "assigned"}); got != projects {
			t.Errorf("pending{department=%s,state=assigned} = %v, want %d", dept, got, projects)
		}
	}
}

// TestUndecodableMessageIsDeadLettered publishes garbage on the subject the
// ledger consumes: it ends in the dead-letter stream, counted in a metric,
// and the ledger goes on with the next, good event.
func TestUndecodableMessageIsDeadLettered(t *testing.T) {
	s := newSystem(t)
	s.start("intake", "ledger")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	garbage := &nats.Msg{Subject: event.TypeProjectRegistered, Data: []byte("not a protobuf envelope"), Header: nats.Header{}}
	garbage.Header.Set(jetstream.MsgIDHeader, "garbage-1")
	if _, err := s.js.PublishMsg(ctx, garbage); err != nil {
		t.Fatal(err)
	}
	dlq := "tuijin.dlq.ledger-project-registered"
	eventually(t, 20*time.Second, "the dead letter", func() bool {
		return s.streamCount("TUIJIN_DLQ", dlq) == 1
	})
	labels := map[string]string{"consumer": "ledger-project-registered", "reason": "undecodable"}
	eventually(t, 5*time.Second, "the dead-letter metric", func() bool {
		return s.metric("ledger", "tuijin_bus_dead_letters_total", labels) == 1
	})

	dlqStream, err := s.js.Stream(ctx, "TUIJIN_DLQ")
	if err != nil {
		t.Fatal(err)
	}
	m, err := dlqStream.GetLastMsgForSubject(ctx, dlq)
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Data) != "not a protobuf envelope" {
		t.Errorf("dead letter holds %q, want the original bytes", m.Data)
	}

	code := projectCode(99)
	s.registerProject(code)
	eventually(t, 20*time.Second, "the good project's assignments", func() bool {
		return s.streamCount("TUIJIN_EVENTS", event.TypeItemAssigned+".>") == len(readyItems)
	})
	if n := s.streamCount("TUIJIN_DLQ", "tuijin.dlq.>"); n != 1 {
		t.Errorf("%d dead letters, want 1", n)
	}
	if n := s.count("tuijin_ledger", "projects"); n != 1 {
		t.Errorf("%d ledgers, want 1", n)
	}
}
