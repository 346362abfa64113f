package deadline

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
)

// A forged or broken assignment with an absurd promised_days is refused
// before any clock is computed or stored (20,000,000 days once took 3.7
// CPU-seconds per event and left a deadline no API could encode).
func TestAbsurdPromisedDaysRefused(t *testing.T) {
	a := ItemAssignment{ItemID: "2026-370481-04-01-000001.lixiang", Department: "fgw", AssignedAt: time.Now()}
	for _, n := range []int{0, 5, MaxPromisedDays} {
		a.PromisedDays = n
		if err := a.Validate(); err != nil {
			t.Errorf("%d days: %v", n, err)
		}
	}
	s := &service{} // no store, no calendar: a refusal must come first
	for _, n := range []int{-1, MaxPromisedDays + 1, 20_000_000, math.MaxInt32} {
		a.PromisedDays = n
		_, err := s.StartItem(context.Background(), a)
		if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindInvalid || e.Field != "promised_days" {
			t.Errorf("%d days: %v, want invalid promised_days", n, err)
		}
	}
}
