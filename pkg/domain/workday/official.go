package workday

import (
	"slices"
	"time"
)

// Entry is one date of an official arrangement: a statutory day off, or a
// make-up working day (调休, usually a Saturday or Sunday).
type Entry struct {
	Date time.Time // midnight in Zone
	Name string    // the holiday it belongs to, e.g. 春节
	Work bool      // true for a make-up working day, false for a day off
}

// Source is official holiday data for whole years.
type Source interface {
	// Year returns the entries dated in year, and whether the source has
	// that year's arrangement at all.
	Year(year int) (entries []Entry, ok bool)
}

// Calendar years the official calendar holds tables for; outside them it
// falls back to weekends only.
const (
	firstYear = 1990
	lastYear  = 2199
)

type dayKind uint8

const (
	ordinary dayKind = iota
	dayOff
	makeUpDay
)

// Official is the calendar of the annual State Council arrangement. Sources
// are consulted date by date in order: the first that lists a date decides
// it; a date no source lists follows the weekend rule. It is immutable and
// safe for concurrent use.
type Official struct {
	kinds   [lastYear - firstYear + 1][367]dayKind
	covered map[int]bool
	names   map[time.Time]string
}

// NewOfficial builds the calendar from sources, the first taking precedence.
func NewOfficial(sources ...Source) *Official {
	c := &Official{covered: map[int]bool{}, names: map[time.Time]string{}}
	for i := len(sources) - 1; i >= 0; i-- { // later sources first, so earlier ones overwrite
		for y := firstYear; y <= lastYear; y++ {
			entries, ok := sources[i].Year(y)
			if !ok {
				continue
			}
			c.covered[y] = true
			for _, e := range entries {
				d := Day(e.Date)
				yi := d.Year() - firstYear
				if yi < 0 || yi >= len(c.kinds) {
					continue
				}
				k := dayOff
				if e.Work {
					k = makeUpDay
				}
				c.kinds[yi][d.YearDay()] = k
				c.names[d] = e.Name
			}
		}
	}
	return c
}

// IsWorkday reports whether d's date in Zone is a working day.
func (c *Official) IsWorkday(d time.Time) bool {
	day := d.In(Zone)
	yi := day.Year() - firstYear
	if yi >= 0 && yi < len(c.kinds) {
		switch c.kinds[yi][day.YearDay()] {
		case dayOff:
			return false
		case makeUpDay:
			return true
		}
	}
	return Weekends{}.IsWorkday(day)
}

// Holiday names the holiday d's date belongs to (a day off or its make-up
// working day), or "" for an ordinary date.
func (c *Official) Holiday(d time.Time) string { return c.names[Day(d)] }

// Covers reports whether some source has the official arrangement of year.
// Without it the calendar counts weekends only, and every statutory holiday
// of that year would be counted as a working day.
func (c *Official) Covers(year int) bool { return c.covered[year] }

// MissingYears returns which of now's year and the next have no data: the
// years whose arrangement must still be added as an override file.
func (c *Official) MissingYears(now time.Time) []int {
	y := now.In(Zone).Year()
	var out []int
	for _, year := range []int{y, y + 1} {
		if !c.Covers(year) {
			out = append(out, year)
		}
	}
	return out
}

// Years lists the years some source has the arrangement of, ascending.
func (c *Official) Years() []int {
	out := make([]int, 0, len(c.covered))
	for y := range c.covered {
		out = append(out, y)
	}
	slices.Sort(out)
	return out
}

// Entries are the dates of year the calendar counts differently from the
// weekend rule (days off and make-up working days), as the sources decided
// them, in date order.
func (c *Official) Entries(year int) []Entry {
	yi := year - firstYear
	if yi < 0 || yi >= len(c.kinds) {
		return nil
	}
	var out []Entry
	for d := time.Date(year, 1, 1, 0, 0, 0, 0, Zone); d.Year() == year; d = d.AddDate(0, 0, 1) {
		if k := c.kinds[yi][d.YearDay()]; k != ordinary {
			out = append(out, Entry{Date: d, Name: c.names[d], Work: k == makeUpDay})
		}
	}
	return out
}

// Coverer is a calendar that knows which years it has the official
// arrangement of.
type Coverer interface {
	Covers(year int) bool
}

// ProvisionalYears returns the years from from's date to to's date (either
// order) that cal has no official arrangement for: a count across them
// follows the weekend rule there and may change once the year's notice is
// published. A calendar that is no Coverer has nothing provisional.
func ProvisionalYears(cal Calendar, from, to time.Time) []int {
	c, ok := cal.(Coverer)
	if !ok {
		return nil
	}
	a, b := Day(from).Year(), Day(to).Year()
	if a > b {
		a, b = b, a
	}
	var out []int
	for y := a; y <= b; y++ {
		if !c.Covers(y) {
			out = append(out, y)
		}
	}
	return out
}
