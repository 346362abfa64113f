package workday

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Notice names the State Council notice a year's arrangement comes from, so
// that anyone can check the dates against it.
type Notice struct {
	Title  string    `json:"title"`            // e.g. 国务院办公厅关于2026年部分节假日安排的通知
	Date   time.Time `json:"date"`             // the day it was issued, midnight in Zone
	Number string    `json:"number,omitempty"` // document number, e.g. 国办发明电〔2024〕12号
}

// yearFile is one year's arrangement as the State Council announces it:
//
//	year: 2026
//	source:
//	  title: 国务院办公厅关于2026年部分节假日安排的通知
//	  date: 2025-11-04
//	holidays:
//	  - name: 春节
//	    off: ["2026-02-15..2026-02-23"]
//	    work: ["2026-02-14", "2026-02-28"]
//
// A date is "YYYY-MM-DD"; "A..B" is every date from A to B inclusive.
type yearFile struct {
	Year   int `yaml:"year"`
	Source struct {
		Title  string `yaml:"title"`
		Date   string `yaml:"date"`
		Number string `yaml:"number"`
	} `yaml:"source"`
	Holidays []struct {
		Name string   `yaml:"name"`
		Off  []string `yaml:"off"`
		Work []string `yaml:"work"`
	} `yaml:"holidays"`
}

// parseYearFile reads and checks one year's file: unknown fields, a missing
// source, a date outside the year, a date listed twice (as a day off and as
// a make-up day, or within one list) and a make-up day that is a weekday
// anyway are all refused, so that a file either describes one consistent
// arrangement or changes nothing.
func parseYearFile(b []byte) (int, Notice, []Entry, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var yf yearFile
	if err := dec.Decode(&yf); err != nil {
		return 0, Notice{}, nil, fmt.Errorf("not a year file: %w", err)
	}
	if yf.Year < firstYear || yf.Year > lastYear {
		return 0, Notice{}, nil, fmt.Errorf("year %d out of range %d-%d", yf.Year, firstYear, lastYear)
	}
	n, err := yf.notice()
	if err != nil {
		return 0, Notice{}, nil, err
	}
	entries, err := yf.entries()
	if err != nil {
		return 0, Notice{}, nil, err
	}
	return yf.Year, n, entries, nil
}

func (yf yearFile) notice() (Notice, error) {
	title := strings.TrimSpace(yf.Source.Title)
	if title == "" {
		return Notice{}, errors.New("source.title missing: name the State Council notice the dates come from")
	}
	d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(yf.Source.Date), Zone)
	if err != nil {
		return Notice{}, fmt.Errorf("source.date %q: want the day the notice was issued, YYYY-MM-DD", yf.Source.Date)
	}
	if d.Year() != yf.Year && d.Year() != yf.Year-1 {
		return Notice{}, fmt.Errorf("source.date %s: a notice for %d is issued in that year or the one before", yf.Source.Date, yf.Year)
	}
	return Notice{Title: title, Date: d, Number: strings.TrimSpace(yf.Source.Number)}, nil
}

// inYear reports whether d may appear in the file of year: a date of that
// year, or one of the last days of the December before, where a notice may
// put the start of 元旦 and its make-up day (2019's: 2018-12-29 worked,
// 12-30 and 12-31 off).
func inYear(d time.Time, year int) bool {
	return d.Year() == year || d.Year() == year-1 && d.Month() == time.December && d.Day() >= 20
}

func (yf yearFile) entries() ([]Entry, error) {
	if len(yf.Holidays) == 0 {
		return nil, errors.New("no holidays")
	}
	seen := map[time.Time]Entry{}
	var out []Entry
	add := func(name string, spec string, work bool) error {
		dates, err := parseDates(spec)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		for _, d := range dates {
			day := d.Format(time.DateOnly)
			if !inYear(d, yf.Year) {
				return fmt.Errorf("%s: %s is outside %d", name, day, yf.Year)
			}
			if prev, dup := seen[d]; dup {
				if prev.Work != work {
					return fmt.Errorf("%s: %s is both a day off and a make-up working day", name, day)
				}
				return fmt.Errorf("%s: %s listed twice", name, day)
			}
			if work && (Weekends{}).IsWorkday(d) {
				return fmt.Errorf("%s: make-up working day %s is already a weekday", name, day)
			}
			e := Entry{Date: d, Name: name, Work: work}
			seen[d] = e
			out = append(out, e)
		}
		return nil
	}
	for _, h := range yf.Holidays {
		if strings.TrimSpace(h.Name) == "" {
			return nil, errors.New("a holiday without a name")
		}
		if len(h.Off) == 0 {
			return nil, fmt.Errorf("%s: no days off", h.Name)
		}
		for _, s := range h.Off {
			if err := add(h.Name, s, false); err != nil {
				return nil, err
			}
		}
		for _, s := range h.Work {
			if err := add(h.Name, s, true); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// parseDates reads "YYYY-MM-DD" or "YYYY-MM-DD..YYYY-MM-DD".
func parseDates(spec string) ([]time.Time, error) {
	from, to, isRange := strings.Cut(strings.TrimSpace(spec), "..")
	a, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(from), Zone)
	if err != nil {
		return nil, fmt.Errorf("date %q: want YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD", spec)
	}
	if !isRange {
		return []time.Time{a}, nil
	}
	b, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(to), Zone)
	if err != nil || b.Before(a) || b.Sub(a) > 31*24*time.Hour {
		return nil, fmt.Errorf("range %q: want an ascending range of at most a month", spec)
	}
	var out []time.Time
	for d := a; !d.After(b); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out, nil
}
