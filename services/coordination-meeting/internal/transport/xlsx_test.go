package transport

import (
	"bytes"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/meeting"
)

func TestMinutesXLSXTypesAndRange(t *testing.T) {
	starts := time.Date(2026, 3, 4, 9, 0, 0, 0, workday.Zone)
	x := meeting.MinutesExport{Title: "联席会议会议纪要", Decided: true, Summary: "一致同意。",
		Facts: []meeting.Fact{{Label: "会议类型", Text: "联席会议"}, {Label: "时间", Text: "2026-03-04 09:00", At: starts}},
		Rows: []meeting.MinutesRow{
			// 23:00 Beijing is 15:00 UTC the same day, 00:30 is the day before in UTC.
			{No: 1, Title: "用地预审", Department: "自然资源和规划局", Outcome: "交办", Decision: "限期办结", Decided: true,
				Due: time.Date(2026, 3, 11, 0, 30, 0, 0, workday.Zone), State: "已确认办结"},
			{No: 2, Title: "生态红线", Department: "生态环境局", Outcome: "提级", Decided: true},
			{No: 3, Title: "未议", Department: "水利局"},
		},
		Reports: [][2]string{{"生态红线", "专题报告"}},
	}
	b, err := MinutesXLSX(x)
	if err != nil {
		t.Fatal(err)
	}
	declared, used, err := testenv.SheetRanges(b)
	if err != nil {
		t.Fatal(err)
	}
	// Title, 2 facts, 纪要, a blank row, the header and 3 rows: 9 rows; 7 columns.
	if declared[MinutesSheet] != "A1:G9" || used[MinutesSheet] != "A1:G9" || declared[ReportsSheet] != "A1:B2" {
		t.Fatalf("declared %v, used %v", declared, used)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	check := func(cell, shown, raw, format string) {
		t.Helper()
		s, _ := f.GetCellValue(MinutesSheet, cell)
		r, _ := f.GetCellValue(MinutesSheet, cell, excelize.Options{RawCellValue: true})
		typ, _ := f.GetCellType(MinutesSheet, cell)
		if typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
			t.Errorf("%s is text %q", cell, s)
		}
		if s != shown || r != raw {
			t.Errorf("%s shows %q (raw %q), want %q (raw %q)", cell, s, r, shown, raw)
		}
		if format != "" {
			id, _ := f.GetCellStyle(MinutesSheet, cell)
			if st, err := f.GetStyle(id); err != nil || st.CustomNumFmt == nil || *st.CustomNumFmt != format {
				t.Errorf("%s is not formatted %s: %+v", cell, format, st)
			}
		}
	}
	check("B3", "2026-03-04 09:00", "46085.375", "yyyy-mm-dd hh:mm")
	check("A7", "1", "1", "")
	check("A9", "3", "3", "")
	check("F7", "2026-03-11", "46092", "yyyy-mm-dd")
	if v, _ := f.GetCellValue(MinutesSheet, "G7"); v != "已确认办结" {
		t.Errorf("state %q", v)
	}
	if v, _ := f.GetCellValue(MinutesSheet, "F8"); v != "—" {
		t.Errorf("decided without action: due %q", v)
	}
	if v, _ := f.GetCellValue(MinutesSheet, "F9"); v != "" {
		t.Errorf("undecided: due %q", v)
	}
}
