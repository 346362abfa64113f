package ledger

import (
	"strings"
	"testing"

	"github.com/tuijin/tuijin/pkg/workday"
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
