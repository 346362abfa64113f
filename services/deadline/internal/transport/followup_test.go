package transport

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/event"
	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// followUpEvents reads the follow-up clocks' events from now on, with their
// subjects.
func followUpEvents(t *testing.T, js jetstream.JetStream) func() (string, *deadlinev1.DeadlineEvent) {
	t.Helper()
	from := time.Now()
	var subjects []string
	for _, ty := range []string{event.TypeSupplementWarning, event.TypeSupplementMissed, event.TypeCheckWarning, event.TypeCheckDue} {
		subjects = append(subjects, event.AllDepartments(ty))
	}
	c, err := js.OrderedConsumer(context.Background(), bus.EventsStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: subjects, DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &from})
	if err != nil {
		t.Fatal(err)
	}
	return func() (string, *deadlinev1.DeadlineEvent) {
		t.Helper()
		m, err := c.Next(jetstream.FetchMaxWait(15 * time.Second))
		if err != nil {
			t.Fatalf("no follow-up event: %v", err)
		}
		env, err := event.Decode(m.Data())
		if err != nil {
			t.Fatal(err)
		}
		var ev deadlinev1.DeadlineEvent
		if err := event.Payload(env, &ev); err != nil {
			t.Fatal(err)
		}
		return m.Subject(), &ev
	}
}

