package notification

import (
	"strings"
	"testing"
	"time"
)

var testNames = Names{
	Department: func(code string) (string, bool) {
		n, ok := map[string]string{"zrzy": "自然资源和规划局", "fgw": "发展和改革局"}[code]
		return n, ok
	},
	Leader: func(code string) (string, bool) { return "自然资源和规划局分管副局长", code == "zrzy" },
}

// TestEveryTemplateRenders renders each trigger's notice for each of its
// recipients: no template is missing a key or leaves one empty.
func TestEveryTemplateRenders(t *testing.T) {
	tpl, err := LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	code := "2024-370481-04-01-123456"
	tests := []struct {
		name       string
		notice     Notice
		recipients []string
		title      string
		contains   []string
	}{
		{name: "item changed", notice: ChangedNotice(ItemChange{EventID: "e", ItemID: "i", ItemType: "用地预审", ProjectCode: code,
			Department: "zrzy", FromStatus: "accepted", ToStatus: "approved", Note: "材料齐全"},
			Project{Code: code, Name: "城北物流园", OwnerPhone: "13800000000", Officer: "wang"}, "用地预审", testNames),
			recipients: []string{"owner:" + code, "officer:wang"}, title: "办理进度：城北物流园 · 用地预审（已办结（准予许可））",
			contains: []string{"由“已受理”变更为“已办结（准予许可）”", "办理意见：材料齐全", "自然资源和规划局"}},
		{name: "item changed without projection", notice: ChangedNotice(ItemChange{EventID: "e", ItemID: "i", ProjectCode: code,
			Department: "zrzy", FromStatus: "x", ToStatus: "y"}, Project{}, "", testNames),
			recipients: []string{"owner:" + code}, title: "办理进度：" + code + " · i（y）", contains: []string{"由“x”变更为“y”"}},
		{name: "request received", notice: RequestNotice(RequestAck{EventID: "e", RequestID: "r1", ProjectCode: code,
			Title: "施工许可咨询", Contact: "张经理", Phone: "13800000000"}),
			recipients: []string{"owner:" + code}, title: "服务申请已受理：施工许可咨询",
			contains: []string{"张经理，您好", "编号 r1", "一次性告知"}},
		{name: "request from a landline", notice: RequestNotice(RequestAck{EventID: "e", RequestID: "r2", ProjectCode: code,
			Title: "施工许可咨询", Contact: "张经理", Phone: "(0535)7654321"}),
			recipients: []string{"owner:" + code}, title: "服务申请已受理：施工许可咨询",
			contains: []string{"编号 r2", "0535-7654321 是固定电话，无法接收短信"}},
		{name: "warning", notice: DeadlineNotice(DeadlineAlert{EventID: "e", EventType: "tuijin.deadline.warning", Kind: "item",
			RefID: "i1", ProjectCode: code, Department: "zrzy", Level: LevelYellow, DueAt: due}, testNames, "", ""),
			recipients: []string{"dept:zrzy"}, title: "【黄灯预警】审批事项（i1）即将到期", contains: []string{"2026年3月2日（周一）09:00"}},
		{name: "warning naming item and project", notice: DeadlineNotice(DeadlineAlert{EventID: "e", EventType: "tuijin.deadline.warning",
			Kind: "item", RefID: "i1", ProjectCode: code, Department: "zrzy", Level: LevelYellow,
			DueAt: time.Date(2026, 12, 9, 16, 0, 0, 0, time.UTC)}, testNames, "用地预审", "港口物流中心"),
			recipients: []string{"dept:zrzy"}, title: "【黄灯预警】港口物流中心 · 用地预审即将到期",
			contains: []string{"项目「港口物流中心」（项目代码 " + code + "）的用地预审将于2026年12月9日（周三）下班前到期"}},
		{name: "overdue", notice: DeadlineNotice(DeadlineAlert{EventID: "e", EventType: "tuijin.deadline.overdue", Kind: "item",
			RefID: "i1", ProjectCode: code, Department: "zrzy", Level: LevelRed, DueAt: due}, testNames, "", ""),
			recipients: []string{"dept:zrzy"}, title: "【红灯超期】审批事项（i1）已超期", contains: []string{"超过承诺时限"}},
		{name: "urge tells the department only", notice: DeadlineNotice(DeadlineAlert{EventID: "e", EventType: "tuijin.deadline.escalated",
			Kind: "item", ProjectCode: code, Department: "zrzy", Level: LevelUrge, DueAt: due}, testNames, "", ""),
			recipients: []string{"dept:zrzy"}, title: "【催办】审批事项超期未办结", contains: []string{"1 个工作日内反馈"}},
		{name: "interview tells the leader too", notice: DeadlineNotice(DeadlineAlert{EventID: "e", EventType: "tuijin.deadline.escalated",
			Kind: "item", ProjectCode: code, Department: "zrzy", Level: LevelInterview, DueAt: due}, testNames, "", ""),
			recipients: []string{"dept:zrzy", "leader:zrzy"}, title: "【约谈】审批事项超期未办结", contains: []string{"参加约谈", "联席会议"}},
		{name: "escalate", notice: DeadlineNotice(DeadlineAlert{EventID: "e", EventType: "tuijin.deadline.escalated",
			Kind: "problem", ProjectCode: code, Department: "zrzy", Level: LevelEscalate, DueAt: due}, testNames, "", ""),
			recipients: []string{"dept:zrzy", "leader:zrzy"}, title: "【提级】问题办理超期未办结", contains: []string{"专题报告"}},
		{name: "meeting", notice: MeetingNotice(MeetingInvite{EventID: "e", MeetingID: "m", Kind: "joint", Title: "城北物流园联席会议",
			StartsAt: due, Location: "政务服务中心 301", Attendees: []string{"zrzy", "fgw"}, Agenda: []string{"用地预审超期", "生态红线"}}, testNames),
			recipients: []string{"dept:zrzy", "dept:fgw"}, title: "会议通知：城北物流园联席会议",
			contains: []string{"联席会议", "自然资源和规划局、发展和改革局", "2026年3月2日（周一）09:00", "会议议题：\n1. 用地预审超期\n2. 生态红线"}},
		{name: "meeting moved", notice: MeetingNotice(MeetingInvite{EventID: "e2", MeetingID: "m", Kind: "joint", Title: "城北物流园联席会议",
			StartsAt: due, Location: "政务服务中心 302", Attendees: []string{"zrzy", "fgw"}, Status: MeetingMoved, Reason: "与市政府常务会冲突"}, testNames),
			recipients: []string{"dept:zrzy", "dept:fgw"}, title: "会议改期：城北物流园联席会议",
			contains: []string{"改于2026年3月2日（周一）09:00在政务服务中心 302召开（与市政府常务会冲突）", "请按新的时间参加"}},
		{name: "meeting cancelled", notice: MeetingNotice(MeetingInvite{EventID: "e3", MeetingID: "m", Kind: "joint", Title: "城北物流园联席会议",
			StartsAt: due, Location: "政务服务中心 302", Attendees: []string{"zrzy"}, Status: MeetingCancelled, Reason: "问题已协调解决"}, testNames),
			recipients: []string{"dept:zrzy"}, title: "会议取消：城北物流园联席会议",
			contains: []string{"取消，不再召开（问题已协调解决）", "议题转入下次会议"}},
		{name: "action", notice: ActionNotice(ActionAssigned{EventID: "e", ActionID: "a", MeetingID: "m", ProjectCode: code,
			Department: "zrzy", Description: "五个工作日内出具用地预审意见", DueAt: due}, testNames),
			recipients: []string{"dept:zrzy"}, title: "会议交办事项：五个工作日内出具用地预审意见", contains: []string{"督办跟踪"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.notice.Validate(); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range tt.notice.To {
				got = append(got, a.Recipient)
				title, body, err := tpl.Render(tt.notice.Template, tt.notice.For(a))
				if err != nil {
					t.Fatal(err)
				}
				if title != tt.title {
					t.Errorf("%s: title %q, want %q", a.Recipient, title, tt.title)
				}
				for _, s := range tt.contains {
					if !strings.Contains(body, s) {
						t.Errorf("%s: body %q lacks %q", a.Recipient, body, s)
					}
				}
				if strings.Contains(body, "<no value>") || strings.Contains(title, "<no value>") {
					t.Errorf("%s: unfilled value in %q / %q", a.Recipient, title, body)
				}
				if strings.HasPrefix(a.Recipient, "leader:") && !strings.HasPrefix(body, "自然资源和规划局分管副局长：") {
					t.Errorf("leader's body %q is not addressed to the leader", body)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.recipients, ",") {
				t.Errorf("recipients %v, want %v", got, tt.recipients)
			}
		})
	}
}

func TestTriggerValidation(t *testing.T) {
	code := "2024-370481-04-01-123456"
	for _, tt := range []struct {
		name  string
		err   error
		field string
	}{
		{"change without item", ItemChange{EventID: "e", ProjectCode: code, Department: "zrzy"}.Validate(), "item_id"},
		{"change with bad project", ItemChange{EventID: "e", ItemID: "i", ProjectCode: "x", Department: "zrzy"}.Validate(), "project_code"},
		{"request without id", RequestAck{EventID: "e", ProjectCode: code}.Validate(), "request_id"},
		{"deadline without level", DeadlineAlert{EventID: "e", Department: "zrzy"}.Validate(), "level"},
		{"deadline with bad department", DeadlineAlert{EventID: "e", Department: "ZR", Level: 1}.Validate(), "department"},
		{"meeting without attendees", MeetingInvite{EventID: "e"}.Validate(), "attendees"},
		{"meeting with bad attendee", MeetingInvite{EventID: "e", Attendees: []string{"自然"}}.Validate(), "department"},
		{"action without id", ActionAssigned{EventID: "e", Department: "zrzy"}.Validate(), "action_id"},
		{"notice to nobody valid", Notice{EventID: "e", Template: "x", To: []Addressee{{Recipient: "x"}}}.Validate(), "recipient"},
	} {
		t.Run(tt.name, func(t *testing.T) { assertInvalid(t, tt.err, tt.field) })
	}
}

func TestPreferencesValidate(t *testing.T) {
	ok := Preferences{Recipient: "dept:zrzy", Channels: []string{"inbox", "email", "webhook", "sms"},
		Email: "ban@zrzy.example", Webhook: "https://robot.example/send?key=k", Phone: "+8613800000000",
		QuietHours: &QuietHours{Start: "22:00", End: "07:00"}}
	for _, tt := range []struct {
		name  string
		edit  func(*Preferences)
		field string
	}{
		{"valid", func(*Preferences) {}, ""},
		{"no channels", func(p *Preferences) { p.Channels = nil }, "channels"},
		{"unknown channel", func(p *Preferences) { p.Channels = []string{"fax"} }, "channels"},
		{"channel twice", func(p *Preferences) { p.Channels = []string{"inbox", "inbox"} }, "channels"},
		{"bad email", func(p *Preferences) { p.Email = "not an address" }, "email"},
		{"email with name", func(p *Preferences) { p.Email = "Ban <ban@zrzy.example>" }, "email"},
		{"email channel without address", func(p *Preferences) { p.Email = "" }, "email"},
		{"webhook not http", func(p *Preferences) { p.Webhook = "ftp://robot.example" }, "webhook"},
		{"webhook channel without url", func(p *Preferences) { p.Webhook = "" }, "webhook"},
		{"bad phone", func(p *Preferences) { p.Phone = "138-0000" }, "phone"},
		{"sms without phone", func(p *Preferences) { p.Phone = "" }, "phone"},
		{"quiet hours malformed", func(p *Preferences) { p.QuietHours = &QuietHours{Start: "25:00", End: "07:00"} }, "quiet_hours"},
		{"quiet hours empty window", func(p *Preferences) { p.QuietHours = &QuietHours{Start: "07:00", End: "07:00"} }, "quiet_hours"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := ok
			tt.edit(&p)
			err := p.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			assertInvalid(t, err, tt.field)
		})
	}
}

