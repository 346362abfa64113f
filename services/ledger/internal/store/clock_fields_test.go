package store

import (
	"context"
	"testing"

	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/services/ledger/internal/catalog"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// What the clock rules add to an item survives the real server: the
// green-channel limit and its normal days, a late acceptance (item and
// timeline) and a timely one.
func TestClockFieldsRoundTrip(t *testing.T) {
	ctx := context.Background()
	st, _, _, _ := newStore(t)
	cat, err := catalog.Demo(func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	cal := workday.Weekends{}
	p, _ := ledger.Open(ledger.ProjectInfo{Code: "2026-370481-04-01-000091", Name: "绿色通道项目", GreenChannel: true}, cat, cal, t0)
	if err := st.Create(ctx, p, nil); err != nil {
		t.Fatal(err)
	}
	for _, a := range []struct {
		key  string
		days int
	}{{"huanping", 1}, {"lixiang", 30}} {
		req := ledger.ActionRequest{Action: ledger.ActAccept, Actor: "审批科", Version: p.Version}
		ch, err := p.Apply(ledger.ItemID(p.Code, a.key), req, cal, t0.AddDate(0, 0, a.days))
		if err != nil {
			t.Fatal(err)
		}
		if ch.Item.AcceptedLate != (a.days == 30) || !ch.Item.GreenChannel {
			t.Fatalf("%s: %+v", a.key, ch.Item)
		}
		if err := st.Update(ctx, p, p.Version-1, nil); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.Project(ctx, p.Code)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := jsonOf(t, got), jsonOf(t, p); g != w {
		t.Fatalf("round trip differs:\n got %s\nwant %s", g, w)
	}
}