// A 容缺 acceptance starts the owner's supplement clock beside the item's:
// it warns before the date the department set, reports the owner missing it
// on tuijin.deadline.supplement.missed, and climbs no further; the item's
// own clock keeps its due date and level, and neither the red list nor the
// overdue gauges charge the department with the owner's lateness.
func TestSupplementClockReportsTheOwnerAndSparesTheDepartment(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	next := followUpEvents(t, e.js)
	assigned, accepted := sh(2026, 11, 23, 9), sh(2026, 11, 23, 10)
	e.publish(event.TypeItemAssigned, "zrzy", &ledgerv1.ItemAssigned{ItemId: "p.land", ItemName: "用地预审与选址意见书",
		ProjectCode: "2026-370481-04-01-123456", ProjectName: "港口物流中心", Department: "zrzy", PromisedDays: 20,
		AssignedAt: timestamppb.New(assigned)})
	supplementDue := workday.DueAt(e.cal, accepted, 3) // end of Thu 11-26
	e.publish(event.TypeItemChanged, "zrzy", &ledgerv1.ItemChanged{ItemId: "p.land", ItemName: "用地预审与选址意见书",
		ProjectCode: "2026-370481-04-01-123456", ProjectName: "港口物流中心", Department: "zrzy",
		FromStatus: "assigned", ToStatus: "accepted", Action: "accept", ChangedAt: timestamppb.New(accepted),
		Mode: deadline.ModeRongque, SupplementDue: timestamppb.New(supplementDue), MissingMaterials: []string{"土地权属证明"}})
	eventually(t, "supplement clock started", func() bool {
		_, err := e.svc.Get(ctx, "supplement:p.land")
		return err == nil
	})
	sup, _ := e.svc.Get(ctx, "supplement:p.land")
	if sup.DueDate != "2026-11-26" || sup.State != deadline.StateRunning || sup.Title != "用地预审与选址意见书" ||
		sup.Explanation == nil || sup.Explanation.StartedBy != "容缺受理" {
		t.Fatalf("supplement clock: due %s state %s title %q explanation %+v", sup.DueDate, sup.State, sup.Title, sup.Explanation)
	}
	item, _ := e.svc.Get(ctx, "item:p.land")
	itemDue := item.DueDate

	// Wed 11-25: two working days left, the warning.
	e.clock.Set(sh(2026, 11, 25, 9))
	e.fireDue()
	subject, ev := next()
	if subject != "tuijin.deadline.supplement.warning.zrzy" || ev.GetKind() != "supplement" || ev.GetRefId() != "p.land" ||
		ev.GetDueDate() != "2026-11-26" || ev.GetProjectName() != "港口物流中心" {
		t.Fatalf("warning: %s %v", subject, ev)
	}
	// Tue 12-08, days past the date: missed, reported once, and no ladder.
	e.clock.Set(sh(2026, 12, 8, 9))
	e.fireDue()
	subject, ev = next()
	if subject != "tuijin.deadline.supplement.missed.zrzy" || ev.GetLevel() != deadlinev1.Level_LEVEL_RED {
		t.Fatalf("missed: %s %v", subject, ev)
	}
	sup, _ = e.svc.Get(ctx, "supplement:p.land")
	if sup.Level != deadline.LevelRed || sup.NextLevel != "" {
		t.Errorf("missed supplement at %s, next %q: want red and nothing after", sup.Level, sup.NextLevel)
	}
	item, _ = e.svc.Get(ctx, "item:p.land")
	if item.DueDate != itemDue || item.Level.Overdue() {
		t.Errorf("the item's clock moved: due %s (was %s) level %s", item.DueDate, itemDue, item.Level)
	}
	code, body := e.get(testenv.Clerk("zrzy"), "/v1/deadlines?department=zrzy&level=red")
	if code != 200 || body["count"].(float64) != 0 {
		t.Errorf("zrzy's red list holds the owner's lateness: %d %v", code, body)
	}
	want := `
# HELP tuijin_deadline_overdue_items Overdue deadlines that are not decided, by department and escalation level (red, urge, supervise, interview, escalate).
# TYPE tuijin_deadline_overdue_items gauge
tuijin_deadline_overdue_items{department="sthj",level="escalate"} 0
tuijin_deadline_overdue_items{department="sthj",level="interview"} 0
tuijin_deadline_overdue_items{department="sthj",level="red"} 0
tuijin_deadline_overdue_items{department="sthj",level="supervise"} 0
tuijin_deadline_overdue_items{department="sthj",level="urge"} 0
tuijin_deadline_overdue_items{department="zrzy",level="escalate"} 0
tuijin_deadline_overdue_items{department="zrzy",level="interview"} 0
tuijin_deadline_overdue_items{department="zrzy",level="red"} 0
tuijin_deadline_overdue_items{department="zrzy",level="supervise"} 0
tuijin_deadline_overdue_items{department="zrzy",level="urge"} 0
`
	if err := testutil.GatherAndCompare(e.reg, strings.NewReader(want), "tuijin_deadline_overdue_items"); err != nil {
		t.Error(err)
	}
	// The materials arrive late: the clock stops, as received.
	e.publish(event.TypeItemChanged, "zrzy", &ledgerv1.ItemChanged{ItemId: "p.land", Department: "zrzy",
		FromStatus: "accepted", ToStatus: "accepted", Action: "supplement_received", Mode: deadline.ModeRongque,
		SupplementDue: timestamppb.New(supplementDue), ChangedAt: timestamppb.New(sh(2026, 12, 8, 10))})
	eventually(t, "supplement clock stopped", func() bool {
		d, _ := e.svc.Get(ctx, "supplement:p.land")
		return d.State == deadline.StateStopped && d.Outcome == "received"
	})
}

