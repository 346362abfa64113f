package notification

import (
	"strings"
	"testing"
	"time"
)

// The department hears of a confirmation and of a reopening, not of the
// done it reported itself; a change without ids is refused for good.
func TestActionChangedNotice(t *testing.T) {
	tpl, err := LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	c := ActionChange{EventID: "e", ActionID: "a", MeetingID: "m", Department: "zrzy", Description: "出具预审意见",
		DueAt: time.Date(2026, 12, 9, 16, 0, 0, 0, time.UTC), Actor: "会议秘书"}
	for _, tt := range []struct {
		change, want string
		told         bool
	}{{"done", "", false}, {"confirm", "已由会议秘书确认办结", true}, {"reopen", "被退回重办", true}} {
		c.Change = tt.change
		n, ok := ActionChangedNotice(c, testNames)
		if ok != tt.told {
			t.Fatalf("%s: told %v, want %v", tt.change, ok, tt.told)
		}
		if !ok {
			continue
		}
		if len(n.To) != 1 || n.To[0].Recipient != "dept:zrzy" {
			t.Errorf("%s: to %+v", tt.change, n.To)
		}
		_, body, err := tpl.Render(n.Template, n.For(n.To[0]))
		if err != nil || !strings.Contains(body, tt.want) {
			t.Errorf("%s: body %q (%v), want %q in it", tt.change, body, err, tt.want)
		}
	}
	if err := (ActionChange{EventID: "e", Department: "zrzy"}).Validate(); err == nil {
		t.Error("a change without an action id validated")
	}
}
