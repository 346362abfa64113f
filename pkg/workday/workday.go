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

// Add returns the date n working days after t's date; with n == 0 it is the
// first working day on or after t's date. A negative n counts back from the
// last working day on or before t's date: Add(t, -2) is the second working
// day before it.
func Add(cal Calendar, t time.Time, n int) time.Time {
	if n < 0 {
		d := PrevWorkday(cal, t)
		for i := 0; i > n; {
			d = d.AddDate(0, 0, -1)
			if cal.IsWorkday(d) {
				i--
			}
		}
		return d
	}
	d := NextWorkday(cal, t)
	for i := 0; i < n; {
		d = d.AddDate(0, 0, 1)
		if cal.IsWorkday(d) {
			i++
		}
	}
	return d
}

// Count returns the number of working days in [from, to) by date.
func Count(cal Calendar, from, to time.Time) int {
	n := 0
	for d := Day(from); d.Before(Day(to)); d = d.AddDate(0, 0, 1) {
		if cal.IsWorkday(d) {
			n++
		}
	}
	return n
}

// DueAt is the instant a limit of n working days counted from start runs
// out: the end of the n-th working day after start's date, or of the same
// working day for n == 0 (即办件).
func DueAt(cal Calendar, start time.Time, n int) time.Time {
	return Add(cal, start, n).AddDate(0, 0, 1)
}
