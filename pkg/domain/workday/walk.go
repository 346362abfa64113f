package workday

import "time"

// walker is a calendar that counts working days by walking its own tables:
// Add and Count use it when the calendar is one, instead of asking
// IsWorkday date by date through time.Time, which spends most of its work
// converting between instants and dates (a step 250 working days out cost
// a fired timer more than its event did).
type walker interface {
	walk(from time.Time, n int) time.Time
	count(from, to time.Time) int
}

// cursor is a date as the tables index it: year, day of the year (1 on
// January 1) and weekday.
type cursor struct {
	year, yday int
	wd         time.Weekday
}

func cursorAt(d time.Time) cursor {
	return cursor{year: d.Year(), yday: d.YearDay(), wd: d.Weekday()}
}

func (c *cursor) next() {
	c.yday++
	c.wd = (c.wd + 1) % 7
	if c.yday > daysIn(c.year) {
		c.year, c.yday = c.year+1, 1
	}
}

func (c *cursor) prev() {
	c.yday--
	c.wd = (c.wd + 6) % 7
	if c.yday < 1 {
		c.year--
		c.yday = daysIn(c.year)
	}
}

func (c cursor) date() time.Time { return time.Date(c.year, time.January, c.yday, 0, 0, 0, 0, Zone) }

// civilDay numbers t's date (in t's zone) in days, so that dates subtract
// to the days between them whatever the zone's offsets did meanwhile.
func civilDay(t time.Time) int {
	y, m, d := t.Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func daysIn(year int) int {
	if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		return 366
	}
	return 365
}

// workday is IsWorkday of the date at c.
func (o *Official) workday(c cursor) bool {
	if yi := c.year - firstYear; yi >= 0 && yi < len(o.kinds) {
		switch o.kinds[yi][c.yday] {
		case dayOff:
			return false
		case makeUpDay:
			return true
		}
	}
	return c.wd != time.Saturday && c.wd != time.Sunday
}

// walk is Add for n != 0.
func (o *Official) walk(from time.Time, n int) time.Time {
	c := cursorAt(Day(from))
	for n > 0 {
		if c.next(); o.workday(c) {
			n--
		}
	}
	for n < 0 {
		if c.prev(); o.workday(c) {
			n++
		}
	}
	return c.date()
}

// count is Count.
func (o *Official) count(from, to time.Time) int {
	a, b := Day(from), Day(to)
	c, days := cursorAt(a), civilDay(b)-civilDay(a)
	n := 0
	for ; days > 0; days-- {
		if o.workday(c) {
			n++
		}
		c.next()
	}
	return n
}

func (l *Live) walk(from time.Time, n int) time.Time { return l.cur.Load().walk(from, n) }
func (l *Live) count(from, to time.Time) int         { return l.cur.Load().count(from, to) }
