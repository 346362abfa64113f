package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/meeting"
)

// TestEscalationsOfADayShareAJointMeeting: twenty items of the 用地专班's
// departments escalated to 约谈 on one day make joint meetings of that work
// group on one day, each department invited once, each agenda within the
// capacity (8 here: 8 + 8 + 4), every escalation on exactly one of them;
// escalations delivered again add nothing.
func TestEscalationsOfADayShareAJointMeeting(t *testing.T) {
	monday := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	natsURL, js := testenv.JetStream(t)
	f := &flowEnv{js: js, clk: newClock()}
	f.clk.Set(monday)
	f.pub = bus.NewPublisher(js, noop.NewTracerProvider().Tracer("test"), bus.NewMetrics(prometheus.NewRegistry()))
	f.base = start(t, f.clk, "--nats-url="+natsURL, "--mongo-uri="+testenv.MongoURI(t),
		"--mongo-database=meeting_batching_test", "--joint-capacity=8")

	var refs []string
	for i := range 20 {
		dept := "zrzy"
		if i%4 == 3 {
			dept = "fgw"
		}
		ref := fmt.Sprintf("%s.item-%02d", code, i)
		refs = append(refs, ref)
		ev := deadlineEvent(t, event.TypeDeadlineEscalated, dept, ref, deadlinev1.Level_LEVEL_INTERVIEW)
		f.publish(t, event.ForDepartment(event.TypeDeadlineEscalated, dept), ev)
		if i%5 == 0 {
			f.republish(t, event.ForDepartment(event.TypeDeadlineEscalated, dept), ev)
		}
	}
	eventually(t, "every escalation handled", func() bool { return f.handled(t, "coordination-meeting-deadline") == 24 })

	ms := f.meetings(t, "")
	if len(ms) != 3 {
		t.Fatalf("%d meetings, want 3 (20 entries, 8 a meeting): %+v", len(ms), ms)
	}
	seen := map[string]int{}
	var sizes []int
	for _, m := range ms {
		if m.Kind != meeting.KindJoint || !m.AutoConvened || m.WorkGroup != "yongdi" || !m.StartsAt.Equal(ms[0].StartsAt) {
			t.Errorf("meeting %s: %+v, want the 用地专班's joint meetings of one day", m.ID, m)
		}
		if strings.Join(m.Attendees, ",") != "zrzy,fgw" {
			t.Errorf("meeting %s invites %v, want each department once", m.ID, m.Attendees)
		}
		sizes = append(sizes, len(m.Agenda))
		for _, e := range m.Agenda {
			seen[strings.TrimPrefix(e.CandidateID, "interview:")]++
		}
	}
	slices.Sort(sizes)
	if fmt.Sprint(sizes) != "[4 8 8]" {
		t.Errorf("agenda sizes %v, want [4 8 8]", sizes)
	}
	for _, ref := range refs {
		if seen[ref] != 1 {
			t.Errorf("escalation %s is on %d agendas, want 1", ref, seen[ref])
		}
	}
	if open := f.candidates(t, "open"); len(open) != 0 {
		t.Errorf("%d candidates left open", len(open))
	}
}
