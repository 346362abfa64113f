package workday

import (
	"testing"
	"time"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, Zone) }

func TestAddSkipsWeekends(t *testing.T) {
	cal := Weekends{}
	tests := []struct {
		name  string
		start time.Time
		n     int
		want  time.Time
	}{
		{"same day on a weekday", date(2026, 11, 20), 0, date(2026, 11, 20)}, // Friday
		{"zero on a Saturday moves to Monday", date(2026, 11, 21), 0, date(2026, 11, 23)},
		{"Friday plus one is Monday", date(2026, 11, 20), 1, date(2026, 11, 23)},
		{"Monday plus five is next Monday", date(2026, 11, 23), 5, date(2026, 11, 30)},
		{"Saturday plus one is Monday, day 1", date(2026, 11, 21), 1, date(2026, 11, 23)},
		{"Sunday plus ten", date(2026, 11, 22), 10, date(2026, 12, 4)},
		{"Sunday minus one is Friday", date(2026, 11, 22), -1, date(2026, 11, 20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Add(cal, tt.start, tt.n)
			if !got.Equal(Day(tt.want)) {
				t.Errorf("Add(%s, %d) = %s, want %s", tt.start.Format(time.DateOnly), tt.n,
					got.Format(time.DateOnly), tt.want.Format(time.DateOnly))
			}
		})
	}
}

func TestAddAndCountRoundTrip(t *testing.T) {
	cal := Weekends{}
	start := date(2026, 1, 1)
	for i := 0; i < 400; i++ {
		from := start.AddDate(0, 0, i)
		for _, n := range []int{1, 3, 5, 10, 15, 30} {
			to := Add(cal, from, n)
			if got := Count(cal, Day(from).AddDate(0, 0, 1), to.AddDate(0, 0, 1)); got != n {
				t.Fatalf("Count(%s, Add(.., %d)=%s) = %d", from.Format(time.DateOnly), n, to.Format(time.DateOnly), got)
			}
		}
	}
}

func TestDueAtIsEndOfDay(t *testing.T) {
	got := DueAt(Weekends{}, date(2026, 11, 20), 0)
	want := time.Date(2026, 11, 21, 0, 0, 0, 0, Zone)
	if !got.Equal(want) {
		t.Errorf("DueAt = %s, want %s", got, want)
	}
}
