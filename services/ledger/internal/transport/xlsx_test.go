package transport

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// dateCell fails t unless cell is a number cell styled with a date format,
// and returns the day it shows.
func dateCell(t *testing.T, x *excelize.File, sheet, cell string) string {
	t.Helper()
	raw, err := x.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if typ, _ := x.GetCellType(sheet, cell); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		t.Fatalf("%s!%s is of type %v, want a number (a date serial)", sheet, cell, typ)
	}
	var serial float64
	if _, err := fmt.Sscan(raw, &serial); err != nil {
		t.Fatalf("%s!%s holds %q, not a date serial", sheet, cell, raw)
	}
	id, _ := x.GetCellStyle(sheet, cell)
	st, err := x.GetStyle(id)
	if err != nil || st.CustomNumFmt == nil || *st.CustomNumFmt != "yyyy-mm-dd" {
		t.Fatalf("%s!%s is not formatted as a date: %+v %v", sheet, cell, st, err)
	}
	shown, _ := x.GetCellValue(sheet, cell)
	return shown
}

func TestLedgerXLSXReadsBack(t *testing.T) {
	e := newEnv(t)
	in := e.start()
	e.open(in, code)
	other := "2026-370481-04-01-100002"
	e.open(in, other, func(p *ledger.ProjectInfo) { p.WorkGroup, p.Category = "huanbao", "城市建设" })
	if st, _, eb := in.act(t, ledger.ItemID(code, "yongdi-yushen"), ledger.ActAccept, 1, map[string]any{
		"missing_materials": []string{"权籍调查报告"}, "supplement_days": 5}); st != 200 {
		t.Fatalf("%d %+v", st, eb)
	}
	if st := call(t, testenv.Officer("王专员"), "POST", in.url+"/v1/projects/"+code+"/problems", jsonType, map[string]any{
		"title": "征地拆迁未完成", "department": "zrzy", "item_id": ledger.ItemID(code, "yongdi-yushen"),
		"actor": "王专员", "version": 2}, nil); st != 201 {
		t.Fatal(st)
	}
	if st := call(t, testenv.Officer("王专员"), "POST", in.url+"/v1/problems/"+code+".p1/updates", jsonType, map[string]any{
		"measure": "召开专题协调会", "actor": "王专员", "version": 3}, nil); st != 200 {
		t.Fatal(st)
	}

	read := func(query string) (*excelize.File, [][]string) {
		t.Helper()
		st, ctype, b := get(t, testenv.Leader("zrzy"), in.url+"/v1/ledger.xlsx"+query)
		if st != 200 || ctype != XLSXContentType {
			t.Fatalf("%s: %d %s", query, st, ctype)
		}
		testenv.CheckSheetRanges(t, b)
		x, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { x.Close() })
		rows, err := x.GetRows(SheetName)
		if err != nil {
			t.Fatal(err)
		}
		return x, rows
	}
	x, rows := read("")
	if strings.Join(rows[0], ",") != "项目名称,项目代码,事项,承办部门,承诺时限,办结时限,办理进度,办结日期,存在问题,解决举措,专员" {
		t.Fatalf("headers %v", rows[0])
	}
	if len(rows) != 1+2*11 {
		t.Fatalf("%d rows, want a header and one per project-item (22)", len(rows))
	}
	var yushen []string
	at := 0
	for i, r := range rows[1:] {
		if r[1] == code && r[2] == "用地预审与选址意见书" {
			yushen, at = r, i+2
		}
	}
	if yushen == nil || yushen[3] != "自然资源和规划局" || yushen[4] != "10个工作日" ||
		!strings.Contains(yushen[6], "容缺受理，待补：权籍调查报告") || yushen[8] != "1. 征地拆迁未完成（待解决）" ||
		!strings.Contains(yushen[9], "召开专题协调会") || yushen[10] != "王专员" {
		t.Fatalf("row of 用地预审 %q", yushen)
	}
	p := in.project(t, code)
	it, _ := p.Item(ledger.ItemID(code, "yongdi-yushen"))
	want := it.Due.Add(-time.Second).In(workday.Zone).Format(time.DateOnly)
	if got := dateCell(t, x, SheetName, fmt.Sprintf("F%d", at)); got != want {
		t.Fatalf("办结时限 shows %q, want the last day %s", got, want)
	}
	if _, rows := read("?work_group=huanbao"); len(rows) != 12 || rows[1][1] != other {
		t.Fatalf("work group filter: %d rows", len(rows))
	}
	if _, rows := read("?category=社会投资&department=zrzy"); len(rows) != 4 {
		t.Fatalf("category and department filter: %d rows, want 1+3", len(rows))
	}
	if _, rows := read("?category=工业四改"); len(rows) != 1 {
		t.Fatalf("empty export: %d rows, want the header only", len(rows))
	}
}

