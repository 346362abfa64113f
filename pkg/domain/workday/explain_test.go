package workday

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func dayOf(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, Zone)
	if err != nil {
		panic(err)
	}
	return t
}

// runs writes skipped runs as name:from..to/days for comparison.
func runs(rs []Run) string {
	var b []string
	for _, r := range rs {
		b = append(b, fmt.Sprintf("%s:%s..%s/%d", r.Name, r.From.Format("01-02"), r.To.Format("01-02"), r.Days))
	}
	return strings.Join(b, " ")
}

func makeUps(es []Entry) string {
	var b []string
	for _, e := range es {
		b = append(b, e.Name+":"+e.Date.Format("01-02"))
	}
	return strings.Join(b, " ")
}

func TestExplainNamesWhatTheCountSkipped(t *testing.T) {
	cal := Shipped()
	for _, tc := range []struct {
		start          string
		n              int
		first, last    string
		skipped, makes string
	}{
		// 国庆 2026: 中秋 09-25..27 and 国庆 10-01..07 off, 10-10 worked.
		{"2026-09-24", 5, "2026-09-28", "2026-10-09", "中秋节:09-25..09-27/3 国庆节:10-01..10-07/7", ""},
		{"2026-09-24", 10, "2026-09-28", "2026-10-15", "中秋节:09-25..09-27/3 国庆节:10-01..10-07/7 周末:10-11..10-11/1", "国庆节:10-10"},
		{"2026-10-03", 1, "2026-10-08", "2026-10-08", "国庆节:10-04..10-07/4", ""},
		// 春节 2026: 02-15..23 off, 02-14 and 02-28 worked.
		{"2026-02-12", 5, "2026-02-13", "2026-02-26", "春节:02-15..02-23/9", "春节:02-14"},
		{"2026-02-13", 12, "2026-02-14", "2026-03-09", "春节:02-15..02-23/9 周末:03-01..03-01/1 周末:03-07..03-08/2", "春节:02-14 春节:02-28"},
		{"2026-11-20", 1, "2026-11-23", "2026-11-23", "周末:11-21..11-22/2", ""},
		// 即办件 on a day off: the next working day, the days off before it named.
		{"2026-10-06", 0, "2026-10-08", "2026-10-08", "国庆节:10-06..10-07/2", ""},
		{"2026-11-19", 0, "2026-11-19", "2026-11-19", "", ""},
	} {
		sp := Explain(cal, dayOf(tc.start), tc.n)
		if got := sp.Last.Format(time.DateOnly); got != tc.last || !sp.Last.Equal(Add(cal, dayOf(tc.start), tc.n)) {
			t.Errorf("%s+%d: last %s, want %s (Add agrees)", tc.start, tc.n, got, tc.last)
		}
		if got := sp.First.Format(time.DateOnly); got != tc.first {
			t.Errorf("%s+%d: first counted %s, want %s", tc.start, tc.n, got, tc.first)
		}
		if want := max(tc.n, 1); sp.Counted != want {
			t.Errorf("%s+%d: counted %d, want %d", tc.start, tc.n, sp.Counted, want)
		}
		if got := runs(sp.Skipped); got != tc.skipped {
			t.Errorf("%s+%d: skipped %q, want %q", tc.start, tc.n, got, tc.skipped)
		}
		if got := makeUps(sp.MakeUp); got != tc.makes {
			t.Errorf("%s+%d: make-up days %q, want %q", tc.start, tc.n, got, tc.makes)
		}
	}
}

func TestChangedYearsFindsANewYearFile(t *testing.T) {
	base := Shipped()
	if got := ChangedYears(base, base); len(got) != 0 {
		t.Fatalf("same calendar: changed %v", got)
	}
	with := NewOfficial(fakeYear{2027: {{Date: dayOf("2027-01-01"), Name: "元旦"}}}, officialSource{base})
	if got := ChangedYears(base, with); fmt.Sprint(got) != "[2027]" {
		t.Fatalf("changed %v, want [2027]", got)
	}
}

type fakeYear map[int][]Entry

func (f fakeYear) Year(y int) ([]Entry, bool) { e, ok := f[y]; return e, ok }

// officialSource lays one Official over another.
type officialSource struct{ *Official }

func (c officialSource) Year(y int) ([]Entry, bool) { return c.Entries(y), c.Covers(y) }
