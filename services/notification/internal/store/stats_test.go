package store

import (
	"context"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

// TestItemStatsFollowRounds plays an item through a rejection, an overdue
// second round and a withdrawal, and another through a resubmission, and
// reads back what the weekly bulletin sees.
func TestItemStatsFollowRounds(t *testing.T) {
	ctx := context.Background()
	st := New(testenv.Mongo(t).Database("tuijin_notification_test"))
	t0 := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.TrackAssigned(ctx, notification.ItemStat{ItemID: "p.a", Department: "zrzy", AssignedAt: t0}))
	must(st.TrackFinished(ctx, "p.a", "zrzy", t0.Add(time.Hour))) // rejected
	must(st.TrackReopened(ctx, "p.a", "zrzy"))                    // applied again
	must(st.TrackOverdue(ctx, "p.a", "zrzy"))
	must(st.TrackWithdrawn(ctx, "p.a", "zrzy"))

	must(st.TrackAssigned(ctx, notification.ItemStat{ItemID: "p.b", Department: "fgw", AssignedAt: t0}))
	must(st.TrackOverdue(ctx, "p.b", "fgw"))
	must(st.TrackFinished(ctx, "p.b", "fgw", t0.Add(2*time.Hour)))
	must(st.TrackReopened(ctx, "p.b", "fgw"))

	stats, err := st.ItemStats(ctx)
	must(err)
	got := map[string]notification.ItemStat{}
	for _, s := range stats {
		got[s.ItemID] = s
	}
	if a := got["p.a"]; !a.Withdrawn || a.CompletedAt != nil || !a.Overdue || !a.AssignedAt.Equal(t0) {
		t.Errorf("p.a: %+v, want withdrawn in its second round, overdue, not completed", a)
	}
	if b := got["p.b"]; b.Withdrawn || b.CompletedAt != nil || b.Overdue || b.Department != "fgw" {
		t.Errorf("p.b: %+v, want a fresh round: open, not overdue", b)
	}
}
