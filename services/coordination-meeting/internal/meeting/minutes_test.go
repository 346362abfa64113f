package meeting

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/org"
)

func demoOrg(t *testing.T) *org.Org {
	t.Helper()
	o, err := org.Demo()
	if err != nil {
		t.Fatal(err)
	}
	return o
}

var start = time.Date(2026, 3, 4, 1, 0, 0, 0, time.UTC)

func sampleMeeting() Meeting {
	c1 := InterviewCandidate(Escalation{Kind: "item", RefID: "2024-370481-04-01-123456.yongdi-yushen",
		ProjectCode: "2024-370481-04-01-123456", Department: "zrzy", DueAt: start.AddDate(0, 0, -10), FiredAt: start.AddDate(0, 0, -2)})
	c2 := ProblemCandidate("p1", "2024-370481-04-01-123456", "sthj", "环评批复与规划冲突", "选址涉及生态红线", start.AddDate(0, 0, -1))
	m := Meeting{ID: "m1", Kind: KindJoint, Title: "城北物流园联席会议", StartsAt: start, Location: "政务服务中心 301",
		Attendees: []string{"zrzy", "sthj"}, Status: StatusScheduled, CreatedAt: start.AddDate(0, 0, -2), Version: 1}
	m.Agenda = []AgendaEntry{EntryOf(m.ID, c1), EntryOf(m.ID, c2)}
	return m
}

func TestValidateMinutes(t *testing.T) {
	o := demoOrg(t)
	m := sampleMeeting()
	e1, e2 := m.Agenda[0].ID, m.Agenda[1].ID
	action := &ActionDraft{Department: "zrzy", Description: "五个工作日内出具用地预审意见", DueAt: "2026-03-11T18:00:00+08:00"}
	good := func() []DecisionDraft {
		a := *action
		return []DecisionDraft{
			{AgendaEntryID: e1, Outcome: OutcomeAction, Text: "限期办结", Action: &a},
			{AgendaEntryID: e2, Outcome: OutcomeEscalate, Text: "提请政府常务会研究", Report: "关于城北物流园选址涉及生态红线的专题报告"},
		}
	}
	now := start.Add(2 * time.Hour)
	got, err := ValidateMinutes(o, m, " 会议纪要 ", good(), now)
	if err != nil {
		t.Fatal(err)
	}
	if got.Summary != "会议纪要" || !got.RecordedAt.Equal(now) || len(got.Decisions) != 2 {
		t.Fatalf("minutes %+v", got)
	}
	a := got.Decisions[0].Action
	if a == nil || a.ID == "" || a.Department != "zrzy" || !a.DueAt.Equal(time.Date(2026, 3, 11, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("action %+v", a)
	}
	again, _ := ValidateMinutes(o, m, "", good(), now)
	if again.Decisions[0].Action.ID != a.ID {
		t.Fatal("action id is not derived from meeting and entry")
	}

	for _, tt := range []struct {
		name  string
		edit  func(m *Meeting, ds []DecisionDraft) []DecisionDraft
		field string
		code  string
		kind  apperr.Kind
	}{
		{"undecided entry", func(_ *Meeting, ds []DecisionDraft) []DecisionDraft { return ds[:1] }, "decisions", "undecided_entry", apperr.KindInvalid},
		{"unknown entry", func(_ *Meeting, ds []DecisionDraft) []DecisionDraft { ds[0].AgendaEntryID = "x"; return ds },
			"decisions[0].agenda_entry_id", "unknown_entry", apperr.KindInvalid},
		{"entry decided twice", func(_ *Meeting, ds []DecisionDraft) []DecisionDraft { return append(ds, ds[1]) },
			"decisions[2].agenda_entry_id", "duplicate_decision", apperr.KindInvalid},
		{"unknown outcome", func(_ *Meeting, ds []DecisionDraft) []DecisionDraft { ds[1].Outcome = "postponed"; return ds },
			"decisions[1].outcome", "invalid_outcome", apperr.KindInvalid},
		{"no text", func(_ *Meeting, ds []DecisionDraft) []DecisionDraft { ds[1].Text = " "; return ds },
			"decisions[1].text", "required", apperr.KindInvalid},
		{"action without action", func(_ *Meeting, ds []DecisionDraft) []DecisionDraft { ds[0].Action = nil; return ds },
			"decisions[0].action", "required", apperr.KindInvalid},
		{"action for unknown department", func(_ *Meeting, ds []DecisionDraft) []DecisionDraft { ds[0].Action.Department = "nosuch"; return ds },
			"decisions[0].action.department", "unknown_department", apperr.KindInvalid},
		{"action without description", func(_ *Meeting, ds []DecisionDraft) []DecisionDraft { ds[0].Action.Description = ""; return ds },
			"decisions[0].action.description", "required", apperr.KindInvalid},
		{"action due unparseable", func(_ *Meeting, ds []DecisionDraft) []DecisionDraft { ds[0].Action.DueAt = "下周"; return ds },
			"decisions[0].action.due_at", "invalid_time", apperr.KindInvalid},
		{"action due before the minutes", func(_ *Meeting, ds []DecisionDraft) []DecisionDraft {
			ds[0].Action.DueAt = "2026-03-04T10:00:00+08:00" // the minutes are recorded at 11:00
			return ds
		}, "decisions[0].action.due_at", "due_in_past", apperr.KindInvalid},
		{"escalate without report", func(_ *Meeting, ds []DecisionDraft) []DecisionDraft { ds[1].Report = ""; return ds },
			"decisions[1].report", "required", apperr.KindInvalid},
		{"report on a non-escalation", func(_ *Meeting, ds []DecisionDraft) []DecisionDraft { ds[0].Report = "x"; return ds },
			"decisions[0].report", "unexpected_report", apperr.KindInvalid},
		{"action on a resolution", func(_ *Meeting, ds []DecisionDraft) []DecisionDraft {
			ds[1].Outcome, ds[1].Report, ds[1].Action = OutcomeResolved, "", &ActionDraft{}
			return ds
		}, "decisions[1].action", "unexpected_action", apperr.KindInvalid},
		{"minutes recorded already", func(m *Meeting, ds []DecisionDraft) []DecisionDraft { m.Status = StatusDecided; return ds },
			"", "minutes_recorded", apperr.KindConflict},
		{"meeting not started", func(m *Meeting, ds []DecisionDraft) []DecisionDraft { m.StartsAt = now.Add(time.Minute); return ds },
			"", "meeting_not_started", apperr.KindConflict},
		{"meeting cancelled", func(m *Meeting, ds []DecisionDraft) []DecisionDraft { m.Status = StatusCancelled; return ds },
			"", "meeting_cancelled", apperr.KindConflict},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mm := sampleMeeting()
			_, err := ValidateMinutes(o, mm, "", tt.edit(&mm, good()), now)
			e, ok := apperr.As(err)
			if !ok || e.Kind != tt.kind || e.Field != tt.field || e.Code != tt.code {
				t.Fatalf("got %v, want %s %q", err, tt.code, tt.field)
			}
		})
	}
}

