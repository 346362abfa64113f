package transport

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/meeting"
)

// Sheets of the minutes workbook.
const (
	MinutesSheet = "会议纪要"
	ReportsSheet = "专题报告"
)

// XLSXContentType is the media type of a workbook.
const XLSXContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// MinutesSheetHeaders head the decisions table of the workbook: those of
// the minutes, and the action's state beside its due day, which is a date
// cell of its own.
var MinutesSheetHeaders = append(slices.Clone(meeting.MinutesHeaders), "办理情况")

// MinutesXLSX renders the minutes as a workbook: the meeting's facts, the
// summary and the decisions table on one sheet, the special reports on
// another. 序号 are numbers, the meeting's time and the due days dates, and
// each sheet declares the range its cells use.
func MinutesXLSX(x meeting.MinutesExport) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", MinutesSheet); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	dayFmt, timeFmt := "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
	day, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dayFmt})
	if err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	at, err := f.NewStyle(&excelize.Style{CustomNumFmt: &timeFmt})
	if err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	w := &sheetWriter{f: f, sheet: MinutesSheet}
	w.row(x.Title)
	for _, fact := range x.Facts {
		if !fact.At.IsZero() {
			w.row(fact.Label, excelize.Cell{StyleID: at, Value: excelTime(fact.At)})
			continue
		}
		w.row(fact.Label, fact.Text)
	}
	status := "会议尚未形成纪要"
	if x.Decided {
		status = x.Summary
	}
	w.row("纪要", status)
	w.n++
	headers := make([]any, len(MinutesSheetHeaders))
	for i, h := range MinutesSheetHeaders {
		headers[i] = h
	}
	w.row(headers...)
	for _, r := range x.Rows {
		var due any
		switch {
		case !r.Due.IsZero():
			due = excelize.Cell{StyleID: day, Value: excelDay(r.Due)}
		case r.Decided:
			due = "—"
		}
		w.row(r.No, r.Title, r.Department, r.Outcome, r.Decision, due, r.State)
	}
	if err := w.done(); err != nil {
		return nil, err
	}
	if err := f.SetColWidth(MinutesSheet, "B", "B", 40); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	if err := f.SetColWidth(MinutesSheet, "E", "E", 50); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	if len(x.Reports) > 0 {
		if _, err := f.NewSheet(ReportsSheet); err != nil {
			return nil, fmt.Errorf("xlsx: %w", err)
		}
		w := &sheetWriter{f: f, sheet: ReportsSheet}
		w.row("议题", "专题报告")
		for _, r := range x.Reports {
			w.row(r[0], r[1])
		}
		if err := w.done(); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	return buf.Bytes(), nil
}

// sheetWriter writes a sheet row by row, keeps the first error and the
// range the cells use, and declares that range (<dimension ref>) when
// done: excelize leaves it at A1 whatever is written, and some readers
// (openpyxl's read-only mode) trust it. A nil value leaves its cell out;
// an excelize.Cell is a value with a style.
type sheetWriter struct {
	f        *excelize.File
	sheet    string
	n, width int
	err      error
}

func (w *sheetWriter) row(cells ...any) {
	if w.err != nil {
		return
	}
	w.n++
	for i, c := range cells {
		if c == nil {
			continue
		}
		name, err := excelize.CoordinatesToCellName(i+1, w.n)
		if err != nil {
			w.err = err
			return
		}
		if v, ok := c.(excelize.Cell); ok {
			if err := w.f.SetCellValue(w.sheet, name, v.Value); err != nil {
				w.err = err
				return
			}
			w.err = w.f.SetCellStyle(w.sheet, name, name, v.StyleID)
		} else {
			w.err = w.f.SetCellValue(w.sheet, name, c)
		}
		if w.err != nil {
			return
		}
		w.width = max(w.width, i+1)
	}
}

func (w *sheetWriter) done() error {
	if w.err == nil && w.width > 0 {
		var last string
		if last, w.err = excelize.CoordinatesToCellName(w.width, w.n); w.err == nil {
			w.err = w.f.SetSheetDimension(w.sheet, "A1:"+last)
		}
	}
	if w.err != nil {
		return fmt.Errorf("xlsx: %s: %w", w.sheet, w.err)
	}
	return nil
}

// excelDay is the day of t in Beijing as excelize takes a date: the
// calendar day at midnight UTC, so that no zone shifts it by a day.
func excelDay(t time.Time) time.Time {
	y, m, d := t.In(workday.Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// excelTime is t's Beijing wall clock as excelize takes a date and time.
func excelTime(t time.Time) time.Time {
	l := t.In(workday.Zone)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
}

type xlsxFile struct {
	name string
	body []byte
}

func encodeXLSX(_ context.Context, w http.ResponseWriter, resp any) error {
	x := resp.(xlsxFile)
	w.Header().Set("Content-Type", XLSXContentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+x.name+`"`)
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(x.body)
	return err
}
