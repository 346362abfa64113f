package workday

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Embedded holds the arrangement files shipped with the code (holidays/*.yaml).
//
//go:embed holidays/*.yaml
var embedded embed.FS

// yearFile is one year's arrangement as the State Council announces it:
//
//	year: 2026
//	notice: 国务院办公厅关于2026年部分节假日安排的通知
//	holidays:
//	  - name: 春节
//	    off: ["2026-02-15..2026-02-23"]
//	    work: ["2026-02-14", "2026-02-28"]
//
// A date is "YYYY-MM-DD"; "A..B" is every date from A to B inclusive.
type yearFile struct {
	Year     int    `yaml:"year"`
	Notice   string `yaml:"notice"`
	Holidays []struct {
		Name string   `yaml:"name"`
		Off  []string `yaml:"off"`
		Work []string `yaml:"work"`
	} `yaml:"holidays"`
}

// Files is a Source read from one YAML file per year.
type Files struct {
	byFile map[int][]Entry // file year -> its entries (some may be dated in a neighbouring year)
	origin map[int]string  // file year -> file it came from
}

// Year implements Source: the entries dated in year, from whichever file.
func (f *Files) Year(year int) ([]Entry, bool) {
	var out []Entry
	for _, fy := range []int{year - 1, year, year + 1} {
		for _, e := range f.byFile[fy] {
			if e.Date.Year() == year {
				out = append(out, e)
			}
		}
	}
	_, ok := f.byFile[year]
	return out, ok
}

// Years lists the years the files cover, ascending.
func (f *Files) Years() []int {
	out := make([]int, 0, len(f.byFile))
	for y := range f.byFile {
		out = append(out, y)
	}
	sort.Ints(out)
	return out
}

// Origin names the file year's arrangement came from.
func (f *Files) Origin(year int) string { return f.origin[year] }

// DefaultFiles returns the arrangement files embedded in the code.
func DefaultFiles() (*Files, error) {
	sub, err := fs.Sub(embedded, "holidays")
	if err != nil {
		return nil, err
	}
	return LoadFiles(sub, "embedded:")
}

// LoadOverrides returns the embedded files with the *.yaml files of dir laid
// over them: a file of dir for a year replaces the embedded one of that
// year. An empty dir returns the embedded files alone.
func LoadOverrides(dir string) (*Files, error) {
	f, err := DefaultFiles()
	if err != nil || dir == "" {
		return f, err
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("calendar dir: %w", err)
	}
	extra, err := LoadFiles(os.DirFS(dir), dir+"/")
	if err != nil {
		return nil, err
	}
	for y, es := range extra.byFile {
		f.byFile[y] = es
		f.origin[y] = extra.origin[y]
	}
	return f, nil
}

// LoadFiles reads every *.yaml file of fsys; label prefixes file names in
// errors and origins.
func LoadFiles(fsys fs.FS, label string) (*Files, error) {
	f := &Files{byFile: map[int][]Entry{}, origin: map[int]string{}}
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var yf yearFile
		if err := yaml.Unmarshal(b, &yf); err != nil {
			return nil, fmt.Errorf("%s%s: %w", label, name, err)
		}
		entries, err := yf.entries()
		if err != nil {
			return nil, fmt.Errorf("%s%s: %w", label, name, err)
		}
		if prev, dup := f.origin[yf.Year]; dup {
			return nil, fmt.Errorf("%s%s: year %d is also in %s", label, name, yf.Year, prev)
		}
		f.byFile[yf.Year] = entries
		f.origin[yf.Year] = label + path.Base(name)
	}
	return f, nil
}

func (yf yearFile) entries() ([]Entry, error) {
	if yf.Year < firstYear || yf.Year > lastYear {
		return nil, fmt.Errorf("year %d out of range %d-%d", yf.Year, firstYear, lastYear)
	}
	seen := map[time.Time]bool{}
	var out []Entry
	add := func(name string, spec string, work bool) error {
		dates, err := parseDates(spec)
		if err != nil {
			return err
		}
		for _, d := range dates {
			if d.Year() < yf.Year-1 || d.Year() > yf.Year+1 {
				return fmt.Errorf("%s: %s is too far from %d", name, d.Format(time.DateOnly), yf.Year)
			}
			if seen[d] {
				return fmt.Errorf("%s: %s listed twice", name, d.Format(time.DateOnly))
			}
			if work && (Weekends{}).IsWorkday(d) {
				return fmt.Errorf("%s: make-up working day %s is already a weekday", name, d.Format(time.DateOnly))
			}
			seen[d] = true
			out = append(out, Entry{Date: d, Name: name, Work: work})
		}
		return nil
	}
	for _, h := range yf.Holidays {
		if strings.TrimSpace(h.Name) == "" {
			return nil, errors.New("a holiday without a name")
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
