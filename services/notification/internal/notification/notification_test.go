package notification

import (
	"strings"
	"testing"

	"github.com/tuijin/tuijin/pkg/testenv"
)

func TestAssignmentValidate(t *testing.T) {
	ok := Assignment{EventID: "e1", ItemID: "i1", ProjectCode: "2024-370481-04-01-123456", Department: "zrzy"}
	tests := []struct {
		name  string
		edit  func(*Assignment)
		field string
	}{
		{name: "valid", edit: func(*Assignment) {}},
		{name: "no event id", edit: func(a *Assignment) { a.EventID = "" }, field: "event_id"},
		{name: "no item", edit: func(a *Assignment) { a.ItemID = "" }, field: "item_id"},
		{name: "no project", edit: func(a *Assignment) { a.ProjectCode = "" }, field: "project_code"},
		{name: "no department", edit: func(a *Assignment) { a.Department = "" }, field: "department"},
		{name: "department not a code", edit: func(a *Assignment) { a.Department = "自然资源局" }, field: "department"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ok
			tt.edit(&a)
			err := a.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			assertInvalid(t, err, tt.field)
		})
	}
}

func TestAssignedNoticeRenders(t *testing.T) {
	tpl, err := LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	base := Assignment{EventID: "e1", ItemID: "2024-370481-04-01-123456.yongdi-yushen", ItemType: "yongdi-yushen",
		ItemName: "用地预审与选址意见书", ProjectCode: "2024-370481-04-01-123456", ProjectName: "城北物流园",
		Department: "zrzy", PromisedDays: 10}
	names := Names{Department: func(code string) (string, bool) { return "自然资源和规划局", code == "zrzy" }}
	tests := []struct {
		name     string
		edit     func(*Assignment)
		names    Names
		title    string
		contains []string
		lacks    []string
	}{
		{name: "promised days", names: names, edit: func(*Assignment) {},
			title:    "新办理事项：城北物流园 · 用地预审与选址意见书",
			contains: []string{"自然资源和规划局", "2024-370481-04-01-123456", "“用地预审与选址意见书”", "承诺时限：10 个工作日"},
			lacks:    []string{"绿色通道", "即办件", "<no value>"}},
		{name: "immediate", names: names, edit: func(a *Assignment) { a.Immediate = true; a.PromisedDays = 0 },
			title: "新办理事项：城北物流园 · 用地预审与选址意见书", contains: []string{"即办件"}, lacks: []string{"工作日"}},
		{name: "green channel", names: names, edit: func(a *Assignment) { a.GreenChannel = true },
			title: "新办理事项：城北物流园 · 用地预审与选址意见书", contains: []string{"【绿色通道】", "10 个工作日"}},
		{name: "names missing fall back to codes", edit: func(a *Assignment) { a.ProjectName = ""; a.ItemName = "" },
			title: "新办理事项：2024-370481-04-01-123456 · yongdi-yushen", contains: []string{"zrzy："}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := base
			tt.edit(&a)
			n := AssignedNotice(a, tt.names)
			if err := n.Validate(); err != nil {
				t.Fatal(err)
			}
			if len(n.To) != 1 || n.To[0].Recipient != "dept:zrzy" || n.EventID != "e1" || n.ItemID != a.ItemID {
				t.Fatalf("notice %+v", n)
			}
			title, body, err := tpl.Render(n.Template, n.For(n.To[0]))
			if err != nil {
				t.Fatal(err)
			}
			if title != tt.title {
				t.Errorf("title %q, want %q", title, tt.title)
			}
			for _, s := range tt.contains {
				if !strings.Contains(body, s) {
					t.Errorf("body %q lacks %q", body, s)
				}
			}
			for _, s := range tt.lacks {
				if strings.Contains(body, s) {
					t.Errorf("body %q has %q", body, s)
				}
			}
		})
	}
}

func TestEntryIDIsDeterministicAndDistinct(t *testing.T) {
	id := EntryID("e1", "dept:zrzy", ChannelInbox)
	if id != EntryID("e1", "dept:zrzy", ChannelInbox) {
		t.Fatal("same inputs gave different ids")
	}
	for _, other := range []string{
		EntryID("e2", "dept:zrzy", ChannelInbox),
		EntryID("e1", "dept:fgw", ChannelInbox),
		EntryID("e1", "dept:zrzy", "email"),
		EntryID("e1dept:zrzy", "", ChannelInbox),
	} {
		if other == id {
			t.Fatalf("different inputs share id %s", id)
		}
	}
}

func assertInvalid(t *testing.T, err error, field string) {
	t.Helper()
	testenv.Invalid(t, err, field)
}
