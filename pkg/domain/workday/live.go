package workday

import (
	"slices"
	"sync/atomic"
	"time"
)

// Live is an Official calendar that can be replaced while it is in use, as
// a year file arrives in the calendar dir of a running service. Each call
// reads the calendar current at that moment; a count that straddles a
// replacement may mix the two, and is recomputed by whoever replaced it.
type Live struct {
	cur atomic.Pointer[Official]
}

// NewLive starts with c.
func NewLive(c *Official) *Live {
	l := &Live{}
	l.cur.Store(c)
	return l
}

// Official is the calendar in use now.
func (l *Live) Official() *Official { return l.cur.Load() }

// Set replaces the calendar in use.
func (l *Live) Set(c *Official) { l.cur.Store(c) }

// IsWorkday implements Calendar.
func (l *Live) IsWorkday(d time.Time) bool { return l.cur.Load().IsWorkday(d) }

// Covers implements Coverer.
func (l *Live) Covers(year int) bool { return l.cur.Load().Covers(year) }

// Holiday implements Namer.
func (l *Live) Holiday(d time.Time) string { return l.cur.Load().Holiday(d) }

// ChangedYears lists, ascending, the years old and next count differently:
// a year one covers and the other does not, or whose days off and make-up
// days differ.
func ChangedYears(old, next *Official) []int {
	seen := map[int]bool{}
	var out []int
	for _, y := range append(old.Years(), next.Years()...) {
		if seen[y] {
			continue
		}
		seen[y] = true
		if old.Covers(y) != next.Covers(y) || !sameEntries(old.Entries(y), next.Entries(y)) {
			out = append(out, y)
		}
	}
	slices.Sort(out)
	return out
}

func sameEntries(a, b []Entry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Date.Equal(b[i].Date) || a[i].Work != b[i].Work || a[i].Name != b[i].Name {
			return false
		}
	}
	return true
}
