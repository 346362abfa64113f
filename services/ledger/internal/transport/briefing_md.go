package transport

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// The ladder of seed 002 as a briefing names it.
var escalationNames = map[string]string{"none": "无", "urge": "催办", "supervise": "督办", "interview": "约谈", "escalate": "提级"}

var briefingTitles = map[string]string{ledger.BriefingWeekly: "周报", ledger.BriefingMonthly: "月报"}

// officialDay writes a day as officials do: 2026年11月23日.
func officialDay(t time.Time) string {
	y, m, d := t.In(workday.Zone).Date()
	return fmt.Sprintf("%d年%d月%d日", y, m, d)
}

// mdCell keeps a value inside its table cell: no line breaks, no column
// separators, no markup that would start a link or an image.
func mdCell(s string) string {
	r := strings.NewReplacer("\r", " ", "\n", " ", "|", "\\|", "\\", "\\\\", "[", "\\[", "]", "\\]", "<", "&lt;", ">", "&gt;", "*", "\\*", "_", "\\_", "`", "\\`")
	return r.Replace(s)
}

// BriefingMarkdown renders a briefing for leaders: one section per part,
// tables where there are rows, "（无）" where there are none.
func BriefingMarkdown(b ledger.Briefing, deptName func(string) string) []byte {
	var w bytes.Buffer
	p := func(format string, a ...any) { fmt.Fprintf(&w, format, a...) }
	table := func(headers []string, rows [][]string) {
		if len(rows) == 0 {
			p("（无）\n\n")
			return
		}
		p("| %s |\n|%s\n", strings.Join(headers, " | "), strings.Repeat(" --- |", len(headers)))
		for _, r := range rows {
			for i := range r {
				r[i] = mdCell(r[i])
			}
			p("| %s |\n", strings.Join(r, " | "))
		}
		p("\n")
	}
	dept := func(code string) string { return deptName(code) }

	p("# 重点项目审批服务简报（%s）\n\n", briefingTitles[b.Kind])
	p("统计期间：%s至%s　　开工预测截至：%s\n\n", officialDay(b.From.Time), officialDay(b.To.Time), officialDay(b.AsOf.Time))

	p("## 一、本期开工项目（%d个）\n\n", len(b.Started))
	var rows [][]string
	for _, s := range b.Started {
		note := ""
		if s.Override != "" {
			note = "未取得施工许可先行开工：" + s.Override
		}
		rows = append(rows, []string{s.Name, s.Code, officialDay(s.On.Time), note})
	}
	table([]string{"项目", "项目代码", "开工日期", "备注"}, rows)

	p("## 二、办结事项\n\n本期办结审批事项%d件。\n\n", b.ItemsFinished)

	p("## 三、各部门按时办结率\n\n")
	rows = nil
	for _, d := range b.Departments {
		rows = append(rows, []string{dept(d.Department), fmt.Sprint(d.Completed), fmt.Sprint(d.CompletedOnTime),
			ledger.Percent(d.OnTimeRate), fmt.Sprint(d.PendingNow), fmt.Sprint(d.Red), fmt.Sprint(d.CriticalDelayDays)})
	}
	table([]string{"部门", "办结", "按时办结", "按时办结率", "在办", "红灯", "关键路径延误（工作日）"}, rows)

	p("## 四、红灯事项（%d件）\n\n", len(b.RedItems))
	rows = nil
	for _, r := range b.RedItems {
		rows = append(rows, []string{r.ProjectName, r.ItemName, dept(r.Department), officialDay(r.LastDay.Time), fmt.Sprint(r.OverdueDays)})
	}
	table([]string{"项目", "事项", "承办部门", "办结时限", "超期工作日"}, rows)

	p("## 五、问题提级（%d个）\n\n", len(b.Escalated))
	rows = nil
	for _, e := range b.Escalated {
		rows = append(rows, []string{e.ProjectName, e.Title, dept(e.Department), escalationNames[e.Escalation], officialDay(e.At)})
	}
	table([]string{"项目", "问题", "责任部门", "层级", "日期"}, rows)

	p("## 六、会议决定事项（%d项）\n\n", len(b.Decisions))
	rows = nil
	for _, d := range b.Decisions {
		rows = append(rows, []string{d.ProjectName, d.Title, dept(d.Department), d.Text, officialDay(d.At)})
	}
	table([]string{"项目", "问题", "责任部门", "决定", "日期"}, rows)

	p("## 七、预计开工滞后项目（%d个）\n\n", len(b.LateProjects))
	rows = nil
	for _, l := range b.LateProjects {
		var path, delays []string
		for _, s := range l.CriticalPath {
			path = append(path, s.Name)
		}
		for _, d := range l.Delays {
			delays = append(delays, fmt.Sprintf("%s %d", dept(d.Department), d.DelayDays))
		}
		rows = append(rows, []string{l.Name, officialDay(l.PlannedStart.Time), officialDay(l.Forecast.Time),
			officialDay(l.ForecastP80.Time), fmt.Sprint(l.LateDays), strings.Join(path, " → "), strings.Join(delays, "，")})
	}
	table([]string{"项目", "计划开工", "预计取得施工许可", "较保守预计（P80）", "滞后工作日", "关键路径", "延误部门（工作日）"}, rows)

	p("## 八、关键路径延误排名\n\n")
	rows = nil
	for i, c := range b.CriticalDelays {
		rows = append(rows, []string{fmt.Sprint(i + 1), dept(c.Department), fmt.Sprint(c.DelayDays), fmt.Sprint(c.Projects), fmt.Sprint(c.LateProjects)})
	}
	table([]string{"排名", "部门", "超出承诺时限（工作日）", "所在关键路径（项目）", "其中滞后项目"}, rows)
	return w.Bytes()
}
