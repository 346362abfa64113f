package workday

import (
	"fmt"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// Lunar is the statutory holiday data of github.com/6tail/lunar-go (its
// HolidayUtil), which carries every announced arrangement up to the
// library's release.
type Lunar struct{}

// LunarSource names the library and version the Lunar data comes from, for
// years no file covers.
const LunarSource = "github.com/6tail/lunar-go v1.4.6 (HolidayUtil)"

// Year implements Source.
func (Lunar) Year(year int) ([]Entry, bool) {
	l := HolidayUtil.GetHolidaysByYear(year)
	if l == nil || l.Len() == 0 {
		return nil, false
	}
	out := make([]Entry, 0, l.Len())
	for e := l.Front(); e != nil; e = e.Next() {
		h, ok := e.Value.(*HolidayUtil.Holiday)
		if !ok {
			continue
		}
		d, err := time.ParseInLocation(time.DateOnly, h.GetDay(), Zone)
		if err != nil || d.Year() != year {
			continue
		}
		out = append(out, Entry{Date: d, Name: h.GetName(), Work: h.IsWork()})
	}
	return out, true
}

// Config is how every service finds the official calendar: the same
// settings, TUIJIN_CALENDAR_DIR and TUIJIN_CALENDAR_POLL, read the same way
// by each.
type Config struct {
	Dir  string        `conf:"help:directory of per-year holiday arrangement files (YYYY.yaml) laid over the shipped ones"`
	Poll time.Duration `conf:"default:1m,help:how often the calendar dir is checked for year files dropped or replaced while the service runs"`
}

// Load returns the official calendar every service counts on: the
// arrangement files (embedded, then those of dir, which may be empty) take
// precedence date by date over the library.
func Load(dir string) (*Official, *Files, error) {
	files, err := LoadOverrides(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("calendar overrides: %w", err)
	}
	return NewOfficial(files, Lunar{}), files, nil
}

// Shipped is the official calendar without a calendar dir: the embedded
// files over the library. It is the default of code that is handed no
// calendar. The embedded files are tested to load; were they broken, the
// library alone (which agrees with them on every year both hold, also
// tested) is the calendar.
func Shipped() *Official {
	if cal, _, err := Load(""); err == nil {
		return cal
	}
	return NewOfficial(Lunar{})
}
