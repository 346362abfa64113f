package transport

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/event"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	meetingv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/meeting/v1"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// The consumers apply the ledger's events in order: the assignment starts
// the clock, acceptance re-bases it, a supplement pauses it, its receipt
// resumes it with the extension, approval stops it. A change that arrives
// before its assignment is retried until the assignment is applied.
func TestConsumersDriveTheLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// The change first: it waits for the assignment.
	e.change("p1.eia", "sthj", "assigned", "accepted", "accept", sh(2026, 11, 24, 9))
	e.publish(event.TypeItemAssigned, "sthj", &ledgerv1.ItemAssigned{ItemId: "p1.eia", ItemName: "环评",
		ProjectCode: "P1", Department: "sthj", PromisedDays: 5, AssignedAt: timestamppb.New(sh(2026, 11, 23, 9))})
	eventually(t, "acceptance applied", func() bool {
		d, err := e.svc.Get(ctx, "item:p1.eia")
		return err == nil && !d.AcceptedAt.IsZero()
	})
	d, _ := e.svc.Get(ctx, "item:p1.eia")
	if d.DueDate != "2026-12-01" || d.Title != "环评" {
		t.Fatalf("after accept: due %s title %q", d.DueDate, d.Title)
	}
	e.change("p1.eia", "sthj", "accepted", "supplement", "request_supplement", sh(2026, 11, 25, 10))
	eventually(t, "pause", func() bool { d, _ := e.svc.Get(ctx, "item:p1.eia"); return d.State == deadline.StatePaused })
	e.change("p1.eia", "sthj", "supplement", "accepted", "supplement_received", sh(2026, 12, 2, 9))
	eventually(t, "resume", func() bool { d, _ := e.svc.Get(ctx, "item:p1.eia"); return d.State == deadline.StateRunning })
	d, _ = e.svc.Get(ctx, "item:p1.eia")
	if d.PausedDays != 5 || d.DueDate != "2026-12-08" {
		t.Fatalf("after resume: paused %d due %s", d.PausedDays, d.DueDate)
	}
	// A redelivered older event changes nothing.
	e.change("p1.eia", "sthj", "accepted", "supplement", "request_supplement", sh(2026, 11, 25, 10))
	e.change("p1.eia", "sthj", "accepted", "approved", "approve", sh(2026, 12, 3, 9))
	eventually(t, "stop", func() bool { d, _ := e.svc.Get(ctx, "item:p1.eia"); return d.State == deadline.StateStopped })
	d, _ = e.svc.Get(ctx, "item:p1.eia")
	if d.PausedDays != 5 || d.Outcome != "approved" {
		t.Errorf("after approval: paused %d outcome %s", d.PausedDays, d.Outcome)
	}
}