// A 告知承诺 approval starts the check clock: it warns before the check
// date, the check recorded (verify) stops it, and nothing falls due after.
// Another approval's check, never recorded, falls due on
// tuijin.deadline.check.due.
func TestCheckClockWarnsAndStopsWhenTheCheckIsRecorded(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	next := followUpEvents(t, e.js)
	approved := sh(2026, 11, 23, 10)
	checkDue := workday.DueAt(e.cal, approved, 5) // end of Mon 11-30
	for _, id := range []string{"p.eia", "q.eia"} {
		e.publish(event.TypeItemAssigned, "sthj", &ledgerv1.ItemAssigned{ItemId: id, Department: "sthj",
			PromisedDays: 15, AssignedAt: timestamppb.New(sh(2026, 11, 2, 9))})
		e.publish(event.TypeItemChanged, "sthj", &ledgerv1.ItemChanged{ItemId: id, ItemName: "环境影响评价审批（环评）",
			ProjectCode: "2026-370481-04-01-123456", Department: "sthj", FromStatus: "accepted", ToStatus: "approved",
			Action: "approve", Mode: deadline.ModeGaozhi, CheckDue: timestamppb.New(checkDue),
			ChangedAt: timestamppb.New(approved)})
	}
	eventually(t, "check clocks started", func() bool {
		_, err1 := e.svc.Get(ctx, "check:p.eia")
		_, err2 := e.svc.Get(ctx, "check:q.eia")
		return err1 == nil && err2 == nil
	})
	if d, _ := e.svc.Get(ctx, "check:p.eia"); d.DueDate != "2026-11-30" || d.Kind != deadline.KindCheck {
		t.Fatalf("check clock: kind %s due %s", d.Kind, d.DueDate)
	}
	e.clock.Set(sh(2026, 11, 27, 9)) // Fri: the last two working days are Fri and Mon
	e.fireDue()
	for range 2 {
		if subject, ev := next(); subject != "tuijin.deadline.check.warning.sthj" || ev.GetKind() != "check" {
			t.Fatalf("warning: %s %v", subject, ev)
		}
	}
	e.publish(event.TypeItemChanged, "sthj", &ledgerv1.ItemChanged{ItemId: "p.eia", Department: "sthj",
		FromStatus: "approved", ToStatus: "approved", Action: "verify", Mode: deadline.ModeGaozhi,
		CheckDue: timestamppb.New(checkDue), CheckResult: "passed", ChangedAt: timestamppb.New(sh(2026, 11, 27, 10))})
	eventually(t, "check recorded stops the clock", func() bool {
		d, _ := e.svc.Get(ctx, "check:p.eia")
		return d.State == deadline.StateStopped && d.Outcome == "passed"
	})
	e.clock.Set(sh(2026, 12, 2, 9))
	e.fireDue()
	subject, ev := next()
	if subject != "tuijin.deadline.check.due.sthj" || ev.GetRefId() != "q.eia" {
		t.Fatalf("due: %s %v, want q.eia's only", subject, ev)
	}
	if d, _ := e.svc.Get(ctx, "check:p.eia"); d.Level != deadline.LevelYellow {
		t.Errorf("the recorded check climbed to %s", d.Level)
	}
}

// A follow-up the ledger could not have set (a due date before the change,
// or years away) is refused, dead-lettered, and starts no clock; the item
// change itself is still applied.
func TestFollowUpOutOfRangeStartsNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	at := sh(2026, 11, 23, 10)
	e.publish(event.TypeItemAssigned, "zrzy", &ledgerv1.ItemAssigned{ItemId: "p.bad", Department: "zrzy",
		PromisedDays: 5, AssignedAt: timestamppb.New(sh(2026, 11, 23, 9))})
	e.publish(event.TypeItemChanged, "zrzy", &ledgerv1.ItemChanged{ItemId: "p.bad", Department: "zrzy",
		FromStatus: "assigned", ToStatus: "accepted", Action: "accept", Mode: deadline.ModeRongque,
		SupplementDue: timestamppb.New(at.Add(-48 * time.Hour)), ChangedAt: timestamppb.New(at)})
	eventually(t, "acceptance applied", func() bool {
		d, err := e.svc.Get(ctx, "item:p.bad")
		return err == nil && !d.AcceptedAt.IsZero()
	})
	eventually(t, "refused change dead-lettered", func() bool {
		return testenv.StreamCount(t, e.js, bus.DeadLetterStream, bus.DeadLetterPrefix+ItemChangedConsumer.Durable) == 1
	})
	if _, err := e.svc.Get(ctx, "supplement:p.bad"); err == nil {
		t.Error("a supplement clock due before it started was created")
	}
}
