package transport

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/xuri/excelize/v2"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/org"
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

func ledgerXLSX(ctx context.Context, svc ledger.Reports, o *org.Org, f exportFilter) (xlsxFile, error) {
	ps, err := svc.Projects(ctx, ledger.ProjectFilter{WorkGroup: f.WorkGroup, Category: f.Category})
	if err != nil {
		return nil, err
	}
	rows := ledger.ExportRows(ps, f.Department, func(code string) string {
		if d, ok := o.Department(code); ok {
			return d.Name
		}
		return code
	})
	b, err := WriteXLSX(rows)
	return xlsxFile(b), err
}

// WriteXLSX renders export rows as a workbook with a header row.
func WriteXLSX(rows []ledger.ExportRow) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", SheetName); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	sw, err := x.NewStreamWriter(SheetName)
	if err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	if err := sw.SetColWidth(1, len(ledger.ExportHeaders), 18); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	row := func(n int, cells []string) error {
		vals := make([]any, len(cells))
		for i, c := range cells {
			vals[i] = c
		}
		cell, err := excelize.CoordinatesToCellName(1, n)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, vals)
	}
	if err := row(1, ledger.ExportHeaders); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	for i, r := range rows {
		if err := row(i+2, r.Cells()); err != nil {
			return nil, fmt.Errorf("xlsx: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	return buf.Bytes(), nil
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
// per department figures.
func StatsXLSX(st ledger.MonthlyStats, deptName, officerName func(string) string) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", OfficerSheet); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	if _, err := x.NewSheet(DepartmentSheet); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	set := func(sheet string, row int, cells ...any) error {
		cell, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		return x.SetSheetRow(sheet, cell, &cells)
	}
	if err := set(OfficerSheet, 1, "月份", "专员", "受理诉求", "办结", "按时办结", "按时办结率", "回访", "平均满意度"); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	for i, o := range st.Officers {
		if err := set(OfficerSheet, i+2, st.Month, officerName(o.Officer), o.Received, o.Closed, o.ClosedOnTime,
			ledger.Percent(o.OnTimeRate), o.Visits, o.SatisfactionMean); err != nil {
			return nil, fmt.Errorf("xlsx: %w", err)
		}
	}
	if err := set(DepartmentSheet, 1, "月份", "部门", "交办事项", "办结事项", "按时办结", "按时办结率", "平均办理工作日", "在办事项"); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	for i, d := range st.Departments {
		if err := set(DepartmentSheet, i+2, st.Month, deptName(d.Department), d.Assigned, d.Completed, d.CompletedOnTime,
			ledger.Percent(d.OnTimeRate), d.MeanHandlingDays, d.PendingNow); err != nil {
			return nil, fmt.Errorf("xlsx: %w", err)
		}
	}
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	return buf.Bytes(), nil
}