// The API lists yellow and red items per department, and the level gauges
// count them exactly from the database.
func TestListsAndGaugesFollowTheLadder(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, it := range []struct {
		id, dept string
		days     int
	}{{"a.1", "sthj", 3}, {"a.2", "sthj", 10}, {"a.3", "zrzy", 3}, {"a.4", "zrzy", 3}} {
		if _, err := e.svc.StartItem(ctx, deadline.ItemAssignment{ItemID: it.id, Department: it.dept,
			AssignedAt: sh(2026, 11, 23, 9), PromisedDays: it.days}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.ChangeItem(ctx, "a.4", deadline.Change{Kind: deadline.ChangeStop, At: sh(2026, 11, 23, 10), Outcome: "approved"}); err != nil {
		t.Fatal(err)
	}
	// Thu 26 Nov: the 3-day items (due end of Thu) are past yellow; then red.
	e.clock.Set(sh(2026, 11, 27, 1))
	e.fireDue()
	code, body := e.get(testenv.Clerk("sthj"), "/v1/deadlines?department=sthj&level=red")
	if code != 200 || body["count"].(float64) != 1 {
		t.Fatalf("red sthj: %d %v", code, body)
	}
	if ds := body["deadlines"].([]any); ds[0].(map[string]any)["id"] != "item:a.1" {
		t.Errorf("red sthj lists %v", ds)
	}
	_, body = e.get(testenv.AsSupervisor, "/v1/deadlines?level=red")
	if body["count"].(float64) != 2 {
		t.Errorf("red everywhere: %v", body["count"])
	}
	_, body = e.get(testenv.Leader("sthj"), "/v1/deadlines?department=sthj&level=green")
	if body["count"].(float64) != 1 {
		t.Errorf("green sthj: %v", body["count"])
	}
	want := `
# HELP tuijin_deadline_overdue_items Overdue deadlines that are not decided, by department and escalation level (red, urge, supervise, interview, escalate).
# TYPE tuijin_deadline_overdue_items gauge
tuijin_deadline_overdue_items{department="sthj",level="escalate"} 0
tuijin_deadline_overdue_items{department="sthj",level="interview"} 0
tuijin_deadline_overdue_items{department="sthj",level="red"} 1
tuijin_deadline_overdue_items{department="sthj",level="supervise"} 0
tuijin_deadline_overdue_items{department="sthj",level="urge"} 0
tuijin_deadline_overdue_items{department="zrzy",level="escalate"} 0
tuijin_deadline_overdue_items{department="zrzy",level="interview"} 0
tuijin_deadline_overdue_items{department="zrzy",level="red"} 1
tuijin_deadline_overdue_items{department="zrzy",level="supervise"} 0
tuijin_deadline_overdue_items{department="zrzy",level="urge"} 0
# HELP tuijin_deadline_yellow_items Deadlines at yellow (few working days left), by department.
# TYPE tuijin_deadline_yellow_items gauge
tuijin_deadline_yellow_items{department="sthj"} 0
tuijin_deadline_yellow_items{department="zrzy"} 0
`
	if err := testutil.GatherAndCompare(e.reg, strings.NewReader(want),
		"tuijin_deadline_overdue_items", "tuijin_deadline_yellow_items"); err != nil {
		t.Error(err)
	}
	// Two 3-day items went yellow and then red; every other step has its
	// zero series from the start.
	emitted := `
# HELP tuijin_deadline_steps_emitted_total Ladder steps emitted (warning, overdue, escalated events), by level.
# TYPE tuijin_deadline_steps_emitted_total counter
tuijin_deadline_steps_emitted_total{level="escalate"} 0
tuijin_deadline_steps_emitted_total{level="interview"} 0
tuijin_deadline_steps_emitted_total{level="red"} 2
tuijin_deadline_steps_emitted_total{level="supervise"} 0
tuijin_deadline_steps_emitted_total{level="urge"} 0
tuijin_deadline_steps_emitted_total{level="yellow"} 2
`
	if err := testutil.GatherAndCompare(e.reg, strings.NewReader(emitted), "tuijin_deadline_steps_emitted_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(e.reg, "tuijin_deadline_firing_lag_seconds"); n != 6 {
		t.Errorf("lag histogram series %d, want one per step of the ladder", n)
	}
	// Approving the red item takes it off the gauge at once.
	if _, err := e.svc.ChangeItem(ctx, "a.3", deadline.Change{Kind: deadline.ChangeStop, At: sh(2026, 11, 27, 9), Outcome: "approved"}); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(gaugeOf(t, e.reg, "zrzy", "red")); got != 0 {
		t.Errorf("zrzy red after approval = %v", got)
	}
}

func gaugeOf(t *testing.T, reg *prometheus.Registry, dept, level string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "x"})
	for _, mf := range mfs {
		if mf.GetName() != "tuijin_deadline_overdue_items" {
			continue
		}
		for _, m := range mf.GetMetric() {
			var d, l string
			for _, lp := range m.GetLabel() {
				switch lp.GetName() {
				case "department":
					d = lp.GetValue()
				case "level":
					l = lp.GetValue()
				}
			}
			if d == dept && l == level {
				g.Set(m.GetGauge().GetValue())
			}
		}
	}
	return g
}

