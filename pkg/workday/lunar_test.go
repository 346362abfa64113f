package calendar

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/workday"
)

func ymd(s string) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, s, workday.Zone)
	if err != nil {
		panic(err)
	}
	return d
}

func TestLunarKnownDays(t *testing.T) {
	cal := workday.NewOfficial(Lunar{})
	days := map[string]bool{
		"2025-01-01": false, "2025-01-26": true, "2025-01-28": false, "2025-02-04": false,
		"2025-02-05": true, "2025-02-08": true, "2025-09-28": true, "2025-10-08": false,
		"2025-10-09": true, "2025-10-11": true,
		"2026-01-02": false, "2026-01-04": true, "2026-02-14": true, "2026-02-15": false,
		"2026-02-23": false, "2026-02-24": true, "2026-02-28": true, "2026-09-20": true,
		"2026-09-25": false, "2026-10-07": false, "2026-10-08": true, "2026-10-10": true,
	}
	for d, want := range days {
		if got := cal.IsWorkday(ymd(d)); got != want {
			t.Errorf("%s: working day %v, want %v", d, got, want)
		}
	}
	if got := workday.Add(cal, ymd("2026-02-13"), 2); !got.Equal(ymd("2026-02-24")) {
		t.Errorf("Add over 春节 2026 = %s", got.Format(time.DateOnly))
	}
	if !cal.Covers(2026) || cal.Covers(2027) {
		t.Errorf("lunar-go v1.4.6 covers 2026 %v, 2027 %v; want true, false", cal.Covers(2026), cal.Covers(2027))
	}
}

// The shipped override files and the library must agree on every date of
// the years both have: a typo in either shows here.
func TestShippedFilesAgreeWithLibrary(t *testing.T) {
	files, err := workday.DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	lib, own := workday.NewOfficial(Lunar{}), workday.NewOfficial(files)
	for _, y := range files.Years() {
		if !lib.Covers(y) {
			continue
		}
		for d := time.Date(y, 1, 1, 0, 0, 0, 0, workday.Zone); d.Year() == y; d = d.AddDate(0, 0, 1) {
			if lib.IsWorkday(d) != own.IsWorkday(d) {
				t.Errorf("%s: library says working day %v, %s says %v", d.Format(time.DateOnly),
					lib.IsWorkday(d), files.Origin(y), own.IsWorkday(d))
			}
		}
	}
}

func TestNewLayersOverridesOverLibrary(t *testing.T) {
	cal, files, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	if len(files.Years()) == 0 || !cal.Covers(2019) || !cal.Covers(2026) {
		t.Fatalf("years %v, covers 2019 %v", files.Years(), cal.Covers(2019))
	}
	// 2019's 元旦 make-up day (a Saturday in 2018) comes from the library.
	if !cal.IsWorkday(ymd("2018-12-29")) {
		t.Error("2018-12-29 should be a make-up working day")
	}
}

func TestCoverageGaugeAndWarning(t *testing.T) {
	cal, _, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	now := ymd("2026-11-23")
	reg := prometheus.NewPedanticRegistry()
	RegisterCoverage(reg, cal, clock.Func(func() time.Time { return now }))
	want := `
# HELP tuijin_deadline_calendar_year_covered 1 if the working-day calendar has the official holiday arrangement of the current or next year, else 0.
# TYPE tuijin_deadline_calendar_year_covered gauge
tuijin_deadline_calendar_year_covered{which="current"} 1
tuijin_deadline_calendar_year_covered{which="next"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	var buf bytes.Buffer
	WarnMissing(slog.New(slog.NewTextHandler(&buf, nil)), cal, clock.Func(func() time.Time { return now }))
	if !strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), "year=2027") {
		t.Errorf("no warning for 2027: %q", buf.String())
	}
}