func TestAgendaBuilding(t *testing.T) {
	o := demoOrg(t)
	yongdi, _ := workGroup(o, "yongdi")
	cands := []Candidate{
		RedCandidate(Escalation{Kind: "item", RefID: "a", Department: "fgw"}),
		ProblemCandidate("p", "", "sthj", "t", "", start),
		InterviewCandidate(Escalation{Kind: "item", RefID: "b", Department: "zrzy"}),
	}
	kept := ForGroup(cands, &yongdi)
	if len(kept) != 2 || kept[0].ID != "red:a" || kept[1].ID != "interview:b" {
		t.Fatalf("kept %+v", kept)
	}
	if len(ForGroup(cands, nil)) != 3 {
		t.Fatal("no group keeps all")
	}
	agenda := []AgendaEntry{EntryOf("m", kept[0]), EntryOf("m", kept[1]), EntryOf("m", cands[1])}
	if got := Attendees([]string{"xzsp"}, &yongdi, agenda); strings.Join(got, ",") != "xzsp,zrzy,fgw,sthj" {
		t.Fatalf("attendees %v", got)
	}
	if EntryOf("m", kept[0]).ID != agenda[0].ID || EntryOf("m2", kept[0]).ID == agenda[0].ID {
		t.Fatal("entry ids are not derived from meeting and candidate")
	}

	edited, err := EditAgenda(o, "m", agenda, []EntryDraft{
		{ID: agenda[1].ID, Title: "改写的议题", Text: "补充说明"},
		{Title: "现场踏勘安排", Department: "wlj", ProjectCode: "2024-370481-04-01-123456"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(edited) != 2 || edited[0].ID != agenda[1].ID || edited[0].CandidateID != "interview:b" || edited[0].Title != "改写的议题" ||
		edited[1].Source != SourceManual || edited[1].Department != "wlj" || edited[1].ID == "" {
		t.Fatalf("edited %+v", edited)
	}
	for _, tt := range []struct {
		name   string
		drafts []EntryDraft
		field  string
	}{
		{"unknown id", []EntryDraft{{ID: "x", Title: "t"}}, "entries[0].id"},
		{"id twice", []EntryDraft{{ID: agenda[0].ID, Title: "t"}, {ID: agenda[0].ID, Title: "t"}}, "entries[1].id"},
		{"no title", []EntryDraft{{Department: "zrzy"}}, "entries[0].title"},
		{"unknown department", []EntryDraft{{Title: "t", Department: "x"}}, "entries[0].department"},
		{"bad project code", []EntryDraft{{Title: "t", Department: "zrzy", ProjectCode: "1"}}, "entries[0].project_code"},
		{"text too long", []EntryDraft{{Title: "t", Department: "zrzy", Text: strings.Repeat("字", 2001)}}, "entries[0].text"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := EditAgenda(o, "m", agenda, tt.drafts)
			if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindInvalid || e.Field != tt.field {
				t.Fatalf("got %v, want invalid %s", err, tt.field)
			}
		})
	}
}

func TestInvitationIsRFC5545(t *testing.T) {
	m := sampleMeeting()
	m.Title = "关于城北物流园项目用地预审、环评批复与生态红线冲突问题的联席会议（第一次）"
	organizer, err := Organizer("ban@xzsp.example")
	if err != nil {
		t.Fatal(err)
	}
	out := Invitation(m, start.AddDate(0, 0, -1), organizer, func(code string) (string, string) {
		return map[string]string{"zrzy": "自然资源和规划局", "sthj": "生态环境局"}[code],
			map[string]string{"zrzy": "mailto:zrzy@county.example", "sthj": "urn:tuijin:dept:sthj"}[code]
	}).Body
	if !strings.HasSuffix(out, "END:VCALENDAR\r\n") || strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") {
		t.Fatalf("lines must end in CRLF:\n%q", out)
	}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line of %d octets: %q", len(line), line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("folding split a character: %q", line)
		}
	}
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "VERSION:2.0\r\n", "METHOD:REQUEST\r\n", "BEGIN:VEVENT\r\n",
		"UID:m1@tuijin\r\n", "DTSTART:20260304T010000Z\r\n", "DTEND:20260304T030000Z\r\n", "SEQUENCE:1\r\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("invitation lacks %q:\n%s", want, out)
		}
	}
	cal, err := ics.ParseCalendar(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	if s := evs[0].GetProperty(ics.ComponentPropertySummary); s == nil || s.Value != m.Title {
		t.Fatalf("summary does not round-trip: %+v", s)
	}
	if m := cal.CalendarProperties; !slices.ContainsFunc(m, func(p ics.CalendarProperty) bool {
		return p.IANAToken == string(ics.PropertyMethod) && p.Value == "REQUEST"
	}) {
		t.Fatalf("calendar properties %+v, want METHOD:REQUEST", m)
	}
	if o := evs[0].GetProperty(ics.ComponentPropertyOrganizer); o == nil || o.Value != "mailto:ban@xzsp.example" {
		t.Fatalf("organizer %+v", o)
	}
	atts := evs[0].Attendees()
	if len(atts) != 2 {
		t.Fatalf("attendees %+v", atts)
	}
	for i, want := range []struct {
		addr, cn string
		rsvp     []string
	}{{"zrzy@county.example", "自然资源和规划局", []string{"TRUE"}}, {"urn:tuijin:dept:sthj", "生态环境局", nil}} {
		a := atts[i]
		if a.Email() != want.addr || a.ICalParameters["CN"][0] != want.cn || a.ICalParameters["ROLE"][0] != "REQ-PARTICIPANT" ||
			!slices.Equal(a.ICalParameters["RSVP"], want.rsvp) {
			t.Errorf("attendee %d: %s %v, want %s with RSVP %v", i, a.Value, a.ICalParameters, want.addr, want.rsvp)
		}
	}
}