func TestBadInputIsRejectedWithTheContractShape(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		path  string
		code  int
		field string
	}{
		{"/v1/deadlines?level=purple", 422, "level"},
		{"/v1/deadlines/item:nope", 404, ""},
		{"/v1/calendar/workdays?from=2026-13-01&to=2026-12-01", 422, "from"},
		{"/v1/calendar/workdays?from=2026-12-01", 422, "to"},
		{"/v1/calendar/workdays?from=2026-12-01&to=2026-11-01", 422, "to"},
		{"/v1/calendar/workdays?from=2000-01-01&to=2030-01-01", 422, "to"},
		{"/v1/calendar/add?date=2026-10-01&days=x", 422, "days"},
		{"/v1/calendar/add?date=2026-10-01&days=-4000", 422, "days"},
		{"/v1/calendar/add?date=yesterday&days=1", 422, "date"},
	}
	for _, tt := range tests {
		code, body := e.get(testenv.AsSupervisor, tt.path)
		errObj, ok := body["error"].(map[string]any)
		if code != tt.code || !ok || errObj["code"] == "" || errObj["message"] == "" {
			t.Errorf("%s: %d %v", tt.path, code, body)
			continue
		}
		if tt.field != "" && errObj["field"] != tt.field {
			t.Errorf("%s: field %v, want %s", tt.path, errObj["field"], tt.field)
		}
	}
}

func TestCalendarEndpointsUseTheOfficialCalendar(t *testing.T) {
	e := newEnv(t)
	code, body := e.get(testenv.Officer("wangfang"), "/v1/calendar/workdays?from=2026-09-28&to=2026-10-12")
	// 28 29 30 Sep, 8 9 Oct, the make-up Saturday 10 Oct.
	if code != 200 || body["working_days"].(float64) != 6 {
		t.Errorf("workdays over National Day: %d %v", code, body)
	}
	code, body = e.get(testenv.OwnerOf("zhineng"), "/v1/calendar/add?date=2026-02-13&days=2")
	if code != 200 || body["result"] != "2026-02-24" {
		t.Errorf("add over Spring Festival: %d %v", code, body)
	}
	code, body = e.get(testenv.Clerk("zjj"), "/v1/calendar/add?date=2026-10-08&days=-1")
	if code != 200 || body["result"] != "2026-09-30" {
		t.Errorf("subtract over National Day: %d %v", code, body)
	}
}

// A raised problem gets a clock of its own; resolving it stops the clock.
func TestProblemsRunAClockUntilResolved(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.publish(event.TypeProblemRaised, "rfb", &ledgerv1.ProblemRaised{ProblemId: "pb-1", ProjectCode: "P1",
		Department: "rfb", Title: "人防易地建设费核定", RaisedAt: timestamppb.New(sh(2026, 11, 23, 9))})
	eventually(t, "problem clock", func() bool { _, err := e.svc.Get(ctx, "problem:pb-1"); return err == nil })
	d, _ := e.svc.Get(ctx, "problem:pb-1")
	if d.Kind != "problem" || d.DueDate != "2026-11-30" || d.State != deadline.StateRunning {
		t.Fatalf("problem deadline %+v", d)
	}
	e.publish(event.TypeProblemChanged, "rfb", &ledgerv1.ProblemChanged{ProblemId: "pb-1", Department: "rfb",
		Status: "in_progress", ChangedAt: timestamppb.New(sh(2026, 11, 24, 9))})
	e.publish(event.TypeProblemChanged, "rfb", &ledgerv1.ProblemChanged{ProblemId: "pb-1", Department: "rfb",
		Status: "resolved", ChangedAt: timestamppb.New(sh(2026, 11, 25, 9))})
	eventually(t, "problem resolved", func() bool {
		d, _ := e.svc.Get(ctx, "problem:pb-1")
		return d.State == deadline.StateStopped
	})
}

// A meeting's action item is due on the date the meeting set.
func TestActionItemsRunAClock(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.publish(event.TypeActionCreated, "zjj", &meetingv1.ActionCreated{ActionId: "act-1", MeetingId: "m-1",
		ProjectCode: "P1", Department: "zjj", Description: "三日内完成施工图审查",
		DueAt: timestamppb.New(sh(2026, 11, 28, 18))})
	eventually(t, "action clock", func() bool { _, err := e.svc.Get(ctx, "action:act-1"); return err == nil })
	d, _ := e.svc.Get(ctx, "action:act-1")
	if d.Kind != "action" || d.DueDate != "2026-11-30" || d.Department != "zjj" {
		t.Fatalf("action deadline %+v", d)
	}
}
