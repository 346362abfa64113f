package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	meetingv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/meeting/v1"
	"github.com/tuijin/tuijin/pkg/outbox"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/meeting"
)

func TestStoreAgainstFerretDB(t *testing.T) {
	ctx := context.Background()
	db := testenv.Mongo(t).Database("tuijin_meeting_test")
	_, js := testenv.JetStream(t)
	st := New(db, testenv.Logger())
	if err := st.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	relay := outbox.NewRelay(bus.NewPublisher(js, noop.NewTracerProvider().Tracer("test"), bus.NewMetrics(prometheus.NewRegistry())),
		testenv.Logger(), st.Collections()...)

	t0 := time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)
	newMeeting := func(n int, group string) (meeting.Meeting, []event.Message) {
		m := meeting.Meeting{ID: fmt.Sprint("m", n), Kind: meeting.KindDispatch, Title: fmt.Sprint("调度会 ", n),
			StartsAt: t0.Add(time.Duration(n) * 24 * time.Hour), Location: "301", WorkGroup: group,
			Attendees: []string{"zrzy", "fgw"}, Status: meeting.StatusScheduled, CreatedAt: t0, Version: 1}
		msg, err := event.Build(ctx, event.TypeMeetingScheduled, event.TypeMeetingScheduled, "test",
			event.Ref("meeting", m.ID), t0, &meetingv1.MeetingScheduled{MeetingId: m.ID})
		if err != nil {
			t.Fatal(err)
		}
		return m, []event.Message{msg}
	}

	// Saved before any relay exists: as if the process died between the
	// save and the publish. The event waits in the document.
	m1, msgs := newMeeting(1, "yongdi")
	if err := st.Create(ctx, m1, msgs); err != nil {
		t.Fatal(err)
	}
	if n := pendingOutbox(t, st, m1.ID); n != 1 {
		t.Fatalf("outbox of unrelayed meeting has %d entries, want 1", n)
	}
	if n, err := relay.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("sweep published %d, %v; want 1", n, err)
	}
	if n := eventsOnStream(t, js); n != 1 {
		t.Fatalf("stream holds %d meeting events after the sweep, want 1", n)
	}

	st.UseRelay(relay)
	m2, msgs := newMeeting(2, "huanbao")
	if err := st.Create(ctx, m2, msgs); err != nil {
		t.Fatal(err)
	}
	if n := pendingOutbox(t, st, m2.ID); n != 0 {
		t.Fatalf("outbox after create with relay has %d entries, want 0", n)
	}
	m3, msgs := newMeeting(3, "yongdi")
	if err := st.Create(ctx, m3, msgs); err != nil {
		t.Fatal(err)
	}
	if n := pendingOutbox(t, st, m3.ID); n != 0 {
		t.Fatalf("outbox after create with relay has %d entries, want 0", n)
	}
	if got := eventsOnStream(t, js); got != 3 {
		t.Fatalf("stream holds %d meeting events, want 3", got)
	}

	t.Run("the sweep empties the outbox it published", func(t *testing.T) {
		if n := pendingOutbox(t, st, m1.ID); n != 0 {
			t.Fatalf("%d published entries left in the document", n)
		}
	})
	t.Run("get round-trips", func(t *testing.T) {
		got, err := st.Meeting(ctx, m2.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != m2.ID || !got.StartsAt.Equal(m2.StartsAt) || got.WorkGroup != "huanbao" ||
			len(got.Attendees) != 2 || got.Status != meeting.StatusScheduled || !got.CreatedAt.Equal(t0) {
			t.Fatalf("got %+v, want %+v", got, m2)
		}
	})
	t.Run("unknown id is not found", func(t *testing.T) {
		if _, err := st.Meeting(ctx, "nope"); !errors.Is(err, meeting.ErrNotFound) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a duplicate id is refused", func(t *testing.T) {
		m, msgs := newMeeting(1, "yongdi")
		if err := st.Create(ctx, m, msgs); !errors.Is(err, meeting.ErrDuplicate) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("update is conditional on the version and publishes its events", func(t *testing.T) {
		m, _ := newMeeting(2, "huanbao")
		m.Version = 2
		m.Agenda = []meeting.AgendaEntry{{ID: "e1", Source: meeting.SourceManual, Department: "sthj", Title: "议题"}}
		m.Status = meeting.StatusDecided
		m.Minutes = &meeting.Minutes{RecordedAt: t0, Decisions: []meeting.Decision{{AgendaEntryID: "e1", Outcome: meeting.OutcomeAction,
			Text: "交办", Action: &meeting.Action{ID: "a1", Department: "sthj", Description: "办", DueAt: t0.Add(time.Hour),
				Status: meeting.ActionDone, History: []meeting.ActionEntry{{At: t0.Add(time.Minute), Change: meeting.ChangeDone,
					Actor: "生态环境局", From: meeting.ActionOpen, Status: meeting.ActionDone, Note: "已办"}}}}}}
		var msgs []event.Message
		for range 2 {
			msg, err := event.Build(ctx, event.TypeMeetingDecided, event.TypeMeetingDecided, "test",
				event.Ref("meeting", m.ID), t0, &meetingv1.MeetingDecided{MeetingId: m.ID})
			if err != nil {
				t.Fatal(err)
			}
			msgs = append(msgs, msg)
		}
		stale := m
		stale.Version = 5
		if err := st.Update(ctx, stale, msgs); !errors.Is(err, meeting.ErrConflict) {
			t.Fatalf("update over a version not stored: %v", err) // stored version is 1
		}
		missing := m
		missing.ID = "nope"
		if err := st.Update(ctx, missing, msgs); !errors.Is(err, meeting.ErrNotFound) {
			t.Fatalf("update of a missing meeting: %v", err)
		}
		if err := st.Update(ctx, m, msgs); err != nil {
			t.Fatal(err)
		}
		got, err := st.Meeting(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != meeting.StatusDecided || got.Version != 2 || got.Minutes == nil || got.Minutes.Decisions[0].Action.ID != "a1" ||
			len(got.Agenda) != 1 || got.Agenda[0].Title != "议题" {
			t.Fatalf("got %+v", got)
		}
		if a := got.Minutes.Decisions[0].Action; !reflect.DeepEqual(a, m.Minutes.Decisions[0].Action) {
			t.Errorf("action read back as %+v, saved %+v", a, m.Minutes.Decisions[0].Action)
		}
		if n := pendingOutbox(t, st, m.ID); n != 0 {
			t.Fatalf("%d events left in the outbox", n)
		}
		info, err := func() (*jetstream.StreamInfo, error) {
			s, err := js.Stream(ctx, bus.EventsStream)
			if err != nil {
				return nil, err
			}
			return s.Info(ctx, jetstream.WithSubjectFilter(event.TypeMeetingDecided))
		}()
		if err != nil || info.State.Subjects[event.TypeMeetingDecided] != 2 {
			t.Fatalf("decided events on the stream: %v, %v", info, err)
		}
		if err := st.Update(ctx, m, nil); !errors.Is(err, meeting.ErrConflict) {
			t.Fatalf("second update of the same version: %v", err)
		}
	})
	t.Run("candidates: first insert wins, status by _id", func(t *testing.T) {
		c := meeting.ProblemCandidate("p1", "", "sthj", "问题", "", t0)
		if err := st.PutCandidate(ctx, c); err != nil {
			t.Fatal(err)
		}
		c2 := c
		c2.Title = "changed"
		if err := st.PutCandidate(ctx, c2); err != nil {
			t.Fatal(err)
		}
		if err := st.PutCandidate(ctx, meeting.ProblemCandidate("p0", "", "sthj", "更早", "", t0.Add(-time.Hour))); err != nil {
			t.Fatal(err)
		}
		open, err := st.Candidates(ctx, meeting.CandidateOpen, 10)
		if err != nil || len(open) != 2 || open[0].ProblemID != "p0" || open[1].Title != "问题" {
			t.Fatalf("open %+v, %v", open, err)
		}
		if err := st.SetCandidates(ctx, []string{c.ID}, meeting.CandidateScheduled, "m9"); err != nil {
			t.Fatal(err)
		}
		got, err := st.Candidate(ctx, c.ID)
		if err != nil || got.Status != meeting.CandidateScheduled || got.MeetingID != "m9" || !got.RaisedAt.Equal(t0) {
			t.Fatalf("got %+v, %v", got, err)
		}
		if _, err := st.Candidate(ctx, "nope"); !errors.Is(err, meeting.ErrNotFound) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("list latest start first, by work group, limited", func(t *testing.T) {
		for _, tt := range []struct {
			q    meeting.ListQuery
			want []string
		}{
			{meeting.ListQuery{Limit: 50}, []string{"m3", "m2", "m1"}},
			{meeting.ListQuery{Limit: 2}, []string{"m3", "m2"}},
			{meeting.ListQuery{WorkGroup: "yongdi", Limit: 50}, []string{"m3", "m1"}},
			{meeting.ListQuery{WorkGroup: "wenwu", Limit: 50}, nil},
		} {
			ms, err := st.List(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, m := range ms {
				ids = append(ids, m.ID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.want) {
				t.Errorf("%+v: got %v, want %v", tt.q, ids, tt.want)
			}
		}
	})
	t.Run("concurrent writers of one version: exactly one wins", func(t *testing.T) {
		m, msgs := newMeeting(7, "yongdi")
		if err := st.Create(ctx, m, msgs); err != nil {
			t.Fatal(err)
		}
		for v := 2; v <= 6; v++ {
			var wins atomic.Int32
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					mm := m
					mm.Version = v
					mm.Title = fmt.Sprint("writer ", g)
					mm.Agenda = []meeting.AgendaEntry{{ID: fmt.Sprint("w", g), Title: "t", Department: "zrzy"}}
					err := st.Update(ctx, mm, nil)
					switch {
					case err == nil:
						wins.Add(1)
					case !errors.Is(err, meeting.ErrConflict):
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if wins.Load() != 1 {
				t.Fatalf("version %d: %d writers won", v, wins.Load())
			}
		}
		got, err := st.Meeting(ctx, m.ID)
		if err != nil || got.Version != 6 || len(got.Agenda) != 1 {
			t.Fatalf("after five rounds %+v, %v", got, err)
		}
	})
}

func pendingOutbox(t *testing.T, st *Store, id string) int {
	t.Helper()
	var d struct {
		Outbox []outbox.Entry `bson:"outbox"`
	}
	if err := st.meetings.FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		t.Fatal(err)
	}
	return len(d.Outbox)
}

func eventsOnStream(t *testing.T, js jetstream.JetStream) uint64 {
	t.Helper()
	s, err := js.Stream(context.Background(), bus.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background(), jetstream.WithSubjectFilter(event.TypeMeetingScheduled))
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}