func TestOrganizerIsAMailAddress(t *testing.T) {
	for in, want := range map[string]string{"ban@xzsp.example": "mailto:ban@xzsp.example", "mailto:ban@xzsp.example": "mailto:ban@xzsp.example"} {
		if got, err := Organizer(in); err != nil || got != want {
			t.Errorf("Organizer(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "ban", "Ban <ban@xzsp.example>", "mailto:"} {
		if _, err := Organizer(in); err == nil {
			t.Errorf("Organizer(%q) accepted", in)
		}
	}
}

func TestMinutesMarkdown(t *testing.T) {
	o := demoOrg(t)
	m := sampleMeeting()
	names := func(c string) string {
		d, _ := o.Department(c)
		return d.Name
	}
	pending := MinutesMarkdown(m, names)
	if !strings.Contains(pending, "会议尚未形成纪要") || !strings.Contains(pending, "1. 审批事项") {
		t.Fatalf("before minutes:\n%s", pending)
	}
	min, err := ValidateMinutes(o, m, "与会单位一致同意。", []DecisionDraft{
		{AgendaEntryID: m.Agenda[0].ID, Outcome: OutcomeAction, Text: "限期办结",
			Action: &ActionDraft{Department: "zrzy", Description: "出具用地预审意见|附图", DueAt: "2026-03-11T18:00:00+08:00"}},
		{AgendaEntryID: m.Agenda[1].ID, Outcome: OutcomeEscalate, Text: "提请政府研究", Report: "专题报告正文\n第二段"},
	}, start.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	m.Minutes, m.Status = &min, StatusDecided
	md := MinutesMarkdown(m, names)
	for _, want := range []string{
		"# 城北物流园联席会议会议纪要", "- 会议类型：联席会议", "- 时间：2026-03-04 09:00", "- 参会单位：自然资源和规划局、生态环境局",
		"与会单位一致同意。", "| 序号 | 议题 | 责任单位 | 结论 | 决定 | 办结时限 |",
		`| 1 | 审批事项 2024-370481-04-01-123456.yongdi-yushen 超期进入约谈 | 自然资源和规划局 | 交办 | 限期办结：出具用地预审意见\|附图 | 2026-03-11 |`,
		"| 2 | 环评批复与规划冲突 | 生态环境局 | 提级 | 提请政府研究 | — |", "## 专题报告：环评批复与规划冲突\n\n专题报告正文\n第二段",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}
