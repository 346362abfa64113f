package transport

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/xuri/excelize/v2"

	"github.com/tuijin/tuijin/services/coordination-meeting/internal/meeting"
)

// Sheets of the minutes workbook.
const (
	MinutesSheet = "会议纪要"
	ReportsSheet = "专题报告"
)

// XLSXContentType is the media type of a workbook.
const XLSXContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// MinutesXLSX renders the minutes as a workbook: the meeting's facts, the
// summary and the decisions table on one sheet, the special reports on
// another.
func MinutesXLSX(x meeting.MinutesExport) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", MinutesSheet); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	row := 1
	set := func(sheet string, cells ...any) error {
		cell, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		row++
		return f.SetSheetRow(sheet, cell, &cells)
	}
	if err := set(MinutesSheet, x.Title); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	for _, fact := range x.Facts {
		if err := set(MinutesSheet, fact[0], fact[1]); err != nil {
			return nil, fmt.Errorf("xlsx: %w", err)
		}
	}
	status := "会议尚未形成纪要"
	if x.Decided {
		status = x.Summary
	}
	if err := set(MinutesSheet, "纪要", status); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	row++
	headers := make([]any, len(meeting.MinutesHeaders))
	for i, h := range meeting.MinutesHeaders {
		headers[i] = h
	}
	if err := set(MinutesSheet, headers...); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	for _, r := range x.Rows {
		cells := make([]any, len(r))
		for i, c := range r {
			cells[i] = c
		}
		if err := set(MinutesSheet, cells...); err != nil {
			return nil, fmt.Errorf("xlsx: %w", err)
		}
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
		row = 1
		if err := set(ReportsSheet, "议题", "专题报告"); err != nil {
			return nil, fmt.Errorf("xlsx: %w", err)
		}
		for _, r := range x.Reports {
			if err := set(ReportsSheet, r[0], r[1]); err != nil {
				return nil, fmt.Errorf("xlsx: %w", err)
			}
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	return buf.Bytes(), nil
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
