package transport

import (
	"context"
	"encoding/json"
	"testing"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/event"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// GET /v1/deadlines/{id} explains its due date: over the real bus and
// store, a 补正 around 国庆 is kept as a pause with its reason and working
// days, and the answer names the days off, the make-up Saturday and the
// pause, and says it in one sentence.
func TestDeadlineAnswerExplainsItsDueDate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.publish(event.TypeItemAssigned, "sthj", &ledgerv1.ItemAssigned{ItemId: "p9.eia", ItemName: "环评",
		ProjectCode: "P9", Department: "sthj", PromisedDays: 5, AssignedAt: timestamppb.New(sh(2026, 9, 24, 10))})
	// The changes come on another consumer than the assignment: one that
	// arrives first is retried with growing delays (1 s, 5 s, 15 s …), and a
	// later change would overtake it. The ledger publishes them in this
	// order; the test lets the assignment land first, as it does there.
	eventually(t, "the assignment", func() bool {
		_, err := e.svc.Get(ctx, "item:p9.eia")
		return err == nil
	})
	e.change("p9.eia", "sthj", "assigned", "accepted", "accept", sh(2026, 9, 28, 9))
	e.change("p9.eia", "sthj", "accepted", "supplement", "request_supplement", sh(2026, 9, 29, 10))
	e.change("p9.eia", "sthj", "supplement", "accepted", "supplement_received", sh(2026, 10, 9, 9))
	eventually(t, "the 补正 received", func() bool {
		d, err := e.svc.Get(ctx, "item:p9.eia")
		return err == nil && d.State == deadline.StateRunning && d.PausedDays > 0
	})
	status, body := e.get(testenv.Clerk("sthj"), "/v1/deadlines/item:p9.eia")
	if status != 200 {
		t.Fatalf("status %d: %v", status, body)
	}
	// From 09-28 (受理): 5 promised and 3 paused (09-29, 09-30, 10-08)
	// working days: 09-29, 09-30, 10-08, 10-09, 10-10 (调休), 10-12, 13, 14.
	if body["due_date"] != "2026-10-14" {
		t.Fatalf("due %v", body["due_date"])
	}
	raw, _ := json.Marshal(body["explanation"])
	var got deadline.Explanation
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	want := deadline.Explanation{Start: "2026-09-28", StartedBy: "受理", Days: 5, PausedDays: 3, CountedDays: 8,
		FirstDay: "2026-09-29", DueDate: "2026-10-14",
		DaysOff: []deadline.DaysOff{{Name: "国庆节", From: "2026-10-01", To: "2026-10-07", Days: 7},
			{Name: "周末", From: "2026-10-11", To: "2026-10-11", Days: 1}},
		MakeUpDays: []deadline.MakeUpDay{{Date: "2026-10-10", Name: "国庆节"}},
		Pauses:     []deadline.PauseNote{{Reason: "补正", From: "2026-09-29", To: "2026-10-09", WorkingDays: 3}},
		Sentence: "自2026年9月28日（受理）起算，当日不计入，计8个工作日（承诺时限5个工作日，另加暂停3个工作日）：自9月29日起，" +
			"跳过国庆节10月1日至10月7日（7天）、周末10月11日（1天），计入调休上班日10月10日（国庆节调休），" +
			"补正暂停9月29日至10月9日（不含），计3个工作日，至2026年10月14日届满。"}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("explanation\n got %s\nwant %s", gotJSON, wantJSON)
	}
	// Lists stay light: no explanation per deadline.
	_, list := e.get(testenv.Clerk("sthj"), "/v1/deadlines?department=sthj")
	for _, d := range list["deadlines"].([]any) {
		if _, ok := d.(map[string]any)["explanation"]; ok {
			t.Error("a listed deadline carries an explanation")
		}
	}
}
