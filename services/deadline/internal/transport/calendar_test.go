package transport

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
)

// The calendar API names each year's source (the State Council notice its
// file records, or the library), lists a year's days, and shows the year
// files it refused: a contradictory 2026.yaml in the calendar dir leaves the
// shipped 2026 in place, a good 2027.yaml is taken.
func TestCalendarYearsShowSourcesAndRefusals(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"2026.yaml": "year: 2026\nsource:\n  title: 更正\n  date: 2026-01-05\nholidays:\n  - name: 国庆节\n    off: [\"2026-10-01..2026-10-07\"]\n    work: [\"2026-10-03\"]\n",
		"2027.yaml": "year: 2027\nsource:\n  title: 国务院办公厅关于2027年部分节假日安排的通知\n  date: 2026-11-10\nholidays:\n  - name: 元旦\n    off: [\"2027-01-01..2027-01-03\"]\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cal, files, err := workday.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	CalendarRoutes(mux, StaticCalendar{Cal: cal, YearFiles: files}, testenv.Logger())
	url := serve(t, mux)
	get := func(path string, out any) int {
		t.Helper()
		return testenv.CallAs(t, testenv.Clerk("zrzy"), http.MethodGet, url+path, "", nil, out)
	}

	var years calendarYearsResponse
	if code := get("/v1/calendar/years", &years); code != http.StatusOK {
		t.Fatalf("years: %d", code)
	}
	byYear := map[int]calendarYear{}
	for _, y := range years.Years {
		byYear[y.Year] = y
	}
	if s := byYear[2026].Source; s == nil || s.Title != "国务院办公厅关于2026年部分节假日安排的通知" || s.Date != "2025-11-04" || s.File != "embedded:2026.yaml" {
		t.Errorf("2026: %+v", s)
	}
	if s := byYear[2027].Source; s == nil || s.Date != "2026-11-10" || s.File != dir+"/2027.yaml" {
		t.Errorf("2027: %+v", s)
	}
	if s := byYear[2024].Source; !byYear[2024].Covered || s == nil || s.Library == "" {
		t.Errorf("2024: %+v", byYear[2024])
	}
	if len(years.Refused) != 1 || years.Refused[0].File != dir+"/2026.yaml" ||
		!strings.Contains(years.Refused[0].Error, "2026-10-03 is both a day off and a make-up working day") {
		t.Errorf("refused: %+v", years.Refused)
	}

	var y2026 calendarYearResponse
	if code := get("/v1/calendar/years/2026", &y2026); code != http.StatusOK {
		t.Fatalf("2026: %d", code)
	}
	days := map[string]calendarDay{}
	for _, d := range y2026.Days {
		days[d.Date] = d
	}
	if d := days["2026-10-03"]; d.Name != "国庆节" || d.Work {
		t.Errorf("2026-10-03: %+v, want the shipped day off", d)
	}
	if d := days["2026-10-10"]; d.Name != "国庆节" || !d.Work {
		t.Errorf("2026-10-10: %+v, want the shipped make-up day", d)
	}
	if d := days["2026-02-14"]; d.Name != "春节" || !d.Work || len(y2026.Days) < 30 {
		t.Errorf("2026-02-14: %+v of %d days", d, len(y2026.Days))
	}

	var y2030 calendarYearResponse
	if code := get("/v1/calendar/years/2030", &y2030); code != http.StatusOK || y2030.Covered || y2030.Source != nil || len(y2030.Days) != 0 {
		t.Errorf("2030: %d %+v", code, y2030)
	}
	var bad struct {
		Error struct{ Code, Field string } `json:"error"`
	}
	if code := get("/v1/calendar/years/20x6", &bad); code != http.StatusUnprocessableEntity || bad.Error.Field != "year" {
		t.Errorf("bad year: %d %+v", code, bad)
	}
}

// Counting into a year without official data says so.
func TestCalendarArithmeticMarksProvisionalYears(t *testing.T) {
	files, err := workday.DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	Routes(mux, deadline.NewService(deadline.Config{Calendar: workday.NewOfficial(files)}), testenv.Logger())
	url := serve(t, mux)
	tests := []struct {
		path, field, want string
		provisional       bool
	}{
		{"/v1/calendar/add?date=2026-12-31&days=1", "result", "2027-01-01", true}, // 元旦 2027 not yet published
		{"/v1/calendar/add?date=2026-11-23&days=5", "result", "2026-11-30", false},
		{"/v1/calendar/add?date=2026-10-08&days=-1", "result", "2026-09-30", false},
		{"/v1/calendar/workdays?from=2026-12-28&to=2027-01-08", "working_days", "9", true},
		{"/v1/calendar/workdays?from=2026-09-28&to=2026-10-12", "working_days", "6", false},
	}
	for _, tt := range tests {
		var body map[string]any
		if code := testenv.CallAs(t, testenv.Officer("lijun"), http.MethodGet, url+tt.path, "", nil, &body); code != http.StatusOK {
			t.Fatalf("%s: %d %v", tt.path, code, body)
		}
		if got := fmt.Sprint(body[tt.field]); got != tt.want || body["provisional"] != tt.provisional {
			t.Errorf("%s: %s %v provisional %v, want %s %v", tt.path, tt.field, got, body["provisional"], tt.want, tt.provisional)
		}
	}
}
