package transport

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// Sheets of the briefing workbook.
const (
	BriefingSummarySheet = "概况"
	BriefingDeptSheet    = "部门"
	BriefingRedSheet     = "红灯事项"
	BriefingProblemSheet = "问题提级"
	BriefingLateSheet    = "开工滞后"
	BriefingDelaySheet   = "关键路径延误"
)

// rateCell is a rate shown as 0.0%.
type rateCell float64

// briefingSheet is one sheet: a header row and rows of cells; a
// time.Time or ledger.Date is a date cell, a rateCell a percentage.
type briefingSheet struct {
	name    string
	headers []string
	rows    [][]any
}

// BriefingXLSX renders a briefing as a workbook: the summary, the
// departments, red items, escalated problems, late projects and the
// critical-path delay ranking, one sheet each; counts are number cells,
// rates numbers shown as 0.0%, days date cells.
func BriefingXLSX(b ledger.Briefing, deptName func(string) string) ([]byte, error) {
	summary := briefingSheet{name: BriefingSummarySheet, headers: []string{"项目", "内容"}, rows: [][]any{
		{"简报", "重点项目审批服务简报（" + briefingTitles[b.Kind] + "）"},
		{"统计起日", b.From}, {"统计止日", b.To}, {"开工预测截至", b.AsOf},
		{"本期开工项目", len(b.Started)}, {"本期办结事项", b.ItemsFinished}, {"红灯事项", len(b.RedItems)},
		{"问题提级", len(b.Escalated)}, {"会议决定事项", len(b.Decisions)}, {"预计开工滞后项目", len(b.LateProjects)},
	}}
	for _, s := range b.Started {
		summary.rows = append(summary.rows, []any{"开工：" + s.Name, s.On})
	}
	depts := briefingSheet{name: BriefingDeptSheet, headers: []string{"部门", "交办", "办结", "按时办结", "按时办结率", "平均办理工作日", "在办", "红灯", "关键路径延误（工作日）"}}
	for _, d := range b.Departments {
		depts.rows = append(depts.rows, []any{deptName(d.Department), d.Assigned, d.Completed, d.CompletedOnTime,
			rateCell(d.OnTimeRate), d.MeanHandlingDays, d.PendingNow, d.Red, d.CriticalDelayDays})
	}
	red := briefingSheet{name: BriefingRedSheet, headers: []string{"项目", "项目代码", "事项", "承办部门", "办结时限", "超期工作日"}}
	for _, r := range b.RedItems {
		red.rows = append(red.rows, []any{r.ProjectName, r.Project, r.ItemName, deptName(r.Department), r.LastDay, r.OverdueDays})
	}
	problems := briefingSheet{name: BriefingProblemSheet, headers: []string{"项目", "问题", "责任部门", "层级", "日期", "状态"}}
	for _, e := range b.Escalated {
		problems.rows = append(problems.rows, []any{e.ProjectName, e.Title, deptName(e.Department), escalationNames[e.Escalation], e.At, string(e.Status)})
	}
	late := briefingSheet{name: BriefingLateSheet, headers: []string{"项目", "项目代码", "计划开工", "预计取得施工许可", "P80", "滞后工作日", "关键路径", "延误部门"}}
	for _, l := range b.LateProjects {
		var path, delays []string
		for _, s := range l.CriticalPath {
			path = append(path, s.Name)
		}
		for _, d := range l.Delays {
			delays = append(delays, fmt.Sprintf("%s %d", deptName(d.Department), d.DelayDays))
		}
		late.rows = append(late.rows, []any{l.Name, l.Code, l.PlannedStart, l.Forecast, l.ForecastP80, l.LateDays,
			strings.Join(path, " → "), strings.Join(delays, "，")})
	}
	delay := briefingSheet{name: BriefingDelaySheet, headers: []string{"排名", "部门", "超出承诺时限（工作日）", "所在关键路径（项目）", "其中滞后项目"}}
	for i, c := range b.CriticalDelays {
		delay.rows = append(delay.rows, []any{i + 1, deptName(c.Department), c.DelayDays, c.Projects, c.LateProjects})
	}
	return writeSheets([]briefingSheet{summary, depts, red, problems, late, delay})
}

// writeSheets writes sheets into a new workbook, each with its used range
// declared.
func writeSheets(sheets []briefingSheet) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	day, err := x.NewStyle(&excelize.Style{CustomNumFmt: &dayFormat})
	if err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	rateFmt := "0.0%"
	pct, err := x.NewStyle(&excelize.Style{CustomNumFmt: &rateFmt})
	if err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	for i, sh := range sheets {
		if i == 0 {
			err = x.SetSheetName("Sheet1", sh.name)
		} else {
			_, err = x.NewSheet(sh.name)
		}
		if err != nil {
			return nil, fmt.Errorf("xlsx: %w", err)
		}
		if err := x.SetColWidth(sh.name, "A", "I", 18); err != nil {
			return nil, fmt.Errorf("xlsx: %w", err)
		}
		rows := append([][]any{toAny(sh.headers)}, sh.rows...)
		for r, row := range rows {
			for c, v := range row {
				cell, err := excelize.CoordinatesToCellName(c+1, r+1)
				if err != nil {
					return nil, fmt.Errorf("xlsx: %w", err)
				}
				style := 0
				switch t := v.(type) {
				case ledger.Date:
					v, style = excelDay(t.Time), day
				case time.Time:
					v, style = excelDay(t), day
				case rateCell:
					v, style = float64(t), pct
				}
				if err := x.SetCellValue(sh.name, cell, v); err != nil {
					return nil, fmt.Errorf("xlsx: %w", err)
				}
				if style != 0 {
					if err := x.SetCellStyle(sh.name, cell, cell, style); err != nil {
						return nil, fmt.Errorf("xlsx: %w", err)
					}
				}
			}
		}
		if err := setUsedRange(x, sh.name, len(sh.headers), len(rows)); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	return buf.Bytes(), nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
