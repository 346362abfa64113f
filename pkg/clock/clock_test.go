package clock_test

import (
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/clock"
)

func TestManual(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	still := clock.NewManual(start, 0)
	if got := still.Now(); !got.Equal(start) {
		t.Fatalf("Now() = %v, want %v", got, start)
	}
	still.Advance(time.Hour)
	if got := still.Now(); !got.Equal(start.Add(time.Hour)) {
		t.Fatalf("after Advance: %v", got)
	}
	ticking := clock.NewManual(start, time.Millisecond)
	a, b := ticking.Now(), ticking.Now()
	if !b.After(a) || b.Sub(a) != time.Millisecond {
		t.Fatalf("ticking clock read %v then %v", a, b)
	}
	ticking.Set(start)
	if got := ticking.Now(); !got.Equal(start.Add(time.Millisecond)) {
		t.Fatalf("after Set: %v", got)
	}
}
