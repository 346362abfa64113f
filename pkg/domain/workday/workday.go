// Package workday counts working days of the Chinese official calendar in the
// Asia/Shanghai zone. A Calendar says which dates are working days; the
// functions on top of it add, subtract and count.
//
// Official is the calendar of the State Council's annual arrangement:
// weekends off, statutory holidays off, announced make-up working days (调休)
// on. Its data comes from Sources (a maintained library, and one override
// file per year so that next year's announcement is a data change, not a
// release).
package workday

import (
	"time"
)

// Zone is the zone every promised time limit is counted in.
var Zone = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// The zone database may be missing on a minimal image; China has
		// kept UTC+8 without DST since 1991.
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// Calendar tells whether a date (year, month, day in Zone) is a working day.
type Calendar interface {
	IsWorkday(d time.Time) bool
}

// Weekends is the simplest calendar: Monday to Friday are working days.
type Weekends struct{}

// IsWorkday reports whether d falls on Monday to Friday in Zone.
func (Weekends) IsWorkday(d time.Time) bool {
	wd := d.In(Zone).Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// Day returns midnight of t's date in Zone.
func Day(t time.Time) time.Time {
	y, m, d := t.In(Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, Zone)
}

// NextWorkday returns the first working day on or after t's date.
func NextWorkday(cal Calendar, t time.Time) time.Time {
	d := Day(t)
	for !cal.IsWorkday(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// PrevWorkday returns the last working day on or before t's date.
func PrevWorkday(cal Calendar, t time.Time) time.Time {
	d := Day(t)
	for !cal.IsWorkday(d) {
		d = d.AddDate(0, 0, -1)
	}
	return d
}

// Add returns the date n working days after t's date, counted the way the
// law counts a period (开始的当日不计入, 民法典 §201): t's date itself never
// counts, and the first working day after it is day 1. A clock started on a
// day off therefore starts counting on the next working day, and that day is
// day 1: 5 working days from Thursday 2026-09-24 end on 2026-10-09 (09-28,
// 09-29, 09-30, then 国庆 until 10-07, then 10-08, 10-09), and 1 working day
// from Saturday 2026-11-21 is Monday 11-23.
//
// n == 0 is the same working day (即办件): t's date if it is a working day,
// else the next working day. A negative n counts back the same way: Add(t,
// -1) is the last working day before t's date.
func Add(cal Calendar, t time.Time, n int) time.Time {
	d := Day(t)
	w, fast := cal.(walker)
	switch {
	case n == 0:
		return NextWorkday(cal, d)
	case fast:
		return w.walk(d, n)
	case n > 0:
		for i := 0; i < n; {
			d = d.AddDate(0, 0, 1)
			if cal.IsWorkday(d) {
				i++
			}
		}
	default:
		for i := 0; i > n; {
			d = d.AddDate(0, 0, -1)
			if cal.IsWorkday(d) {
				i--
			}
		}
	}
	return d
}

// Nth returns the n-th working day (n >= 1) counting t's date as day 1 when
// it is a working day: where a count that runs from the start of t's date
// ends, such as a ladder step n working days after a due instant (a
// midnight).
func Nth(cal Calendar, t time.Time, n int) time.Time {
	return Add(cal, Day(t).AddDate(0, 0, -1), n)
}

// Count returns the number of working days in [from, to) by date.
func Count(cal Calendar, from, to time.Time) int {
	if w, ok := cal.(walker); ok {
		return w.count(from, to)
	}
	n := 0
	for d := Day(from); d.Before(Day(to)); d = d.AddDate(0, 0, 1) {
		if cal.IsWorkday(d) {
			n++
		}
	}
	return n
}

// DueAt is the instant a limit of n working days counted from start runs
// out: the end of the n-th working day after start's date (see Add for the
// counting rule), or of the same working day for n == 0 (即办件).
func DueAt(cal Calendar, start time.Time, n int) time.Time {
	return Add(cal, start, n).AddDate(0, 0, 1)
}
