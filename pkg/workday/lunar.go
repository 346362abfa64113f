// Package calendar builds the service's working-day calendar: the holiday
// data of the lunar-go library behind workday.Source, with the per-year
// override files laid over it, and reports years without data.
package calendar

import (
	"fmt"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"

	"github.com/tuijin/tuijin/pkg/workday"
)

// Lunar is the statutory holiday data of github.com/6tail/lunar-go (its
// HolidayUtil), which carries every announced arrangement up to the
// library's release.
type Lunar struct{}

// Year implements workday.Source.
func (Lunar) Year(year int) ([]workday.Entry, bool) {
	l := HolidayUtil.GetHolidaysByYear(year)
	if l == nil || l.Len() == 0 {
		return nil, false
	}
	out := make([]workday.Entry, 0, l.Len())
	for e := l.Front(); e != nil; e = e.Next() {
		h, ok := e.Value.(*HolidayUtil.Holiday)
		if !ok {
			continue
		}
		d, err := time.ParseInLocation(time.DateOnly, h.GetDay(), workday.Zone)
		if err != nil || d.Year() != year {
			continue
		}
		out = append(out, workday.Entry{Date: d, Name: h.GetName(), Work: h.IsWork()})
	}
	return out, true
}

// New returns the official calendar: the override files (embedded, then
// those of dir, which may be empty) take precedence date by date over the
// library.
func New(dir string) (*workday.Official, *workday.Files, error) {
	files, err := workday.LoadOverrides(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("calendar overrides: %w", err)
	}
	return workday.NewOfficial(files, Lunar{}), files, nil
}
