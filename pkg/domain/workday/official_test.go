package workday

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func ymd(s string) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, s, Zone)
	if err != nil {
		panic(err)
	}
	return d
}

func shipped(t testing.TB) *Official {
	t.Helper()
	f, err := DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	return NewOfficial(f)
}

// KnownDays are dates of the 2025 and 2026 arrangements as the State
// Council's notices announce them.
var knownDays = []struct {
	date string
	work bool
	why  string
}{
	{"2025-01-01", false, "元旦 2025"},
	{"2025-01-02", true, "after 元旦 2025"},
	{"2025-01-26", true, "Sunday make-up day before 春节 2025"},
	{"2025-01-27", true, "Monday before 春节 2025"},
	{"2025-01-28", false, "除夕 2025"},
	{"2025-01-29", false, "春节 2025"},
	{"2025-02-04", false, "last day of 春节 2025"},
	{"2025-02-05", true, "back to work after 春节 2025"},
	{"2025-02-08", true, "Saturday make-up day after 春节 2025"},
	{"2025-02-09", false, "ordinary Sunday"},
	{"2025-09-28", true, "Sunday make-up day before 国庆 2025"},
	{"2025-10-01", false, "国庆 2025"},
	{"2025-10-06", false, "中秋 within 国庆 2025"},
	{"2025-10-08", false, "last day of 国庆 2025"},
	{"2025-10-09", true, "back to work after 国庆 2025"},
	{"2025-10-11", true, "Saturday make-up day after 国庆 2025"},
	{"2026-01-01", false, "元旦 2026"},
	{"2026-01-02", false, "元旦 2026 (Friday)"},
	{"2026-01-03", false, "元旦 2026 (Saturday)"},
	{"2026-01-04", true, "Sunday make-up day after 元旦 2026"},
	{"2026-02-13", true, "Friday before 春节 2026"},
	{"2026-02-14", true, "Saturday make-up day before 春节 2026"},
	{"2026-02-15", false, "first day of 春节 2026"},
	{"2026-02-17", false, "正月初一 2026"},
	{"2026-02-23", false, "last day of 春节 2026 (Monday)"},
	{"2026-02-24", true, "back to work after 春节 2026"},
	{"2026-02-28", true, "Saturday make-up day after 春节 2026"},
	{"2026-09-20", true, "Sunday make-up day before 国庆 2026"},
	{"2026-09-25", false, "中秋 2026 (Friday)"},
	{"2026-10-01", false, "国庆 2026"},
	{"2026-10-07", false, "last day of 国庆 2026"},
	{"2026-10-08", true, "back to work after 国庆 2026"},
	{"2026-10-10", true, "Saturday make-up day after 国庆 2026"},
	{"2026-10-11", false, "ordinary Sunday"},
}

func TestOfficialKnownDays(t *testing.T) {
	cal := shipped(t)
	for _, k := range knownDays {
		if got := cal.IsWorkday(ymd(k.date).Add(15 * time.Hour)); got != k.work {
			t.Errorf("%s (%s): working day %v, want %v", k.date, k.why, got, k.work)
		}
	}
}

func TestOfficialAddAcrossHolidays(t *testing.T) {
	cal := shipped(t)
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2025-01-27", 1, "2025-02-05"},  // over 春节 2025
		{"2025-01-25", 0, "2025-01-26"},  // Saturday: the next working day is the make-up Sunday
		{"2025-09-30", 1, "2025-10-09"},  // over 国庆 2025
		{"2025-09-27", 2, "2025-09-29"},  // Saturday: the make-up Sunday 28 is day 1, 29 day 2
		{"2025-12-31", 1, "2026-01-04"},  // over 元旦 2026 to its make-up Sunday
		{"2026-02-13", 1, "2026-02-14"},  // make-up Saturday before 春节 2026
		{"2026-02-14", 1, "2026-02-24"},  // over 春节 2026
		{"2026-02-14", 5, "2026-02-28"},  // 24 25 26 27 then the make-up Saturday
		{"2026-09-30", 1, "2026-10-08"},  // over 国庆 2026
		{"2026-10-03", 0, "2026-10-08"},  // 即办件 received on a holiday
		{"2026-10-08", -1, "2026-09-30"}, // subtracting goes back over it
		{"2026-01-04", -1, "2025-12-31"},
		{"2026-02-24", -2, "2026-02-13"},
	}
	for _, tt := range tests {
		if got := Add(cal, ymd(tt.from).Add(10*time.Hour), tt.n); got.Format(time.DateOnly) != tt.want {
			t.Errorf("Add(%s, %d) = %s, want %s", tt.from, tt.n, got.Format(time.DateOnly), tt.want)
		}
	}
}

