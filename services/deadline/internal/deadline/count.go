package deadline

import (
	"fmt"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// Bounds of the calendar's arithmetic as the API offers it.
const (
	maxCountSpan = 10 * 366 * 24 * time.Hour
	maxAddDays   = 3650
)

// WorkdayCount is the working days in [From, To) by date, and
// whether the range runs into a year without official data (counted on
// weekends only there).
type WorkdayCount struct {
	From        string `json:"from"`
	To          string `json:"to"`
	WorkingDays int    `json:"working_days"`
	Provisional bool   `json:"provisional"`
}

// CountWorkdays counts the working days in [from, to) on cal: to not before
// from, at most ten years apart.
func CountWorkdays(cal workday.Calendar, from, to time.Time) (WorkdayCount, error) {
	switch {
	case to.Before(from):
		return WorkdayCount{}, apperr.Invalid("to", "invalid_range", "to must not be before from")
	case to.Sub(from) > maxCountSpan:
		return WorkdayCount{}, apperr.Invalid("to", "invalid_range", "the range may span at most ten years")
	}
	return WorkdayCount{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly),
		WorkingDays: workday.Count(cal, from, to), Provisional: len(workday.ProvisionalYears(cal, from, to)) > 0}, nil
}

// WorkdaySum is Date plus Days working days under the counting rule
// (negative Days count back).
type WorkdaySum struct {
	Date        string `json:"date"`
	Days        int    `json:"days"`
	Result      string `json:"result"`
	Provisional bool   `json:"provisional"`
}

// DaysError is the refusal of a day count that is not a whole number from
// -3650 to 3650.
func DaysError() error {
	return apperr.Invalid("days", "invalid_days",
		fmt.Sprintf("days must be a whole number from %d to %d (negative counts back)", -maxAddDays, maxAddDays))
}

// AddWorkdays adds days working days to date on cal, at most ten years'
// worth either way.
func AddWorkdays(cal workday.Calendar, date time.Time, days int) (WorkdaySum, error) {
	if days < -maxAddDays || days > maxAddDays {
		return WorkdaySum{}, DaysError()
	}
	result := workday.Add(cal, date, days)
	return WorkdaySum{Date: date.Format(time.DateOnly), Days: days, Result: result.Format(time.DateOnly),
		Provisional: len(workday.ProvisionalYears(cal, date, result)) > 0}, nil
}
