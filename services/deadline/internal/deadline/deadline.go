// Package deadline is Tuijin's clock: due dates in working days, the
// lifecycle of a running deadline (pauses while the applicant owes a
// supplement), and the ladder of warnings and escalations it climbs once
// time runs short. Its model and rules are pure; the service and the firing
// engine reach storage and the bus through interfaces.
package deadline

import (
	"fmt"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// Level is how far a deadline has climbed the ladder: the highest step
// whose event has been emitted. Steps are sticky: a deadline never climbs
// down, and each step is emitted once.
type Level string

// Levels, from calm to escalated to the government.
const (
	LevelGreen     Level = "green"
	LevelYellow    Level = "yellow"    // 黄灯: few working days left
	LevelRed       Level = "red"       // 红灯: overdue
	LevelUrge      Level = "urge"      // 催办
	LevelSupervise Level = "supervise" // 督办
	LevelInterview Level = "interview" // 约谈, and a place on the next coordination meeting's agenda
	LevelEscalate  Level = "escalate"  // 提级 to the government, with a special report
)

// Ladder lists the levels in order.
var Ladder = []Level{LevelGreen, LevelYellow, LevelRed, LevelUrge, LevelSupervise, LevelInterview, LevelEscalate}

// Rank is l's position on the ladder (green 0); -1 if unknown.
func (l Level) Rank() int {
	for i, x := range Ladder {
		if x == l {
			return i
		}
	}
	return -1
}

// Valid reports whether l is a known level.
func (l Level) Valid() bool { return l.Rank() >= 0 }

// Overdue reports whether l is red or beyond.
func (l Level) Overdue() bool { return l.Rank() >= LevelRed.Rank() }

// State of a deadline's clock.
type State string

// States.
const (
	StateRunning State = "running"
	StatePaused  State = "paused"  // the applicant owes a supplement, or the item is suspended
	StateStopped State = "stopped" // decided: approved or rejected
)

// Policy is the configurable part of the ladder, in working days.
type Policy struct {
	// YellowDays: the deadline turns yellow when this many working days
	// remain, counting the current one (0: no yellow warning).
	YellowDays int
	// Each step after red comes this many working days after the one
	// before (0: at the same instant).
	UrgeDays, SuperviseDays, InterviewDays, EscalateDays int
}

// DefaultPolicy is the ladder of the demo configuration.
var DefaultPolicy = Policy{YellowDays: 2, UrgeDays: 1, SuperviseDays: 3, InterviewDays: 5, EscalateDays: 10}

// Deadline is the clock of one thing that must be done in time.
type Deadline struct {
	ID           string    `json:"id"`
	Kind         string    `json:"kind"`
	RefID        string    `json:"ref_id"`
	ProjectCode  string    `json:"project_code"`
	ProjectName  string    `json:"project_name,omitempty"`
	Title        string    `json:"title"`
	Department   string    `json:"department"`
	Days         int       `json:"working_days"`
	Immediate    bool      `json:"immediate,omitempty"`
	GreenChannel bool      `json:"green_channel,omitempty"`
	AssignedAt   time.Time `json:"assigned_at"`
	// AcceptedAt is zero until the department accepts (受理) the item.
	AcceptedAt time.Time `json:"accepted_at,omitzero"`
	// AcceptedLate: the acceptance came after the acceptance window or the
	// due date, so the application counted as accepted on receipt (行政许可法
	// §32) and the clock kept its start, due date and level.
	AcceptedLate bool `json:"accepted_late,omitempty"`
	// Start is where the clock counts from: the assignment until a timely
	// acceptance re-bases it.
	Start      time.Time `json:"start"`
	PausedDays int       `json:"paused_working_days"`
	// Pauses are the pauses ended since the clock last counted from its
	// start (the current one, if any, is PausedAt); their working days make
	// up PausedDays.
	Pauses []Pause `json:"pauses,omitempty"`
	// PauseReason is why the current pause began (supplement, suspended).
	PauseReason string    `json:"pause_reason,omitempty"`
	State       State     `json:"state"`
	PausedAt    time.Time `json:"paused_at,omitzero"`
	StoppedAt   time.Time `json:"stopped_at,omitzero"`
	Outcome     string    `json:"outcome,omitempty"`
	// DueAt is the instant the limit runs out (end of the last working day).
	DueAt time.Time `json:"due_at"`
	// DueDate is the last working day, as the officer reads it.
	DueDate string `json:"due_date"`
	// Provisional: the limit runs into a year whose official arrangement
	// has not been published (no year file), counted there on weekends
	// only, so its statutory holidays count as working days until the
	// notice is added and the due date may move.
	Provisional bool `json:"provisional"`
	// Gen changes whenever the schedule changes (re-base, pause, resume,
	// stop).
	Gen int `json:"-"`
	// Round counts the applications: 1, then one more for every
	// resubmission after a rejection or withdrawal.
	Round int `json:"round"`
	// LastChange is the time of the last lifecycle event applied, so that
	// an older event delivered late changes nothing.
	LastChange time.Time `json:"-"`

	// Level is the highest step of this round's ladder emitted so far
	// (green before the first), and LevelAt when it was.
	Level   Level     `json:"level"`
	LevelAt time.Time `json:"level_at,omitzero"`
	// NextLevel and NextAt are the step a running deadline reaches next and
	// when (empty when it is paused, stopped or at the top): the timer that
	// should be pending, as the reconciliation sweep reads it.
	NextLevel Level     `json:"next_level,omitempty"`
	NextAt    time.Time `json:"next_at,omitzero"`
	// Version counts the stored writes (1 when created); a timer carries
	// the version it was scheduled at.
	Version int64 `json:"-"`

	// RemainingDays is filled when read.
	RemainingDays int `json:"remaining_working_days"`
	// Explanation is filled when one deadline is read: why its due date.
	Explanation *Explanation `json:"explanation,omitempty"`
}

// Pause is one ended pause of a clock: the applicant owed a supplement
// (补正/容缺) or the item was suspended, from From's date up to, not
// including, To's date, WorkingDays of them working days.
type Pause struct {
	Reason      string    `json:"reason"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	WorkingDays int       `json:"working_days"`
}

// ItemAssignment is what the clock needs of an assigned item.
type ItemAssignment struct {
	ItemID, ItemName, ProjectCode, ProjectName, Department string
	AssignedAt                                             time.Time
	PromisedDays                                           int
	Immediate, GreenChannel                                bool
}

// MaxPromisedDays bounds an item's promised working days (about a year):
// statutory limits are weeks, and a count far beyond the calendar's years
// is an error or a forgery, never a clock to run.
const MaxPromisedDays = 250

// Validate refuses an assignment no clock can run.
func (a ItemAssignment) Validate() error {
	if a.PromisedDays < 0 || a.PromisedDays > MaxPromisedDays {
		return apperr.Invalid("promised_days", "invalid_promised_days",
			fmt.Sprintf("promised_days must be 0 to %d working days, not %d", MaxPromisedDays, a.PromisedDays))
	}
	return nil
}

// ForItem returns the running deadline of an assigned approval item: N
// working days for a 承诺件, the same working day for a 即办件, counted from
// the assignment until a timely acceptance re-bases it.
func ForItem(cal workday.Calendar, a ItemAssignment) Deadline {
	d := Deadline{
		ID: "item:" + a.ItemID, Kind: "item", RefID: a.ItemID, ProjectCode: a.ProjectCode,
		ProjectName: a.ProjectName, Title: a.ItemName, Department: a.Department,
		Days: a.PromisedDays, Immediate: a.Immediate, GreenChannel: a.GreenChannel,
		AssignedAt: a.AssignedAt, Start: a.AssignedAt, State: StateRunning, Gen: 1, Round: 1, LastChange: a.AssignedAt,
		Level: LevelGreen,
	}
	if d.Immediate || d.Days < 0 {
		d.Days = 0
	}
	return d.withDue(cal)
}

// ProblemRaise is what the clock needs of a problem raised in the problem
// ledger (问题台账): the responsible department must solve it within Days
// working days.
type ProblemRaise struct {
	ProblemID, ProjectCode, Department, Title string
	RaisedAt                                  time.Time
	Days                                      int
}

// ForProblem returns the running deadline of a raised problem.
func ForProblem(cal workday.Calendar, p ProblemRaise) Deadline {
	d := Deadline{
		ID: "problem:" + p.ProblemID, Kind: "problem", RefID: p.ProblemID, ProjectCode: p.ProjectCode,
		Title: p.Title, Department: p.Department, Days: max(p.Days, 0), AssignedAt: p.RaisedAt,
		AcceptedAt: p.RaisedAt, Start: p.RaisedAt, State: StateRunning, Gen: 1, Round: 1, LastChange: p.RaisedAt,
		Level: LevelGreen,
	}
	return d.withDue(cal)
}

// ActionItem is what the clock needs of a meeting's action item: its owner
// department must carry it out by the date the meeting set.
type ActionItem struct {
	ActionID, ProjectCode, Department, Title string
	CreatedAt, DueBy                         time.Time
}

// ForAction returns the running deadline of an action item, due at the end
// of the first working day on or after the date set.
func ForAction(cal workday.Calendar, a ActionItem) Deadline {
	// Days is the working days after the creation's date up to and
	// including that day, so that the counting rule lands on it.
	days := daysUntil(cal, a.CreatedAt, a.DueBy)
	d := Deadline{
		ID: "action:" + a.ActionID, Kind: "action", RefID: a.ActionID, ProjectCode: a.ProjectCode,
		Title: a.Title, Department: a.Department, Days: days, AssignedAt: a.CreatedAt, AcceptedAt: a.CreatedAt,
		Start: a.CreatedAt, State: StateRunning, Gen: 1, Round: 1, LastChange: a.CreatedAt,
		Level: LevelGreen,
	}
	return d.withDue(cal)
}

// withDue recomputes the due instant from the start, the limit and the
// paused working days.
func (d Deadline) withDue(cal workday.Calendar) Deadline {
	d.DueAt = workday.DueAt(cal, d.Start, d.Days+d.PausedDays)
	d.DueDate = d.DueAt.Add(-time.Nanosecond).In(workday.Zone).Format(time.DateOnly)
	d.Provisional = len(workday.ProvisionalYears(cal, d.Start, d.DueAt.Add(-time.Nanosecond))) > 0
	return d
}

// Remaining is the number of working days left as of now, counting the
// current one; a paused clock keeps what it had when it stopped.
func (d Deadline) Remaining(cal workday.Calendar, now time.Time) int {
	at := now
	switch d.State {
	case StatePaused:
		at = d.PausedAt
	case StateStopped:
		at = d.StoppedAt
	}
	if !at.Before(d.DueAt) {
		return 0
	}
	return workday.Count(cal, at, d.DueAt)
}
