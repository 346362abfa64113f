package ledger

import (
	"fmt"
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// ExportHeaders are the columns of the ledger export, in the familiar
// layout of a county's 重点项目工作台账.
// The days (办结时限, 办结日期) have columns of their own so that a
// spreadsheet can sort and filter on them.
var ExportHeaders = []string{"项目名称", "项目代码", "事项", "承办部门", "承诺时限", "办结时限", "办理进度", "办结日期", "存在问题", "解决举措", "专员"}

// ExportRow is one project-item of the ledger export.
type ExportRow struct {
	ProjectName, ProjectCode, Item, Department, TimeLimit, Progress, Problems, Measures, Officer string
	// LastDay is the last day of the time limit and Completed the day the
	// item was decided, both instants to be read in workday.Zone; zero
	// when there is none (yet).
	LastDay, Completed time.Time
}

// Values returns the row in the order of ExportHeaders: text as strings,
// the days as time.Time (nil when there is none).
func (r ExportRow) Values() []any {
	day := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t
	}
	return []any{r.ProjectName, r.ProjectCode, r.Item, r.Department, r.TimeLimit, day(r.LastDay), r.Progress,
		day(r.Completed), r.Problems, r.Measures, r.Officer}
}

var progressNames = map[Status]string{
	StatusPlanned: "谋划储备中，未交办", StatusWaiting: "待前置事项办结", StatusAssigned: "已交办待受理", StatusAccepted: "已受理审查中",
	StatusSupplement: "补正材料中", StatusSuspended: "已中止", StatusApproved: "已办结",
	StatusRejected: "不予许可", StatusWithdrawn: "申请人撤回",
}

func date(t time.Time) string { return t.In(workday.Zone).Format(time.DateOnly) }

// ExportRows lays out ledgers one row per project-item; department (when
// not empty) keeps that department's items only. deptName names a
// department code.
func ExportRows(ps []Project, department string, deptName func(string) string) []ExportRow {
	var rows []ExportRow
	for _, p := range ps {
		for _, it := range p.Items {
			if department != "" && it.Department != department {
				continue
			}
			problems, measures := itemProblems(p, it)
			row := ExportRow{
				ProjectName: p.Name, ProjectCode: p.Code, Item: it.Name, Department: deptName(it.Department),
				TimeLimit: timeLimit(it), Progress: progress(p, it), Problems: problems, Measures: measures,
				Officer: p.Officer,
			}
			if it.Due != nil && it.Status != StatusWaiting {
				// Due is the instant the limit runs out: midnight after the last day.
				row.LastDay = it.Due.Add(-time.Second)
			}
			if it.CompletedAt != nil {
				row.Completed = *it.CompletedAt
			}
			rows = append(rows, row)
		}
	}
	return rows
}

func timeLimit(it Item) string {
	s := fmt.Sprintf("%d个工作日", it.PromisedDays)
	if it.GreenChannel {
		s = fmt.Sprintf("绿色通道%d个工作日（常规%d个）", it.PromisedDays, it.NormalDays)
	}
	if it.Immediate {
		s = "即办"
	}
	return s
}

func progress(p Project, it Item) string {
	s := progressNames[it.Status]
	switch {
	case it.Status == StatusWaiting && len(it.BlockedBy) > 0:
		var names []string
		for _, k := range it.BlockedBy {
			if b, ok := p.Item(ItemID(p.Code, k)); ok {
				names = append(names, b.Name)
			}
		}
		s = "受阻：" + strings.Join(names, "、") + "未获许可"
	}
	if it.AcceptedLate {
		// 行政许可法 §32: not decided within the window, it counted as
		// accepted on receipt.
		s += "；逾期受理，视为收到申请即受理"
	}
	if sup := it.Supplement; sup != nil {
		if sup.Open() {
			s += "；容缺受理，待补：" + strings.Join(sup.Materials, "、") + "（" + date(sup.Due.Add(-time.Second)) + "前）"
			if sup.MissedAt != nil {
				s += "，建设单位已逾期未补"
			}
		} else {
			s += "；容缺材料已补齐"
		}
	}
	if c := it.Commitment; c != nil {
		s += "；告知承诺"
		if c.CheckedAt == nil {
			s += "，待核查（" + date(c.CheckDue.Add(-time.Second)) + "前）"
		} else if c.CheckResult == CheckPassed {
			s += "，核查通过"
		} else {
			s += "，核查未通过"
		}
	}
	if it.Resubmissions > 0 {
		s += fmt.Sprintf("；重新申报%d次", it.Resubmissions)
	}
	return s
}

var problemNames = map[ProblemStatus]string{ProblemOpen: "待解决", ProblemInProgress: "推进中", ProblemResolved: "已解决"}

// itemProblems lists the problems of an item: those raised on it, and
// those raised on the project for its department without an item.
func itemProblems(p Project, it Item) (problems, measures string) {
	var ps, ms []string
	for _, pr := range p.Problems {
		if pr.ItemID != it.ID && (pr.ItemID != "" || pr.Department != it.Department) {
			continue
		}
		ps = append(ps, fmt.Sprintf("%d. %s（%s）", len(ps)+1, pr.Title, problemNames[pr.Status]))
		for _, m := range pr.Measures {
			ms = append(ms, fmt.Sprintf("%s %s", date(m.At), m.Text))
		}
	}
	return strings.Join(ps, "\n"), strings.Join(ms, "\n")
}
