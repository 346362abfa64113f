package deadline

import (
	"time"

	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// Step is one rung of the ladder a running deadline will reach: its level
// and the instant it is due.
type Step struct {
	Level Level
	At    time.Time
}

// Steps returns the ladder of d under p: yellow when p.YellowDays working
// days remain (skipped when the limit is that short from the start), red at
// the due instant, then urge, supervise, interview and escalate, each the
// configured number of working days after the one before; a follow-up
// clock (supplement, check) stops at red, its due step. All instants are
// midnights in Asia/Shanghai.
func (d Deadline) Steps(cal workday.Calendar, p Policy) []Step {
	var out []Step
	if p.YellowDays > 0 {
		lastDay := workday.Day(d.DueAt.Add(-time.Nanosecond))
		yellow := workday.Add(cal, lastDay, -(p.YellowDays - 1))
		if yellow.After(d.Start) {
			out = append(out, Step{LevelYellow, yellow})
		}
	}
	at := d.DueAt
	out = append(out, Step{LevelRed, at})
	if IsFollowUp(d.Kind) {
		// A follow-up falls due and is reported; the department's ladder
		// of urging and escalation is for its own time limit.
		return out
	}
	for _, s := range []struct {
		l Level
		n int
	}{{LevelUrge, p.UrgeDays}, {LevelSupervise, p.SuperviseDays}, {LevelInterview, p.InterviewDays}, {LevelEscalate, p.EscalateDays}} {
		at = after(cal, at, s.n)
		out = append(out, Step{s.l, at})
	}
	return out
}

// after is the instant n working days after the midnight at: the end of the
// n-th working day on or after at's date.
func after(cal workday.Calendar, at time.Time, n int) time.Time {
	if n <= 0 {
		return at
	}
	return workday.Nth(cal, at, n).AddDate(0, 0, 1)
}

// NextStep is the first step above fired that a running d will reach, and
// false when d is not running or has reached the top.
func (d Deadline) NextStep(cal workday.Calendar, p Policy, fired Level) (Step, bool) {
	if d.State != StateRunning {
		return Step{}, false
	}
	for _, s := range d.Steps(cal, p) {
		if s.Level.Rank() > fired.Rank() {
			return s, true
		}
	}
	return Step{}, false
}

// OverdueDays is the number of working days between d's due instant and at.
func (d Deadline) OverdueDays(cal workday.Calendar, at time.Time) int {
	if !at.After(d.DueAt) {
		return 0
	}
	return workday.Count(cal, d.DueAt, at)
}

// WithNext records the step a running d reaches next under p (none when
// it is not running or at the top): the timer it should have pending.
func (d Deadline) WithNext(cal workday.Calendar, p Policy) Deadline {
	d.NextLevel, d.NextAt = "", time.Time{}
	if s, ok := d.NextStep(cal, p, d.Level); ok {
		d.NextLevel, d.NextAt = s.Level, s.At
	}
	return d
}
