package deadline

import (
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/workday"
)

func TestCalendarArithmetic(t *testing.T) {
	cal := workday.Shipped()
	day := func(s string) time.Time {
		d, err := time.ParseInLocation(time.DateOnly, s, workday.Zone)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if s, err := AddWorkdays(cal, day("2026-09-30"), 1); err != nil || s.Result != "2026-10-08" || s.Provisional {
		t.Errorf("2026-09-30 + 1: %+v, %v; want 2026-10-08 (国庆 off), not provisional", s, err)
	}
	if c, err := CountWorkdays(cal, day("2026-10-01"), day("2026-10-10")); err != nil || c.WorkingDays != 2 {
		t.Errorf("working days in [10-01, 10-10): %+v, %v; want 2 (10-08, 10-09)", c, err)
	}
	for _, tt := range []struct {
		name  string
		err   error
		field string
	}{
		{"to before from", second(CountWorkdays(cal, day("2026-10-09"), day("2026-10-01"))), "to"},
		{"over ten years", second(CountWorkdays(cal, day("2026-01-01"), day("2037-01-01"))), "to"},
		{"too many days", second(AddWorkdays(cal, day("2026-01-01"), 3651)), "days"},
		{"too many back", second(AddWorkdays(cal, day("2026-01-01"), -3651)), "days"},
	} {
		if e, ok := apperr.As(tt.err); !ok || e.Kind != apperr.KindInvalid || e.Field != tt.field {
			t.Errorf("%s: %v, want invalid %s", tt.name, tt.err, tt.field)
		}
	}
}

func second[T any](_ T, err error) error { return err }
