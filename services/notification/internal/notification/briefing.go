package notification

import (
	"context"
	"fmt"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
)

// TplLeaderBriefing is the leaders' briefing (简报) in their inboxes.
const TplLeaderBriefing = "leader_briefing"

// BriefingEventType is the ledger's event the briefing notice answers.
const BriefingEventType = "tuijin.ledger.briefing.published"

// Briefing kinds, as the ledger names them.
const (
	BriefingWeekly  = "weekly"
	BriefingMonthly = "monthly"
)

// LeaderBriefing is the summary of a leaders' briefing the ledger
// published for a period that ended, with the links to the full one.
type LeaderBriefing struct {
	EventID string
	Kind    string
	Period  string
	// First, Last: the period's days; AsOf: the day its forecasts are of.
	First, Last, AsOf time.Time
	Started           int
	Finished          int
	Red               int
	Escalated         int
	Decisions         int
	Late              int
	Departments       []BriefingDepartment
	CriticalDelays    []CriticalDelay
	WorstLate         []LateProject
	MarkdownURL       string
	XLSXURL           string
}

// BriefingDepartment is a department's line of a briefing.
type BriefingDepartment struct {
	Department        string
	Completed         int
	OnTime            int
	OnTimeRate        float64
	PendingNow        int
	Red               int
	CriticalDelayDays int
}

// CriticalDelay is the working days a department put beyond its promised
// limits on the critical paths of the open start-date forecasts.
type CriticalDelay struct {
	Department   string
	DelayDays    int
	Projects     int
	LateProjects int
}

// LateProject is a project forecast to start after its planned start.
type LateProject struct {
	Code         string
	Name         string
	PlannedStart time.Time
	Forecast     time.Time
	LateDays     int
	CriticalPath []string
}

// CriticalDelays is the ranking a weekly briefing carried, kept for the
// bulletin (通报) of the same week.
type CriticalDelays struct {
	// Period is the briefing's week (its Monday, 2026-11-23); AsOf the day
	// the forecasts were made.
	Period string
	AsOf   time.Time
	Rows   []CriticalDelay
}

// DelayStore keeps the critical-path rankings of the weekly briefings.
type DelayStore interface {
	// PutCriticalDelays records d once per period (a repeat changes nothing).
	PutCriticalDelays(ctx context.Context, d CriticalDelays) error
	// LatestCriticalDelays is the ranking of the latest week, or ErrNotFound.
	LatestCriticalDelays(ctx context.Context) (CriticalDelays, error)
}

// Briefer delivers the leaders' briefings.
type Briefer interface {
	// NotifyBriefing puts the briefing in every leader's inbox (and on
	// their channels), once per period however often it arrives.
	NotifyBriefing(ctx context.Context, b LeaderBriefing) error
}

var _ Briefer = (*Service)(nil)

// Validate refuses a briefing no retry can deliver.
func (b LeaderBriefing) Validate() error {
	switch {
	case b.Kind != BriefingWeekly && b.Kind != BriefingMonthly:
		return apperr.Invalid("kind", "invalid_kind", fmt.Sprintf("briefing kind %q, want weekly or monthly", b.Kind))
	case b.Period == "":
		return apperr.Invalid("period", "required", "the briefing names no period")
	case b.First.IsZero() || b.Last.Before(b.First):
		return apperr.Invalid("first_day", "invalid_period", "the briefing's days are missing or out of order")
	}
	return nil
}

// briefingTitles name a briefing as leaders read it.
var briefingTitles = map[string]string{BriefingWeekly: "周报", BriefingMonthly: "月报"}

// leaderTopN is how many ranked lines the inbox summary shows.
const leaderTopN = 5

// BriefingNotice is the briefing for every department's leader and for
// the supervisors and secretaries. Its event id is the ledger's, which
// names the period, so it goes out once.
func BriefingNotice(b LeaderBriefing, departments []string, names Names) Notice {
	type delayLine struct {
		Name                              string
		DelayDays, Projects, LateProjects int
	}
	type lateLine struct {
		Name, Planned, Forecast, Path string
		LateDays                      int
	}
	var delays []delayLine
	for i, d := range b.CriticalDelays {
		if i == leaderTopN {
			break
		}
		delays = append(delays, delayLine{Name: names.Dept(d.Department), DelayDays: d.DelayDays, Projects: d.Projects,
			LateProjects: d.LateProjects})
	}
	var late []lateLine
	for _, l := range b.WorstLate {
		path := ""
		for i, s := range l.CriticalPath {
			if i > 0 {
				path += " → "
			}
			path += s
		}
		late = append(late, lateLine{Name: l.Name, Planned: formatDay(l.PlannedStart), Forecast: formatDay(l.Forecast),
			Path: path, LateDays: l.LateDays})
	}
	data := map[string]any{"Title": briefingTitles[b.Kind], "From": formatDay(b.First), "To": formatDay(b.Last),
		"AsOf": formatDay(b.AsOf), "Started": b.Started, "Finished": b.Finished, "Red": b.Red, "Escalated": b.Escalated,
		"Decisions": b.Decisions, "Late": b.Late, "Delays": delays, "WorstLate": late,
		"MarkdownURL": b.MarkdownURL, "XLSXURL": b.XLSXURL}
	to := make([]Addressee, 0, len(departments)+len(RoleRecipients))
	for _, d := range departments {
		to = append(to, Addressee{Recipient: LeaderRecipient(d)})
	}
	for _, r := range RoleRecipients {
		to = append(to, Addressee{Recipient: RoleRecipient(r)})
	}
	return Notice{EventID: b.EventID, EventType: BriefingEventType, Template: TplLeaderBriefing, Data: data, To: to}
}

func (s *Service) NotifyBriefing(ctx context.Context, b LeaderBriefing) error {
	if err := b.Validate(); err != nil {
		return err
	}
	if b.Kind == BriefingWeekly && s.Delays != nil {
		if err := s.Delays.PutCriticalDelays(ctx, CriticalDelays{Period: b.Period, AsOf: b.AsOf, Rows: b.CriticalDelays}); err != nil {
			return fmt.Errorf("critical delays of %s: %w", b.Period, err)
		}
	}
	return s.Notify(ctx, BriefingNotice(b, s.Departments, s.Names))
}
