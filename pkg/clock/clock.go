// Package clock lets domain code ask for the time without reading the wall
// clock itself, so tests can drive time.
package clock

import (
	"sync"
	"time"
)

// Clock tells the current time.
type Clock interface {
	Now() time.Time
}

// System is the wall clock.
type System struct{}

// Now returns time.Now().
func (System) Now() time.Time { return time.Now() }

// Func adapts a function to Clock.
type Func func() time.Time

// Now calls f.
func (f Func) Now() time.Time { return f() }

// Shifted is the wall clock moved by Offset: a drill, a training room or an
// end-to-end test runs a service weeks ahead to see deadlines fall due
// without waiting for them. Production runs with Offset zero.
type Shifted struct{ Offset time.Duration }

// Now returns time.Now() plus the offset.
func (s Shifted) Now() time.Time { return time.Now().Add(s.Offset) }

// Manual is a clock that moves only when told, for tests that drive time.
// With a non-zero tick every reading also moves it on by the tick, so that
// things stored one after another still sort in that order.
type Manual struct {
	mu   sync.Mutex
	now  time.Time
	tick time.Duration
}

// NewManual returns a manual clock at start that moves by tick per reading.
func NewManual(start time.Time, tick time.Duration) *Manual {
	return &Manual{now: start, tick: tick}
}

// Now returns the clock's time, then moves it on by the tick.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = m.now.Add(m.tick)
	return m.now
}

// Set moves the clock to t.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = t
}

// Advance moves the clock on by d.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = m.now.Add(d)
}