func TestQuietUntil(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 3, 2, h, m, 0, 0, CST) }
	night := Preferences{QuietHours: &QuietHours{Start: "22:00", End: "07:00"}}
	noon := Preferences{QuietHours: &QuietHours{Start: "12:00", End: "13:30"}}
	for _, tt := range []struct {
		name string
		p    Preferences
		t    time.Time
		want time.Time
	}{
		{"no quiet hours", Preferences{}, at(23, 0), at(23, 0)},
		{"before a night window", night, at(21, 59), at(21, 59)},
		{"late evening waits for the morning", night, at(23, 30), at(7, 0).AddDate(0, 0, 1)},
		{"early morning waits for seven", night, at(3, 0), at(7, 0)},
		{"the window's end is not quiet", night, at(7, 0), at(7, 0)},
		{"midday window", noon, at(12, 15), at(13, 30)},
		{"after the midday window", noon, at(14, 0), at(14, 0)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.QuietUntil(tt.t.UTC()); !got.Equal(tt.want) {
				t.Fatalf("got %v, want %v", got.In(CST), tt.want)
			}
		})
	}
}

func TestParseDirectory(t *testing.T) {
	d, err := ParseDirectory([]byte(`
recipients:
  dept:zrzy: {email: ban@zrzy.example, webhook: "http://127.0.0.1:1/robot", channels: [inbox, email, webhook]}
  leader:zrzy: {phone: "13800000000", channels: [inbox, sms], quiet_hours: {start: "22:00", end: "07:00"}}
  dept:fgw: {email: ban@fgw.example}
`))
	if err != nil {
		t.Fatal(err)
	}
	if p := d["dept:zrzy"]; p.Recipient != "dept:zrzy" || !p.Wants("webhook") || p.Address("email") != "ban@zrzy.example" {
		t.Fatalf("zrzy %+v", p)
	}
	if p := d["dept:fgw"]; len(p.Channels) != 1 || p.Channels[0] != "inbox" {
		t.Fatalf("a recipient without channels gets the inbox: %+v", p)
	}
	for name, bad := range map[string]string{
		"unknown key":         "recipients:\n  dept:zrzy: {mail: x}\n",
		"not a recipient":     "recipients:\n  zrzy: {channels: [inbox]}\n",
		"channel without url": "recipients:\n  dept:zrzy: {channels: [webhook]}\n",
	} {
		if _, err := ParseDirectory([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestRetryPolicy(t *testing.T) {
	p := RetryPolicy{MaxAttempts: 4, Backoff: []time.Duration{time.Second, time.Minute}}
	for n, want := range map[int]time.Duration{0: time.Second, 1: time.Second, 2: time.Minute, 9: time.Minute} {
		if got := p.Delay(n); got != want {
			t.Errorf("Delay(%d) = %v, want %v", n, got, want)
		}
	}
	if b, err := ParseBackoff("30s, 2m"); err != nil || len(b) != 2 || b[1] != 2*time.Minute {
		t.Fatalf("got %v, %v", b, err)
	}
	for _, bad := range []string{"", "30", "1s,-1s", "x"} {
		if _, err := ParseBackoff(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// An owner's acknowledgement goes by SMS only to a mobile; a landline or
// an unreadable number leaves the text out, and the inbox message says why.
func TestRequestNoticeTextsOnlyMobiles(t *testing.T) {
	code := "2024-370481-04-01-123456"
	for _, tt := range []struct{ given, phone, why string }{
		{"138 0013 8000", "13800138000", ""},
		{"0535-7654321", "", "固定电话"},
		{"call me", "", "无法识别"},
		{"", "", ""},
	} {
		n := RequestNotice(RequestAck{EventID: "e", RequestID: "r", ProjectCode: code, Phone: tt.given})
		why, _ := n.Data["NoSMS"].(string)
		if got := n.To[0].Phone; got != tt.phone || !strings.Contains(why, tt.why) || (tt.why == "") != (why == "") {
			t.Errorf("%q: texted %q with note %q, want %q and a note with %q", tt.given, got, why, tt.phone, tt.why)
		}
	}
}

func TestTaskNotice(t *testing.T) {
	code := "2024-370481-04-01-123456"
	n := TaskNotice(TaskStep{EventID: "e", RequestID: "r", ProjectCode: code, Status: "closed"},
		Project{Code: code, Name: "城北物流园", OwnerPhone: "138 0013 8000"})
	if err := n.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(n.To) != 1 || n.To[0].Recipient != "owner:"+code || n.To[0].Phone != "13800138000" || n.Data["Step"] != "已办结" {
		t.Fatalf("notice %+v", n)
	}
	if n := TaskNotice(TaskStep{EventID: "e", RequestID: "r", ProjectCode: code, Status: "taken"},
		Project{OwnerPhone: "0535-7654321"}); n.To[0].Phone != "" {
		t.Errorf("a landline got a text: %+v", n.To[0])
	}
	for _, bad := range []TaskStep{
		{RequestID: "r", ProjectCode: code, Status: "taken"},
		{EventID: "e", ProjectCode: code, Status: "taken"},
		{EventID: "e", RequestID: "r", ProjectCode: "x", Status: "taken"},
		{EventID: "e", RequestID: "r", ProjectCode: code, Status: "received"},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}
