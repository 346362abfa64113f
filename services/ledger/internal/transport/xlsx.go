package transport

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// XLSXContentType is the media type of the ledger export.
const XLSXContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// SheetName is the export's single sheet.
const SheetName = "工作台账"

type exportFilter struct {
	WorkGroup, Department, Category string
}

func decodeExport(o *org.Org) func(context.Context, *http.Request) (any, error) {
	return func(_ context.Context, r *http.Request) (any, error) {
		v := r.URL.Query()
		f := exportFilter{WorkGroup: v.Get("work_group"), Department: v.Get("department"), Category: v.Get("category")}
		if f.Department != "" {
			if _, ok := o.Department(f.Department); !ok {
				return nil, apperr.Invalid("department", "unknown_department", "no department "+f.Department)
			}
		}
		if f.WorkGroup != "" && !slices.ContainsFunc(o.WorkGroups, func(g org.WorkGroup) bool { return g.Code == f.WorkGroup }) {
			return nil, apperr.Invalid("work_group", "unknown_work_group", "no work group "+f.WorkGroup)
		}
		return f, nil
	}
}

type xlsxFile []byte

func ledgerXLSX(ctx context.Context, svc ledgerExporter, o *org.Org, f exportFilter) (xlsxFile, error) {
	ps, err := svc.Projects(ctx, ledger.ProjectFilter{WorkGroup: f.WorkGroup, Category: f.Category})
	if err != nil {
		return nil, err
	}
	deptName := func(code string) string {
		if d, ok := o.Department(code); ok {
			return d.Name
		}
		return code
	}
	rows := ledger.ExportRows(ps, f.Department, deptName)
	fs, err := svc.ForecastProjects(ctx, ps)
	if err != nil {
		return nil, err
	}
	b, err := WriteLedgerXLSX(rows, exportForecasts(ps, rows, fs), deptName)
	return xlsxFile(b), err
}

// WriteXLSX renders export rows as a workbook with a header row; the days
// are date cells. Its forecast sheet has the headers only.
func WriteXLSX(rows []ledger.ExportRow) ([]byte, error) {
	return WriteLedgerXLSX(rows, nil, func(code string) string { return code })
}

