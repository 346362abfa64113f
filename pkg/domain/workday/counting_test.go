package workday

import (
	"slices"
	"testing"
	"time"
)

// The counting rule (开始的当日不计入): N working days after a date do not
// count that date; a clock that starts on a day off starts counting on the
// next working day, which is day 1. Dates are those of the State Council's
// 2025 and 2026 notices, as shipped.
func TestCountingRule(t *testing.T) {
	cal := shipped(t)
	tests := []struct {
		name  string
		start string // at 15:00 Beijing time
		n     int
		want  string
	}{
		{"weekday start: the next day is day 1", "2026-11-19", 1, "2026-11-20"},
		{"weekday start, five days", "2026-11-19", 5, "2026-11-26"},
		{"Friday start: Monday is day 1", "2026-11-20", 1, "2026-11-23"},
		{"Friday start, five days", "2026-11-20", 5, "2026-11-27"},
		{"Saturday start: Monday is day 1", "2026-11-21", 1, "2026-11-23"},
		{"Saturday start, five days end on Friday", "2026-11-21", 5, "2026-11-27"},
		{"Sunday start, ten days", "2026-11-22", 10, "2026-12-04"},
		{"start on a holiday (国庆): the first working day after it is day 1", "2026-10-03", 1, "2026-10-08"},
		{"start on 国庆 day 1, five days over the make-up Saturday", "2026-10-01", 5, "2026-10-13"},
		{"start the day before 中秋 and 国庆 (the issue's 立项)", "2026-09-24", 5, "2026-10-09"},
		{"start on a make-up working day: the day itself is not counted", "2026-10-10", 1, "2026-10-12"},
		{"start on the make-up Saturday before 春节", "2026-02-14", 1, "2026-02-24"},
		{"start before a make-up Saturday: it is day 1", "2026-02-13", 1, "2026-02-14"},
		{"start on 春节 (a Monday off)", "2026-02-23", 1, "2026-02-24"},
		{"across the year end: 元旦 2026 off, its make-up Sunday is day 1", "2025-12-31", 1, "2026-01-04"},
		{"across the year end, three days", "2025-12-31", 3, "2026-01-06"},
		{"即办件 (0 days) on a working day: that day", "2026-11-19", 0, "2026-11-19"},
		{"即办件 on a Saturday: the next working day", "2026-11-21", 0, "2026-11-23"},
		{"即办件 on a holiday", "2026-10-01", 0, "2026-10-08"},
		{"即办件 on a make-up day: that day", "2026-10-10", 0, "2026-10-10"},
		{"back one from a Monday: Friday", "2026-11-23", -1, "2026-11-20"},
		{"back one from a Sunday: Friday", "2026-11-22", -1, "2026-11-20"},
		{"back one from after 国庆", "2026-10-08", -1, "2026-09-30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Add(cal, ymd(tt.start).Add(15*time.Hour), tt.n)
			if got.Format(time.DateOnly) != tt.want {
				t.Errorf("Add(%s, %d) = %s, want %s", tt.start, tt.n, got.Format(time.DateOnly), tt.want)
			}
			if tt.n < 0 {
				return
			}
			due := DueAt(cal, ymd(tt.start).Add(15*time.Hour), tt.n)
			if want := ymd(tt.want).AddDate(0, 0, 1); !due.Equal(want) {
				t.Errorf("DueAt(%s, %d) = %s, want the end of %s", tt.start, tt.n, due, tt.want)
			}
		})
	}
}

// Nth counts a date that starts a period as day 1 when it is a working day:
// the ladder's steps, n working days after a due instant (a midnight).
func TestNthCountsTheFirstDay(t *testing.T) {
	cal := shipped(t)
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2026-11-20", 1, "2026-11-20"}, // Friday: itself
		{"2026-11-21", 1, "2026-11-23"}, // Saturday: Monday
		{"2026-11-21", 2, "2026-11-24"},
		{"2026-10-01", 1, "2026-10-08"}, // 国庆
		{"2026-10-10", 1, "2026-10-10"}, // make-up Saturday
	}
	for _, tt := range tests {
		if got := Nth(cal, ymd(tt.from), tt.n); got.Format(time.DateOnly) != tt.want {
			t.Errorf("Nth(%s, %d) = %s, want %s", tt.from, tt.n, got.Format(time.DateOnly), tt.want)
		}
	}
}

// A count that runs into a year without official data is provisional: it
// follows the weekend rule there (元旦 2027 counted as a working day until
// 2027's notice is added).
func TestProvisionalYears(t *testing.T) {
	cal := shipped(t)
	tests := []struct {
		from, to string
		want     []int
	}{
		{"2026-11-23", "2026-12-31", nil},
		{"2026-12-15", "2027-01-05", []int{2027}},
		{"2027-01-05", "2026-12-15", []int{2027}},
		{"2024-12-30", "2025-01-02", []int{2024}}, // the shipped files start at 2025
		{"2026-01-01", "2028-02-01", []int{2027, 2028}},
	}
	for _, tt := range tests {
		got := ProvisionalYears(cal, ymd(tt.from), ymd(tt.to))
		if !slices.Equal(got, tt.want) {
			t.Errorf("ProvisionalYears(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
	if got := Add(cal, ymd("2026-12-31"), 1); got.Format(time.DateOnly) != "2027-01-01" {
		t.Errorf("Add(2026-12-31, 1) = %s: 2027 without data follows the weekend rule", got.Format(time.DateOnly))
	}
	if got := ProvisionalYears(Weekends{}, ymd("2026-12-15"), ymd("2027-01-05")); got != nil {
		t.Errorf("weekends calendar: %v", got)
	}
}
