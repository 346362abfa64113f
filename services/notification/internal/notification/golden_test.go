package notification

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files of the message templates")

// TestTemplatesGolden renders one realistic notice per template and
// compares title and body with testdata/golden/<template>.txt, so a change
// to what people read shows in review as a change to a file of Chinese
// text. Run with -update to accept a change.
func TestTemplatesGolden(t *testing.T) {
	tpl, err := LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	code := "2026-370481-04-01-123456"
	due := time.Date(2026, 12, 9, 16, 0, 0, 0, time.UTC) // 2026-12-10 00:00 Beijing: the end of 12-09
	at := time.Date(2026, 12, 7, 1, 30, 0, 0, time.UTC)
	item := ItemStat{Name: "用地预审与选址意见书"}
	notices := map[string]Notice{
		TplItemAssigned: AssignedNotice(Assignment{EventID: "e", ItemID: "i", ItemName: item.Name, ProjectCode: code,
			ProjectName: "港口物流中心", Department: "zrzy", PromisedDays: 15, GreenChannel: true}, testNames),
		TplItemChanged: ChangedNotice(ItemChange{EventID: "e", ItemID: "i", ItemType: "zrzy-yongdi-yushen", ProjectCode: code,
			Department: "zrzy", FromStatus: "accepted", ToStatus: "approved", Note: "材料齐全，准予许可"},
			Project{Code: code, Name: "港口物流中心"}, item.Name, testNames),
		TplTaskChanged: TaskNotice(TaskStep{EventID: "e", RequestID: "r1", ProjectCode: code, Status: "handling",
			Note: "已协调住建局，材料齐全后即可受理"}, Project{Code: code, Name: "港口物流中心", OwnerContact: "刘经理", OwnerPhone: "13800138000"}),
		TplRequestReceived: RequestNotice(RequestAck{EventID: "e", RequestID: "r1", ProjectCode: code,
			Title: "委托代办施工许可", Contact: "刘经理", Phone: "0535-7654321"}),
		TplDeadlineWarning: DeadlineNotice(DeadlineAlert{EventID: "e", EventType: "tuijin.deadline.warning", Kind: "item",
			RefID: "i", ProjectCode: code, Department: "zrzy", Level: LevelYellow, DueAt: due}, testNames, item.Name, "港口物流中心"),
		TplDeadlineOverdue: DeadlineNotice(DeadlineAlert{EventID: "e", EventType: "tuijin.deadline.overdue", Kind: "item",
			RefID: "i", ProjectCode: code, Department: "zrzy", Level: LevelRed, DueAt: due}, testNames, item.Name, "港口物流中心"),
		TplDeadlineEscalated: DeadlineNotice(DeadlineAlert{EventID: "e", EventType: "tuijin.deadline.escalated", Kind: "item",
			RefID: "i", ProjectCode: code, Department: "zrzy", Level: LevelInterview, DueAt: due}, testNames, item.Name, "港口物流中心"),
		TplMeetingScheduled: MeetingNotice(MeetingInvite{EventID: "e", MeetingID: "m", Kind: "joint", Title: "港口物流中心联席会议",
			StartsAt: at, Location: "政务服务中心三楼会议室", Attendees: []string{"zrzy", "fgw"},
			Agenda: []string{"用地预审与选址意见书超期", "生态红线调整"}}, testNames),
		TplActionCreated: ActionNotice(ActionAssigned{EventID: "e", ActionID: "a", MeetingID: "m", ProjectCode: code,
			Department: "zrzy", Description: "五个工作日内出具用地预审意见", DueAt: due}, testNames),
		TplActionChanged: func() Notice {
			n, _ := ActionChangedNotice(ActionChange{EventID: "e", ActionID: "a", MeetingID: "m", ProjectCode: code,
				Department: "zrzy", Description: "五个工作日内出具用地预审意见", DueAt: due, Change: "reopen",
				Actor: "督导服务专班 会议秘书", Note: "预审意见未盖章"}, testNames)
			return n
		}(),
		TplWeeklyBulletin: WithCriticalDelays(BulletinNotice([]BulletinRow{
			{Department: "fgw", Name: "发展和改革局", Completed: 4, OnTime: 4, Rate: "100.0%"},
			{Department: "zrzy", Name: "自然资源和规划局", Completed: 5, OnTime: 3, OverdueOpen: 2, Rate: "60.0%"},
		}, WeekStart(at)), CriticalDelays{Period: "2026-11-30", AsOf: at, Rows: []CriticalDelay{
			{Department: "fgw", DelayDays: 12, Projects: 3, LateProjects: 2}, {Department: "zrzy", DelayDays: 4, Projects: 1}}}, testNames),
		TplLeaderBriefing: BriefingNotice(LeaderBriefing{EventID: "briefing-weekly-2026-11-30", Kind: BriefingWeekly,
			Period: "2026-11-30", First: WeekStart(at).AddDate(0, 0, -7), Last: WeekStart(at).AddDate(0, 0, -1), AsOf: at,
			Started: 1, Finished: 9, Red: 2, Escalated: 1, Decisions: 3, Late: 1,
			CriticalDelays: []CriticalDelay{{Department: "zrzy", DelayDays: 10, Projects: 2, LateProjects: 1}},
			WorstLate: []LateProject{{Code: code, Name: "港口物流中心", PlannedStart: due, Forecast: due.AddDate(0, 0, 14), LateDays: 10,
				CriticalPath: []string{"用地预审与选址意见书", "建设用地规划许可证", "建筑工程施工许可证"}}},
			MarkdownURL: "http://127.0.0.1:8082/v1/briefings/weekly.md?day=2026-11-30",
			XLSXURL:     "http://127.0.0.1:8082/v1/briefings/weekly.xlsx?day=2026-11-30"}, []string{"zrzy"}, testNames),
		TplDailySummary: SummaryNotice([]DeptSummary{{Department: "zrzy", Open: 7, OverdueOpen: 2, AssignedDay: 3, FinishedDay: 1}}, at, testNames),
	}
	for name, n := range followUpGoldens(code, due, item.Name) {
		notices[name] = n
	}
	digest := map[string]any{"Date": formatDay(at), "Items": []Entry{
		{Title: "新办理事项：港口物流中心 · 用地预审与选址意见书", Body: "（正文）"},
		{Title: "【黄灯预警】港口物流中心 · 用地预审与选址意见书即将到期", Body: "（正文）"},
	}}
	for _, name := range tpl.Names() {
		t.Run(name, func(t *testing.T) {
			var data map[string]any
			if name == TplDailyDigest {
				data = digest
			} else {
				n, ok := notices[name]
				if !ok {
					t.Fatalf("no golden notice for template %s: add one", name)
				}
				data = n.For(n.To[0])
			}
			title, body, err := tpl.Render(name, data)
			if err != nil {
				t.Fatal(err)
			}
			got := title + "\n\n" + body + "\n"
			file := filepath.Join("testdata", "golden", name+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test -run TestTemplatesGolden -update to write it)", err)
			}
			if got != string(want) {
				t.Errorf("%s renders\n%s\nwant (%s)\n%s", name, got, file, want)
			}
		})
	}
}