// The export had 2,187 cells behind <dimension ref="A1">; a large
// one declares them all.
func TestLargeLedgerXLSXDeclaresItsRange(t *testing.T) {
	last := time.Date(2026, 3, 11, 23, 59, 59, 0, workday.Zone)
	var rows []ledger.ExportRow
	for i := range 250 {
		r := ledger.ExportRow{ProjectName: fmt.Sprintf("项目%d", i), ProjectCode: "c", Item: "i", TimeLimit: "10个工作日", LastDay: last}
		if i%2 == 0 {
			r.Completed = last.Add(-48 * time.Hour)
		}
		rows = append(rows, r)
	}
	b, err := WriteXLSX(rows)
	if err != nil {
		t.Fatal(err)
	}
	declared, used, err := testenv.SheetRanges(b)
	if err != nil {
		t.Fatal(err)
	}
	if declared[SheetName] != "A1:K251" || used[SheetName] != "A1:K251" {
		t.Fatalf("declared %v, used %v; want A1:K251", declared, used)
	}
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	// 23:59:59 Beijing is 15:59:59 UTC: the day must not be read in UTC.
	if got := dateCell(t, x, SheetName, "F2"); got != "2026-03-11" {
		t.Fatalf("last day shows %q", got)
	}
	if got := dateCell(t, x, SheetName, "H2"); got != "2026-03-09" {
		t.Fatalf("completion day shows %q", got)
	}
	if v, _ := x.GetCellValue(SheetName, "H3"); v != "" {
		t.Fatalf("an item not decided shows completion %q", v)
	}
}

func TestMonthlyXLSXNumbersAndMonth(t *testing.T) {
	st := ledger.MonthlyStats{Month: "2026-11",
		Officers:    []ledger.OfficerStats{{Officer: "wangfang", Received: 2, Closed: 2, ClosedOnTime: 1, OnTimeRate: 0.5, Visits: 1, SatisfactionMean: 4.5}},
		Departments: []ledger.DepartmentStats{{Department: "zrzy", Assigned: 3, OnTimeRate: 1, MeanHandlingDays: 6.5}, {Department: "fgw"}},
	}
	b, err := StatsXLSX(st, func(c string) string { return c }, func(c string) string { return c })
	if err != nil {
		t.Fatal(err)
	}
	declared, _, err := testenv.SheetRanges(b)
	if err != nil {
		t.Fatal(err)
	}
	if declared[OfficerSheet] != "A1:H2" || declared[DepartmentSheet] != "A1:H3" {
		t.Fatalf("declared %v", declared)
	}
	testenv.CheckSheetRanges(t, b)
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for cell, want := range map[string][2]string{"A2": {"2026-11", "46327"}, "C2": {"2", "2"}, "F2": {"50.0%", "0.5"}, "H2": {"4.5", "4.5"}} {
		shown, _ := x.GetCellValue(OfficerSheet, cell)
		raw, _ := x.GetCellValue(OfficerSheet, cell, excelize.Options{RawCellValue: true})
		if typ, _ := x.GetCellType(OfficerSheet, cell); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
			t.Errorf("%s is text", cell)
		}
		if shown != want[0] || raw != want[1] {
			t.Errorf("%s shows %q (raw %q), want %q (raw %q)", cell, shown, raw, want[0], want[1])
		}
	}
	if v, _ := x.GetCellValue(DepartmentSheet, "G2"); v != "6.5" {
		t.Errorf("mean handling days %q", v)
	}
}