func TestOfficialCount(t *testing.T) {
	cal := shipped(t)
	tests := []struct {
		from, to string
		want     int
	}{
		{"2025-01-26", "2025-02-09", 6},  // 26 27 | 5 6 7 8
		{"2025-09-27", "2025-10-13", 6},  // 28 29 30 | 9 10 11
		{"2026-02-09", "2026-03-02", 11}, // 9-13, the make-up 14 | 24-27, the make-up 28
		{"2026-09-19", "2026-10-12", 11}, // 20 | 21-24 | 28-30 | 8 9 10
		{"2025-12-29", "2026-01-05", 4},  // 29 30 31 | the make-up Sunday 4
	}
	for _, tt := range tests {
		if got := Count(cal, ymd(tt.from), ymd(tt.to)); got != tt.want {
			t.Errorf("Count(%s, %s) = %d, want %d", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestOfficialDueAtIsEndOfLastWorkingDay(t *testing.T) {
	cal := shipped(t)
	got := DueAt(cal, ymd("2026-09-30").Add(9*time.Hour), 1)
	if want := ymd("2026-10-09"); !got.Equal(want) {
		t.Errorf("DueAt = %s, want %s", got, want)
	}
}

func TestCoverageAndMissingYears(t *testing.T) {
	cal := shipped(t)
	if !cal.Covers(2025) || !cal.Covers(2026) || cal.Covers(2027) {
		t.Fatalf("covers 2025 %v 2026 %v 2027 %v", cal.Covers(2025), cal.Covers(2026), cal.Covers(2027))
	}
	if got := cal.MissingYears(ymd("2026-11-23")); !slices.Equal(got, []int{2027}) {
		t.Errorf("missing years on 2026-11-23: %v", got)
	}
	if got := cal.MissingYears(ymd("2025-06-01")); len(got) != 0 {
		t.Errorf("missing years on 2025-06-01: %v", got)
	}
	if got := cal.Holiday(ymd("2026-02-14")); got != "春节" {
		t.Errorf("holiday of 2026-02-14 = %q", got)
	}
}

// Property: over random instants of 2024-2027 and random n, Add(at, n)
// lands on a working day with exactly n working days after at's date up to
// and including it (开始的当日不计入), subtracting undoes adding, and DueAt is
// the end of that day.
func TestAddCountRoundTripProperty(t *testing.T) {
	for name, cal := range map[string]Calendar{"official": shipped(t), "weekends": Weekends{}} {
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(20261123, 4))
			base := ymd("2024-01-01")
			for i := 0; i < 5000; i++ {
				at := base.Add(time.Duration(r.Int64N(int64(4 * 365 * 24 * time.Hour))))
				n := 1 + r.IntN(60)
				day := Day(at)
				to := Add(cal, at, n)
				if !cal.IsWorkday(to) {
					t.Fatalf("Add(%s, %d) = %s is no working day", at, n, to)
				}
				if got := Count(cal, day.AddDate(0, 0, 1), to.AddDate(0, 0, 1)); got != n {
					t.Fatalf("working days in (%s, Add(.., %d) = %s] = %d", day.Format(time.DateOnly), n, to.Format(time.DateOnly), got)
				}
				if back := Add(cal, to, -n); !back.Equal(PrevWorkday(cal, at)) {
					t.Fatalf("Add(Add(%s, %d), -%d) = %s, want %s", at, n, n, back, PrevWorkday(cal, at))
				}
				from := Add(cal, at, -n)
				if got := Count(cal, from, day); got != n || !cal.IsWorkday(from) {
					t.Fatalf("working days in [Add(%s, -%d) = %s, %s) = %d", at, n, from.Format(time.DateOnly), day.Format(time.DateOnly), got)
				}
				if due := DueAt(cal, at, n); !due.Equal(to.AddDate(0, 0, 1)) {
					t.Fatalf("DueAt(%s, %d) = %s", at, n, due)
				}
				if same := Add(cal, at, 0); !same.Equal(NextWorkday(cal, at)) {
					t.Fatalf("Add(%s, 0) = %s", at, same)
				}
			}
		})
	}
}

// byDate hides an Official's own walk, so that Add and Count ask it date by
// date: the reference the walk must agree with.
type byDate struct{ c *Official }

func (b byDate) IsWorkday(d time.Time) bool { return b.c.IsWorkday(d) }

func TestWalkAgreesWithDateByDate(t *testing.T) {
	cal := shipped(t)
	slow := byDate{cal}
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(1989, 12, 1, 0, 0, 0, 0, Zone) // before the tables, across leap years and both ends
	for range 20_000 {
		from := start.AddDate(0, 0, rng.IntN(50*366)).Add(time.Duration(rng.IntN(24)) * time.Hour)
		n := rng.IntN(601) - 300
		if got, want := Add(cal, from, n), Add(slow, from, n); !got.Equal(want) {
			t.Fatalf("Add(%s, %d) = %s, date by date %s", from, n, got, want)
		}
		to := from.AddDate(0, 0, rng.IntN(400)-50)
		if got, want := Count(cal, from, to), Count(slow, from, to); got != want {
			t.Fatalf("Count(%s, %s) = %d, date by date %d", from, to, got, want)
		}
	}
	// The years at the edges of the tables, where the walk steps out.
	for _, from := range []time.Time{time.Date(lastYear, 12, 20, 0, 0, 0, 0, Zone), time.Date(firstYear, 1, 10, 0, 0, 0, 0, Zone)} {
		for _, n := range []int{-30, 30} {
			if got, want := Add(cal, from, n), Add(slow, from, n); !got.Equal(want) {
				t.Fatalf("Add(%s, %d) = %s, date by date %s", from, n, got, want)
			}
		}
	}
}

func BenchmarkAdd250(b *testing.B) {
	cal := NewLive(shipped(b))
	from := time.Date(2026, 9, 24, 0, 0, 0, 0, Zone)
	for b.Loop() {
		Add(cal, from, 250)
	}
}
