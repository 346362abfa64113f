package workday

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Embedded holds the arrangement files shipped with the code (holidays/*.yaml).
//
//go:embed holidays/*.yaml
var embedded embed.FS

// Files is a Source read from one YAML file per year (see yearFile for the
// format).
type Files struct {
	years   map[int]fileYear
	refused []Refusal
}

// fileYear is what one good file says of its year.
type fileYear struct {
	entries []Entry // some may be dated in the December before
	notice  Notice
	origin  string // the file it came from
}

// Refusal is a year file that was not taken, and why. The year it was meant
// for keeps what it had before (a shipped file, or no data).
type Refusal struct {
	File string `json:"file"`
	Err  error  `json:"-"`
}

// Error says which file was refused and why.
func (r Refusal) Error() string { return r.File + ": " + r.Err.Error() }

// Year implements Source: the entries dated in year, from whichever file.
func (f *Files) Year(year int) ([]Entry, bool) {
	var out []Entry
	for _, fy := range []int{year, year + 1} {
		for _, e := range f.years[fy].entries {
			if e.Date.Year() == year {
				out = append(out, e)
			}
		}
	}
	_, ok := f.years[year]
	return out, ok
}

// Years lists the years the files cover, ascending.
func (f *Files) Years() []int {
	out := make([]int, 0, len(f.years))
	for y := range f.years {
		out = append(out, y)
	}
	sort.Ints(out)
	return out
}

// Origin names the file year's arrangement came from.
func (f *Files) Origin(year int) string { return f.years[year].origin }

// Notice is the State Council notice year's file records as its source.
func (f *Files) Notice(year int) (Notice, bool) {
	y, ok := f.years[year]
	return y.notice, ok
}

// Entries are the dates year's file lists, in the file's order.
func (f *Files) Entries(year int) []Entry { return f.years[year].entries }

// Refused lists the override files that were not taken.
func (f *Files) Refused() []Refusal { return f.refused }

// DefaultFiles returns the arrangement files embedded in the code; any of
// them refused is an error (the tests hold them to it).
func DefaultFiles() (*Files, error) {
	sub, err := fs.Sub(embedded, "holidays")
	if err != nil {
		return nil, err
	}
	return LoadFiles(sub, "embedded:")
}

// LoadFiles reads every *.yaml file of fsys, each named after its year;
// label prefixes file names in errors and origins. A file that does not
// parse or contradicts itself is an error.
func LoadFiles(fsys fs.FS, label string) (*Files, error) {
	f := &Files{years: map[int]fileYear{}}
	if err := f.overlay(fsys, label); err != nil {
		return nil, err
	}
	if len(f.refused) > 0 {
		errs := make([]error, len(f.refused))
		for i, r := range f.refused {
			errs[i] = r
		}
		return nil, errors.Join(errs...)
	}
	return f, nil
}

// LoadOverrides returns the embedded files with the *.yaml files of dir laid
// over them: a good file of dir for a year replaces the embedded one of that
// year. A file that does not parse, contradicts itself or clashes with a
// neighbouring year's file is refused (see Refused) and replaces nothing.
// An empty dir returns the embedded files alone; a dir that cannot be read
// is an error.
func LoadOverrides(dir string) (*Files, error) {
	f, err := DefaultFiles()
	if err != nil || dir == "" {
		return f, err
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("calendar dir: %w", err)
	}
	if err := f.overlay(os.DirFS(dir), strings.TrimSuffix(dir, "/")+"/"); err != nil {
		return nil, err
	}
	return f, nil
}

// overlay reads the year files of fsys into f, replacing the years they
// hold; files it cannot take go to f.refused. Only an unreadable directory
// or file is an error.
func (f *Files) overlay(fsys fs.FS, label string) error {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return err
	}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return fmt.Errorf("%s%s: %w", label, name, err)
		}
		file := label + path.Base(name)
		year, notice, entries, err := parseYearFile(b)
		if err == nil {
			err = f.fits(name, year, entries)
		}
		if err != nil {
			f.refused = append(f.refused, Refusal{File: file, Err: err})
			continue
		}
		f.years[year] = fileYear{entries: entries, notice: notice, origin: file}
	}
	return nil
}

// fits checks a parsed file against its name and the neighbouring years'
// files: YYYY.yaml must hold year YYYY, and a date it lists of the year
// before must not be listed by that year's file too.
func (f *Files) fits(name string, year int, entries []Entry) error {
	if stem := strings.TrimSuffix(path.Base(name), ".yaml"); stem != strconv.Itoa(year) {
		return fmt.Errorf("holds year %d; name it %d.yaml", year, year)
	}
	for _, e := range entries {
		if e.Date.Year() == year {
			continue
		}
		for _, o := range f.years[e.Date.Year()].entries {
			if o.Date.Equal(e.Date) {
				return fmt.Errorf("%s: %s is also listed by %s", e.Name, e.Date.Format(time.DateOnly), f.years[e.Date.Year()].origin)
			}
		}
	}
	for _, o := range f.years[year+1].entries {
		if o.Date.Year() != year {
			continue
		}
		for _, e := range entries {
			if o.Date.Equal(e.Date) {
				return fmt.Errorf("%s: %s is also listed by %s", e.Name, e.Date.Format(time.DateOnly), f.years[year+1].origin)
			}
		}
	}
	return nil
}

// KeepGood keeps, for each year file of f that was refused, the year as
// prev had it from a file of the same name: a bad file dropped over a good
// one while a service runs replaces nothing, as at start.
func (f *Files) KeepGood(prev *Files) {
	for _, r := range f.refused {
		year, err := strconv.Atoi(strings.TrimSuffix(path.Base(r.File), ".yaml"))
		if err != nil {
			continue
		}
		if old, ok := prev.years[year]; ok && old.origin == r.File {
			f.years[year] = old
		}
	}
}