// WriteLedgerXLSX renders export rows as the 台账 sheet with a header row
// (the days date cells) and the projects' forecasts as ForecastSheet.
func WriteLedgerXLSX(rows []ledger.ExportRow, forecasts []ForecastRow, deptName func(string) string) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", SheetName); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	day, err := x.NewStyle(&excelize.Style{CustomNumFmt: &dayFormat})
	if err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	// The stream writer writes <dimension> when it starts, and excelize
	// leaves it at A1 unless told: declare the used range first.
	if err := setUsedRange(x, SheetName, len(ledger.ExportHeaders), len(rows)+1); err != nil {
		return nil, err
	}
	sw, err := x.NewStreamWriter(SheetName)
	if err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	if err := sw.SetColWidth(1, len(ledger.ExportHeaders), 18); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	row := func(n int, vals []any) error {
		cell, err := excelize.CoordinatesToCellName(1, n)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, vals)
	}
	headers := make([]any, len(ledger.ExportHeaders))
	for i, h := range ledger.ExportHeaders {
		headers[i] = h
	}
	if err := row(1, headers); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	for i, r := range rows {
		vals := r.Values()
		for j, v := range vals {
			if t, ok := v.(time.Time); ok {
				vals[j] = excelize.Cell{StyleID: day, Value: excelDay(t)}
			}
		}
		if err := row(i+2, vals); err != nil {
			return nil, fmt.Errorf("xlsx: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	if err := writeForecastSheet(x, forecasts, deptName, day); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	return buf.Bytes(), nil
}

// dayFormat shows a date cell as the day, the way the 台账 writes it.
var dayFormat = "yyyy-mm-dd"

// excelDay is the day of t in Beijing as excelize takes a date: the
// calendar day at midnight UTC, so that no zone shifts it by a day.
func excelDay(t time.Time) time.Time {
	y, m, d := t.In(workday.Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// setUsedRange declares a sheet's used range (<dimension ref>), which
// excelize leaves at A1 whatever is written and some readers trust.
func setUsedRange(x *excelize.File, sheet string, cols, rows int) error {
	last, err := excelize.CoordinatesToCellName(max(cols, 1), max(rows, 1))
	if err == nil {
		err = x.SetSheetDimension(sheet, "A1:"+last)
	}
	if err != nil {
		return fmt.Errorf("xlsx: %s: %w", sheet, err)
	}
	return nil
}

func encodeXLSX(_ context.Context, w http.ResponseWriter, resp any) error {
	b := resp.(xlsxFile)
	w.Header().Set("Content-Type", XLSXContentType)
	w.Header().Set("Content-Disposition", `attachment; filename="ledger.xlsx"`)
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(b)
	return err
}

// Sheets of the monthly statistics workbook.
const (
	OfficerSheet    = "专员统计"
	DepartmentSheet = "部门统计"
)

// StatsXLSX renders monthly statistics: one sheet per officer figures, one
// per department figures. Counts and means are number cells, rates number
// cells shown as percentages, the month a date cell shown as 2026-11.
func StatsXLSX(st ledger.MonthlyStats, deptName, officerName func(string) string) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", OfficerSheet); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	if _, err := x.NewSheet(DepartmentSheet); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	month, err := time.Parse("2006-01", st.Month)
	if err != nil {
		return nil, fmt.Errorf("xlsx: month %q: %w", st.Month, err)
	}
	monthFmt := "yyyy-mm"
	monthStyle, err := x.NewStyle(&excelize.Style{CustomNumFmt: &monthFmt})
	if err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	// 0.0%: Excel's built-in 10 is 0.00%; the export has always shown one decimal.
	rateFmt := "0.0%"
	rateStyle, err := x.NewStyle(&excelize.Style{CustomNumFmt: &rateFmt})
	if err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	monthCell := excelize.Cell{StyleID: monthStyle, Value: month}
	rate := func(r float64) excelize.Cell { return excelize.Cell{StyleID: rateStyle, Value: r} }
	set := func(sheet string, row int, cells ...any) error {
		cell, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		// SetSheetRow takes plain values; a styled cell is styled after.
		vals := make([]any, len(cells))
		for i, c := range cells {
			vals[i] = c
			if v, ok := c.(excelize.Cell); ok {
				vals[i] = v.Value
			}
		}
		if err := x.SetSheetRow(sheet, cell, &vals); err != nil {
			return err
		}
		for i, c := range cells {
			if v, ok := c.(excelize.Cell); ok {
				name, _ := excelize.CoordinatesToCellName(i+1, row)
				if err := x.SetCellStyle(sheet, name, name, v.StyleID); err != nil {
					return err
				}
			}
		}
		return nil
	}
	officerHeaders := []any{"月份", "专员", "受理诉求", "办结", "按时办结", "按时办结率", "回访", "平均满意度"}
	if err := set(OfficerSheet, 1, officerHeaders...); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	for i, o := range st.Officers {
		if err := set(OfficerSheet, i+2, monthCell, officerName(o.Officer), o.Received, o.Closed, o.ClosedOnTime,
			rate(o.OnTimeRate), o.Visits, o.SatisfactionMean); err != nil {
			return nil, fmt.Errorf("xlsx: %w", err)
		}
	}
	deptHeaders := []any{"月份", "部门", "交办事项", "办结事项", "按时办结", "按时办结率", "平均办理工作日", "在办事项"}
	if err := set(DepartmentSheet, 1, deptHeaders...); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	for i, d := range st.Departments {
		if err := set(DepartmentSheet, i+2, monthCell, deptName(d.Department), d.Assigned, d.Completed, d.CompletedOnTime,
			rate(d.OnTimeRate), d.MeanHandlingDays, d.PendingNow); err != nil {
			return nil, fmt.Errorf("xlsx: %w", err)
		}
	}
	if err := setUsedRange(x, OfficerSheet, len(officerHeaders), len(st.Officers)+1); err != nil {
		return nil, err
	}
	if err := setUsedRange(x, DepartmentSheet, len(deptHeaders), len(st.Departments)+1); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	return buf.Bytes(), nil
}
