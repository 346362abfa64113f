package transport

import (
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// ForecastSheet is the ledger export's sheet of start-date forecasts
// (预计开工日), one row per project of the export, beside the 台账 itself
// so that its familiar layout stays as it was.
const ForecastSheet = "开工预测"

// ForecastHeaders are the columns of ForecastSheet.
var ForecastHeaders = []string{"项目名称", "项目代码", "计划开工", "预计取得施工许可", "较保守预计（P80）", "预警",
	"滞后工作日", "关键路径", "延误部门（工作日）"}

// ForecastRow is a project's forecast as the export shows it.
type ForecastRow struct {
	ProjectName string
	Forecast    ledger.Forecast
}

// forecastLight says in words what the forecast's light means.
func forecastLight(f ledger.Forecast) string {
	switch {
	case f.Done:
		return "已取得施工许可"
	case f.Light == ledger.LightYellow:
		return "黄灯：预计晚于计划开工"
	case f.PlannedStart == nil:
		return "未填报计划开工"
	}
	return "正常"
}

// forecastValues is r in the order of ForecastHeaders: the days as date
// cells, the late days a number.
func forecastValues(r ForecastRow, deptName func(string) string, day int) []any {
	f := r.Forecast
	cell := func(d ledger.Date) any { return excelize.Cell{StyleID: day, Value: excelDay(d.Time)} }
	var planned any
	if f.PlannedStart != nil {
		planned = cell(*f.PlannedStart)
	}
	var path, delays []string
	for _, s := range f.Median.CriticalPath {
		path = append(path, s.Name)
	}
	for _, d := range f.Median.Delays() {
		delays = append(delays, fmt.Sprintf("%s %d", deptName(d.Department), d.DelayDays))
	}
	return []any{r.ProjectName, f.Project, planned, cell(f.Median.Date), cell(f.P80.Date), forecastLight(f), f.LateDays,
		strings.Join(path, " → "), strings.Join(delays, "，")}
}

// writeForecastSheet adds ForecastSheet to x with rows.
func writeForecastSheet(x *excelize.File, rows []ForecastRow, deptName func(string) string, day int) error {
	if _, err := x.NewSheet(ForecastSheet); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	headers := make([]any, len(ForecastHeaders))
	for i, h := range ForecastHeaders {
		headers[i] = h
	}
	if err := x.SetSheetRow(ForecastSheet, "A1", &headers); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	for i, r := range rows {
		vals := forecastValues(r, deptName, day)
		plain := make([]any, len(vals))
		for j, v := range vals {
			plain[j] = v
			if c, ok := v.(excelize.Cell); ok {
				plain[j] = c.Value
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := x.SetSheetRow(ForecastSheet, cell, &plain); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
		for j, v := range vals {
			if c, ok := v.(excelize.Cell); ok {
				name, _ := excelize.CoordinatesToCellName(j+1, i+2)
				if err := x.SetCellStyle(ForecastSheet, name, name, c.StyleID); err != nil {
					return fmt.Errorf("xlsx: %w", err)
				}
			}
		}
	}
	if err := x.SetColWidth(ForecastSheet, "A", "I", 18); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return setUsedRange(x, ForecastSheet, len(ForecastHeaders), len(rows)+1)
}

// ledgerExporter is what the ledger export reads: the ledgers and their
// forecasts.
type ledgerExporter interface {
	ledger.Reports
	ledger.Forecasts
}

// exporter is a ledgerExporter of the two use cases Routes is given.
type exporter struct {
	ledger.Reports
	ledger.Forecasts
}

// exportForecasts are the forecasts of the projects the export's rows
// show, in the order of the rows.
func exportForecasts(ps []ledger.Project, rows []ledger.ExportRow, fs []ledger.Forecast) []ForecastRow {
	shown := map[string]bool{}
	for _, r := range rows {
		shown[r.ProjectCode] = true
	}
	names := map[string]string{}
	for _, p := range ps {
		names[p.Code] = p.Name
	}
	var out []ForecastRow
	for _, f := range fs {
		if shown[f.Project] {
			out = append(out, ForecastRow{ProjectName: names[f.Project], Forecast: f})
		}
	}
	return out
}
