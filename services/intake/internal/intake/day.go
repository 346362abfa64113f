package intake

import (
	"fmt"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
)

// Bounds of a planned day: anything outside is a typo, not a plan (the
// ledger holds the same bounds).
const (
	firstPlanYear = 2000
	lastPlanYear  = 2100
)

// dayLayouts are the ways clerks write a day in a sheet or a form:
// 2027-03-01, 2027/3/1, 2027.3.1, 2027年3月1日.
var dayLayouts = []string{"2006-1-2", "2006/1/2", "2006.1.2", "2006年1月2日"}

// parseDay reads a day written in one of dayLayouts.
func parseDay(s string) (time.Time, bool) {
	for _, l := range dayLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// normalDay writes a day clerks wrote in any of dayLayouts as 2027-03-01,
// and leaves anything else for checkDay to refuse.
func normalDay(s string) string {
	if t, ok := parseDay(s); ok {
		return t.Format(time.DateOnly)
	}
	return s
}

// checkDay refuses, naming field, a non-empty value that is no day of
// 2000–2100.
func checkDay(field, s string) error {
	if s == "" {
		return nil
	}
	if t, ok := parseDay(s); !ok || t.Year() < firstPlanYear || t.Year() > lastPlanYear {
		return apperr.Invalid(field, "invalid_date",
			fmt.Sprintf("%s must be a day like 2027-03-01, between %d and %d", field, firstPlanYear, lastPlanYear))
	}
	return nil
}
