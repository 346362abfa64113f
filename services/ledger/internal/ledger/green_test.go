package ledger

import (
	"strings"
	"testing"

	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/services/ledger/internal/catalog"
)

// A project on the green channel gets the catalog's green-channel limit on
// every item that allows it, and its assignment says so; other projects keep
// the normal limit.
func TestGreenChannelAssignment(t *testing.T) {
	cat, err := catalog.Demo(func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	cal := workday.Weekends{}
	for _, green := range []bool{false, true} {
		_, assigned := Open(ProjectInfo{Code: code, Name: "城北物流园", GreenChannel: green}, cat, cal, monday)
		if len(assigned) == 0 {
			t.Fatal("nothing assigned")
		}
		for _, it := range assigned {
			ct, _ := cat.Item(it.Type)
			days, note := ct.PromisedDays, ""
			if green {
				days = ct.GreenChannelDays()
				note = "绿色通道"
			}
			last := it.Timeline[len(it.Timeline)-1]
			if it.PromisedDays != days || it.GreenChannel != green || (green && it.NormalDays != ct.PromisedDays) ||
				!it.Due.Equal(workday.DueAt(cal, monday, days).UTC()) || !strings.Contains(last.Note, note) {
				t.Errorf("green %v, %s: %d days (normal %d) due %s, note %q; want %d days", green, it.Type,
					it.PromisedDays, it.NormalDays, it.Due, last.Note, days)
			}
		}
	}
}

// The export says what the item shows: the green-channel limit with the
// normal one, and a late acceptance.
func TestExportSaysGreenChannelAndLateAcceptance(t *testing.T) {
	cat, err := catalog.Demo(func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	cal := workday.Weekends{}
	p, _ := Open(ProjectInfo{Code: code, Name: "城北物流园", GreenChannel: true}, cat, cal, monday)
	id := ItemID(code, "lixiang")
	late := monday.AddDate(0, 0, 14)
	if _, err := p.Apply(id, ActionRequest{Action: ActAccept, Actor: "发改局", Version: p.Version}, cal, late); err != nil {
		t.Fatal(err)
	}
	for _, r := range ExportRows([]Project{p}, "fgw", func(c string) string { return c }) {
		if r.Item != "项目立项（审批/核准/备案）" {
			continue
		}
		if !strings.HasPrefix(r.TimeLimit, "绿色通道3个工作日（常规5个）") || !strings.Contains(r.Progress, "逾期受理") {
			t.Errorf("export row: time limit %q, progress %q", r.TimeLimit, r.Progress)
		}
		return
	}
	t.Fatal("no 立项 row")
}
