package workday_test

import (
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// FuzzCalendar: for any start within a century and any limit the services
// accept (±3650 working days), on the shipped official calendar and on
// weekends alone, the arithmetic agrees with itself: Add lands on a working
// day on the right side of the start with exactly |n| working days between,
// Nth, DueAt and Explain say the same as Add.
func FuzzCalendar(f *testing.F) {
	for _, s := range []struct {
		day      uint16
		minute   uint16
		n        int16
		official bool
	}{
		{9763, 540, 5, true},  // 2026-09-24 09:00, 5 days across 国庆
		{9821, 0, 1, true},    // 2026-11-21, a Saturday
		{9763, 1439, 0, true}, // 即办件 late in the day
		{9400, 600, -3, true}, // counting back
		{36000, 720, 3650, false},
		{0, 0, -3650, true},
	} {
		f.Add(s.day, s.minute, s.n, s.official)
	}
	official := workday.Shipped()
	base := time.Date(2000, 1, 1, 0, 0, 0, 0, workday.Zone)
	f.Fuzz(func(t *testing.T, day, minute uint16, n int16, useOfficial bool) {
		var cal workday.Calendar = workday.Weekends{}
		if useOfficial {
			cal = official
		}
		start := base.AddDate(0, 0, int(day)%36500).Add(time.Duration(minute%1440) * time.Minute)
		days := int(n) % 3651
		got := workday.Add(cal, start, days)
		d := workday.Day(start)
		if !cal.IsWorkday(got) || !got.Equal(workday.Day(got)) {
			t.Fatalf("Add(%s, %d) = %s: not a working day's midnight", start, days, got)
		}
		switch {
		case days > 0:
			if !got.After(d) || workday.Count(cal, d.AddDate(0, 0, 1), got.AddDate(0, 0, 1)) != days {
				t.Fatalf("Add(%s, %d) = %s: not %d working days after", start, days, got, days)
			}
			if nth := workday.Nth(cal, start, days); !nth.Equal(workday.Add(cal, d.AddDate(0, 0, -1), days)) {
				t.Fatalf("Nth(%s, %d) = %s", start, days, nth)
			}
		case days == 0:
			if got.Before(d) || workday.Count(cal, d, got) != 0 {
				t.Fatalf("Add(%s, 0) = %s: not the same or next working day", start, got)
			}
		default:
			if !got.Before(d) || workday.Count(cal, got, d) != -days {
				t.Fatalf("Add(%s, %d) = %s: not %d working days before", start, days, got, -days)
			}
		}
		if due := workday.DueAt(cal, start, days); !due.Equal(got.AddDate(0, 0, 1)) {
			t.Fatalf("DueAt(%s, %d) = %s, Add %s", start, days, due, got)
		}
		if days >= 0 {
			sp := workday.Explain(cal, start, days)
			want := max(days, 1)
			if !sp.Last.Equal(got) || sp.Counted != want {
				t.Fatalf("Explain(%s, %d): last %s counted %d, want %s and %d", start, days, sp.Last, sp.Counted, got, want)
			}
		}
	})
}
