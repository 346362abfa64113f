package deadline

import (
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/workday"
)

func at(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, workday.Zone) }

func TestForItem(t *testing.T) {
	cal := workday.Weekends{}
	tests := []struct {
		name      string
		start     time.Time
		days      int
		immediate bool
		wantDate  string
	}{
		{"5 days from a Monday", at(2026, 11, 23, 9), 5, false, "2026-11-30"},
		{"assigned on Saturday counts from Monday", at(2026, 11, 21, 9), 1, false, "2026-11-24"},
		{"即办件 is due the same working day", at(2026, 11, 25, 16), 10, true, "2026-11-25"},
		{"即办件 on Sunday is due Monday", at(2026, 11, 22, 9), 0, true, "2026-11-23"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ForItem(cal, "p.x", tt.start, tt.days, tt.immediate)
			if d.DueDate != tt.wantDate {
				t.Errorf("due date %s, want %s", d.DueDate, tt.wantDate)
			}
			day, _ := time.ParseInLocation(time.DateOnly, tt.wantDate, workday.Zone)
			if want := day.AddDate(0, 0, 1); !d.DueAt.Equal(want) {
				t.Errorf("due instant %s, want the end of %s (%s)", d.DueAt, tt.wantDate, want)
			}
		})
	}
}

func TestAssessLevels(t *testing.T) {
	cal := workday.Weekends{}
	d := ForItem(cal, "p.x", at(2026, 11, 23, 9), 5, false) // due end of Mon 2026-11-30
	tests := []struct {
		now       time.Time
		want      Level
		remaining int
	}{
		{at(2026, 11, 23, 10), LevelGreen, 6},
		{at(2026, 11, 27, 10), LevelGreen, 2}, // Friday: Fri + Mon
		{at(2026, 11, 28, 10), LevelYellow, 1},
		{at(2026, 11, 30, 23), LevelYellow, 1},
		{at(2026, 12, 1, 0), LevelRed, 0},
	}
	for _, tt := range tests {
		got := d.Assess(cal, tt.now, 1)
		if got.Level != tt.want || got.RemainingDays != tt.remaining {
			t.Errorf("at %s: level %s remaining %d, want %s %d", tt.now, got.Level, got.RemainingDays, tt.want, tt.remaining)
		}
	}
}
