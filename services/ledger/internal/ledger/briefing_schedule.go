package ledger

import (
	"fmt"
	"regexp"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// BriefingSchedule says when the leaders' briefings go out, in Beijing
// time: the weekly one on Monday at At for the week before, the monthly
// one on the 1st at At for the month before.
type BriefingSchedule struct {
	// At is the time of day, like 08:30; "off" (or empty) sends none.
	At string
	// BaseURL is where leaders open the full briefing: the ledger's public
	// address, e.g. http://127.0.0.1:8082.
	BaseURL string
}

var hhmmRE = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// ParseBriefingAt checks a briefing time: "off", or hh:mm.
func ParseBriefingAt(at string) (string, error) {
	if at == "" || at == "off" || hhmmRE.MatchString(at) {
		return at, nil
	}
	return "", fmt.Errorf("briefing time %q: want hh:mm (Beijing time) or off", at)
}

// BriefingPeriod is one briefing the schedule owes: its kind and period,
// the period's bounds [From, To) and the moment it falls due.
type BriefingPeriod struct {
	Kind   string
	Period string
	From   time.Time
	To     time.Time
	Due    time.Time
}

// ID names the briefing of the period for ever: weekly:2026-11-23,
// monthly:2026-11.
func (p BriefingPeriod) ID() string { return p.Kind + ":" + p.Period }

// Due are the briefings owed at now: the last week's and the last month's
// whose delivery time has passed, provided it is not before since (when
// the service first ran: an installation owes no briefing that fell due
// before it existed). Only the latest of each kind is owed, so a service
// down on a Monday sends that Monday's briefing when it is back, and the
// caller's record of what went out keeps it from being sent twice.
func (s BriefingSchedule) Due(now, since time.Time) []BriefingPeriod {
	if !hhmmRE.MatchString(s.At) {
		return nil
	}
	var out []BriefingPeriod
	for _, p := range []BriefingPeriod{s.lastWeek(now), s.lastMonth(now)} {
		if !p.Due.Before(since) {
			out = append(out, p)
		}
	}
	return out
}

// offset is At as a duration after midnight.
func (s BriefingSchedule) offset() time.Duration {
	t, _ := time.Parse("15:04", s.At)
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
}

// lastWeek is the week whose briefing fell due last at or before now.
func (s BriefingSchedule) lastWeek(now time.Time) BriefingPeriod {
	monday, _ := WeekOf(now)
	if now.Before(monday.Add(s.offset())) {
		monday = monday.AddDate(0, 0, -7)
	}
	from := monday.AddDate(0, 0, -7)
	return BriefingPeriod{Kind: BriefingWeekly, Period: DateOf(from).String(), From: from, To: monday, Due: monday.Add(s.offset())}
}

// lastMonth is the month whose briefing fell due last at or before now.
func (s BriefingSchedule) lastMonth(now time.Time) BriefingPeriod {
	l := now.In(workday.Zone)
	first := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, workday.Zone)
	if now.Before(first.Add(s.offset())) {
		first = first.AddDate(0, -1, 0)
	}
	from := first.AddDate(0, -1, 0)
	return BriefingPeriod{Kind: BriefingMonthly, Period: from.Format("2006-01"), From: from, To: first, Due: first.Add(s.offset())}
}
