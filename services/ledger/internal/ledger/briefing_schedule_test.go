package ledger

import (
	"strings"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/workday"
)

func TestBriefingScheduleDue(t *testing.T) {
	bj := func(y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, workday.Zone)
	}
	sch := BriefingSchedule{At: "08:30"}
	long := bj(2020, 1, 1, 0, 0) // the schedule ran long before
	for _, c := range []struct {
		name       string
		at         string
		now, since time.Time
		want       string
	}{
		{"Monday before the time: the week before last", "08:30", bj(2026, 12, 7, 8, 29), long,
			"weekly:2026-11-23 due 2026-11-30 08:30, monthly:2026-11 due 2026-12-01 08:30"},
		{"Monday at the time: last week", "08:30", bj(2026, 12, 7, 8, 30), long,
			"weekly:2026-11-30 due 2026-12-07 08:30, monthly:2026-11 due 2026-12-01 08:30"},
		{"Sunday night: the week before is still the last due", "08:30", bj(2026, 12, 13, 23, 59), long,
			"weekly:2026-11-30 due 2026-12-07 08:30, monthly:2026-11 due 2026-12-01 08:30"},
		{"the 1st at the time: last month", "08:30", bj(2027, 1, 1, 8, 30), long,
			"weekly:2026-12-21 due 2026-12-28 08:30, monthly:2026-12 due 2027-01-01 08:30"},
		{"a Monday that is the 1st: both", "08:30", bj(2027, 3, 1, 9, 0), long,
			"weekly:2027-02-22 due 2027-03-01 08:30, monthly:2027-02 due 2027-03-01 08:30"},
		{"installed on a Wednesday: nothing owed yet", "08:30", bj(2026, 12, 9, 10, 0), bj(2026, 12, 9, 9, 0), ""},
		{"down all Monday, back on Tuesday: Monday's owed", "08:30", bj(2026, 12, 8, 10, 0), bj(2026, 12, 2, 9, 0),
			"weekly:2026-11-30 due 2026-12-07 08:30"},
		{"started exactly at the due time", "08:30", bj(2026, 12, 7, 8, 30), bj(2026, 12, 7, 8, 30),
			"weekly:2026-11-30 due 2026-12-07 08:30"},
		{"off", "off", bj(2026, 12, 7, 9, 0), long, ""},
		{"empty", "", bj(2026, 12, 7, 9, 0), long, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := sch
			s.At = c.at
			var got []string
			for _, p := range s.Due(c.now, c.since) {
				got = append(got, p.ID()+" due "+p.Due.In(workday.Zone).Format("2006-01-02 15:04"))
				if !p.From.Before(p.To) || p.To.After(p.Due) {
					t.Errorf("%s: period [%s, %s) due %s", p.ID(), p.From, p.To, p.Due)
				}
			}
			if g := strings.Join(got, ", "); g != c.want {
				t.Errorf("due %q, want %q", g, c.want)
			}
		})
	}
}

func TestParseBriefingAt(t *testing.T) {
	for _, ok := range []string{"", "off", "00:00", "08:30", "23:59"} {
		if _, err := ParseBriefingAt(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"8:30", "24:00", "08:60", "monday", "08:30:00", " 08:30"} {
		if _, err := ParseBriefingAt(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestBriefingLinks(t *testing.T) {
	md, xlsx := BriefingLinks("http://ledger.example", BriefingWeekly, "2026-11-30")
	if md != "http://ledger.example/v1/briefings/weekly.md?day=2026-11-30" || xlsx != "http://ledger.example/v1/briefings/weekly.xlsx?day=2026-11-30" {
		t.Errorf("weekly links %s %s", md, xlsx)
	}
	md, _ = BriefingLinks("http://ledger.example", BriefingMonthly, "2026-11")
	if md != "http://ledger.example/v1/briefings/monthly.md?month=2026-11" {
		t.Errorf("monthly link %s", md)
	}
}
