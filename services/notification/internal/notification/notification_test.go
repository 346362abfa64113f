package notification

import (
	"strings"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
)

func TestParseInboxQuery(t *testing.T) {
	tests := []struct {
		name                     string
		recipient, unread, limit string
		want                     InboxQuery
		field                    string // the field named by the error, "" for success
	}{
		{name: "defaults", recipient: "dept:zrzy", want: InboxQuery{Recipient: "dept:zrzy", Limit: DefaultLimit}},
		{name: "unread and limit", recipient: " dept:zrzy ", unread: "true", limit: "10",
			want: InboxQuery{Recipient: "dept:zrzy", UnreadOnly: true, Limit: 10}},
		{name: "unread false", recipient: "dept:fgw", unread: "false", limit: "200",
			want: InboxQuery{Recipient: "dept:fgw", Limit: 200}},
		{name: "missing recipient", field: "recipient"},
		{name: "blank recipient", recipient: "  ", field: "recipient"},
		{name: "no kind", recipient: "zrzy", field: "recipient"},
		{name: "unknown kind", recipient: "user:zrzy", field: "recipient"},
		{name: "upper case code", recipient: "dept:ZRZY", field: "recipient"},
		{name: "code too long", recipient: "dept:abcdefghijklmnopq", field: "recipient"},
		{name: "bad unread", recipient: "dept:zrzy", unread: "yes", field: "unread"},
		{name: "limit not a number", recipient: "dept:zrzy", limit: "ten", field: "limit"},
		{name: "limit zero", recipient: "dept:zrzy", limit: "0", field: "limit"},
		{name: "limit negative", recipient: "dept:zrzy", limit: "-1", field: "limit"},
		{name: "limit too large", recipient: "dept:zrzy", limit: "201", field: "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseInboxQuery(tt.recipient, tt.unread, tt.limit)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if got != tt.want {
					t.Fatalf("got %+v, want %+v", got, tt.want)
				}
				return
			}
			assertInvalid(t, err, tt.field)
		})
	}
}

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

func TestAssignedEntry(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 30, 0, 123456789, time.FixedZone("CST", 8*3600))
	base := Assignment{EventID: "e1", ItemID: "2024-370481-04-01-123456.yongdi-yushen", ItemType: "yongdi-yushen",
		ItemName: "用地预审与选址意见书", ProjectCode: "2024-370481-04-01-123456", ProjectName: "城北物流园",
		Department: "zrzy", PromisedDays: 10}
	tests := []struct {
		name      string
		edit      func(*Assignment)
		deptName  string
		title     string
		contains  []string
		lacks     []string
		greenFlag bool
	}{
		{name: "promised days", deptName: "自然资源和规划局", edit: func(*Assignment) {},
			title:    "新办理事项：城北物流园 · 用地预审与选址意见书",
			contains: []string{"自然资源和规划局", "2024-370481-04-01-123456", "“用地预审与选址意见书”", "承诺时限：10 个工作日"},
			lacks:    []string{"绿色通道", "即办件"}},
		{name: "immediate", deptName: "自然资源和规划局", edit: func(a *Assignment) { a.Immediate = true; a.PromisedDays = 0 },
			title: "新办理事项：城北物流园 · 用地预审与选址意见书", contains: []string{"即办件"}, lacks: []string{"工作日"}},
		{name: "green channel", deptName: "自然资源和规划局", edit: func(a *Assignment) { a.GreenChannel = true },
			title: "新办理事项：城北物流园 · 用地预审与选址意见书", contains: []string{"【绿色通道】", "10 个工作日"}, greenFlag: true},
		{name: "names missing fall back to codes", deptName: "", edit: func(a *Assignment) { a.ProjectName = ""; a.ItemName = "" },
			title: "新办理事项：2024-370481-04-01-123456 · yongdi-yushen", contains: []string{"zrzy："}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := base
			tt.edit(&a)
			e := AssignedEntry(a, tt.deptName, now)
			if e.Title != tt.title {
				t.Errorf("title %q, want %q", e.Title, tt.title)
			}
			for _, s := range tt.contains {
				if !strings.Contains(e.Body, s) {
					t.Errorf("body %q lacks %q", e.Body, s)
				}
			}
			for _, s := range tt.lacks {
				if strings.Contains(e.Body, s) {
					t.Errorf("body %q has %q", e.Body, s)
				}
			}
			if e.Recipient != "dept:zrzy" || e.Channel != ChannelInbox || e.Read || e.GreenChannel != tt.greenFlag {
				t.Errorf("entry %+v", e)
			}
			if e.ProjectCode != a.ProjectCode || e.ItemID != a.ItemID || e.EventID != "e1" {
				t.Errorf("links %+v", e)
			}
			if e.ID != EntryID("e1", "dept:zrzy", ChannelInbox) {
				t.Errorf("id %s is not derived from the event", e.ID)
			}
			if want := time.Date(2026, 3, 2, 1, 30, 0, 123000000, time.UTC); !e.CreatedAt.Equal(want) || e.CreatedAt.Location() != time.UTC {
				t.Errorf("created_at %v, want %v in UTC at millisecond precision", e.CreatedAt, want)
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
	e, ok := apperr.As(err)
	if !ok {
		t.Fatalf("error %v is not an apperr.Error", err)
	}
	if e.Kind != apperr.KindInvalid || e.Field != field {
		t.Fatalf("got kind %v field %q, want invalid %q (%v)", e.Kind, e.Field, field, err)
	}
}
