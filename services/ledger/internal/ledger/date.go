package ledger

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// Date is a calendar day in workday.Zone, written as officials write a
// date in data: 2026-12-09. A forecast or a plan names a day, not an
// instant, so that no zone shifts it to the day before or after.
type Date struct{ time.Time }

// DateOf is the day of t in workday.Zone.
func DateOf(t time.Time) Date { return Date{workday.Day(t)} }

// String is the day as 2026-12-09.
func (d Date) String() string { return d.In(workday.Zone).Format(time.DateOnly) }

// MarshalJSON writes the day as "2026-12-09".
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads "2026-12-09".
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := time.ParseInLocation(time.DateOnly, s, workday.Zone)
	if err != nil {
		return err
	}
	*d = Date{t}
	return nil
}

// Bounds of a planned date: anything outside is a typo, not a plan.
const (
	firstPlanYear = 2000
	lastPlanYear  = 2100
)

// ParseDate reads a day like 2026-12-09 given in field, refusing other
// shapes and years outside 2000–2100 with a 422 naming the field.
func ParseDate(field, s string) (Date, error) {
	t, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(s), workday.Zone)
	if err != nil || t.Year() < firstPlanYear || t.Year() > lastPlanYear {
		return Date{}, apperr.Invalid(field, "invalid_date",
			fmt.Sprintf("%s must be a day like 2027-03-01, between %d and %d", field, firstPlanYear, lastPlanYear))
	}
	return Date{t}, nil
}
