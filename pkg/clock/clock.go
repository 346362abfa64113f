// Package clock lets domain code ask for the time without reading the wall
// clock itself, so tests can drive time.
package clock

import "time"

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
