package workday

import (
	"testing"
	"time"
)

func TestLunarKnownDays(t *testing.T) {
	cal := NewOfficial(Lunar{})
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
	if !cal.Covers(2026) || cal.Covers(2027) {
		t.Errorf("lunar-go v1.4.6 covers 2026 %v, 2027 %v; want true, false", cal.Covers(2026), cal.Covers(2027))
	}
}

// The shipped override files and the library must agree on every date of
// the years both have: a typo in either shows here.
func TestShippedFilesAgreeWithLibrary(t *testing.T) {
	files, err := DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	lib, own := NewOfficial(Lunar{}), NewOfficial(files)
	for _, y := range files.Years() {
		if !lib.Covers(y) {
			continue
		}
		for d := time.Date(y, 1, 1, 0, 0, 0, 0, Zone); d.Year() == y; d = d.AddDate(0, 0, 1) {
			if lib.IsWorkday(d) != own.IsWorkday(d) {
				t.Errorf("%s: library says working day %v, %s says %v", d.Format(time.DateOnly),
					lib.IsWorkday(d), files.Origin(y), own.IsWorkday(d))
			}
		}
	}
}

func TestLoadLayersOverridesOverLibrary(t *testing.T) {
	cal, files, err := Load("")
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
	shipped := Shipped()
	for d := ymd("2018-01-01"); d.Year() <= 2026; d = d.AddDate(0, 0, 1) {
		if shipped.IsWorkday(d) != cal.IsWorkday(d) {
			t.Fatalf("%s: Shipped and Load(\"\") disagree", d.Format(time.DateOnly))
		}
	}
}
