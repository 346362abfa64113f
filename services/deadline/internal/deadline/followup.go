package deadline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/event"
)

// Kinds of clocks. The follow-up kinds (supplement, check) watch what is
// owed after an item was accepted or approved in a special mode; they are
// not the department's promised time limit, so they climb no ladder beyond
// their due step and the department's overdue gauges and red lists leave
// them out.
const (
	KindItem    = "item"
	KindProblem = "problem"
	KindAction  = "action"
	// KindSupplement: 容缺受理 — the owner owes the missing materials by
	// the date the department set on acceptance.
	KindSupplement = "supplement"
	// KindCheck: 告知承诺 — the department checks the owner's commitment
	// by the date it set on approval.
	KindCheck = "check"
)

// FollowUpKinds are the kinds of the follow-up clocks.
var FollowUpKinds = []string{KindSupplement, KindCheck}

// IsFollowUp reports whether kind is a follow-up clock's.
func IsFollowUp(kind string) bool { return kind == KindSupplement || kind == KindCheck }

// FollowUp is what a follow-up clock needs of its item: who owes what
// about which item, from when, and the instant the ledger set it due (the
// end of its last working day).
type FollowUp struct {
	Kind, ItemID, ItemName, ProjectCode, ProjectName, Department string
	From, DueAt                                                  time.Time
}

// Validate refuses a follow-up no clock can run.
func (f FollowUp) Validate() error {
	switch {
	case !IsFollowUp(f.Kind):
		return apperr.Invalid("kind", "invalid_kind", "a follow-up clock is supplement or check, not "+f.Kind)
	case f.ItemID == "" || f.Department == "":
		return apperr.Invalid("item_id", "required", "a follow-up clock needs its item and department")
	case f.From.IsZero() || f.DueAt.IsZero() || f.DueAt.Before(f.From):
		return apperr.Invalid("due_at", "invalid_due", "a follow-up clock falls due after it starts")
	}
	if n := workday.Count(workday.Weekends{}, f.From, f.DueAt); n > MaxPromisedDays {
		return apperr.Invalid("due_at", "invalid_due",
			fmt.Sprintf("a follow-up clock runs at most %d working days, not %d", MaxPromisedDays, n))
	}
	return nil
}

// ForFollowUp returns the running clock of f, id "<kind>:<item id>", due at
// the end of the last working day the ledger set: the working days from
// the start's date up to that day are its limit, so that a recount on a
// changed calendar (a year's file arriving) lands by the same rule.
func ForFollowUp(cal workday.Calendar, f FollowUp) Deadline {
	d := Deadline{
		ID: f.Kind + ":" + f.ItemID, Kind: f.Kind, RefID: f.ItemID, ProjectCode: f.ProjectCode,
		ProjectName: f.ProjectName, Title: f.ItemName, Department: f.Department,
		Days:       daysUntil(cal, f.From, f.DueAt.Add(-time.Nanosecond)),
		AssignedAt: f.From, AcceptedAt: f.From, Start: f.From, State: StateRunning, Gen: 1, Round: 1,
		LastChange: f.From, Level: LevelGreen,
	}
	return d.withDue(cal)
}

// daysUntil is the number of working days after from's date up to and
// including the first working day on or after last: the limit whose due
// date, by the counting rule, is that day.
func daysUntil(cal workday.Calendar, from, last time.Time) int {
	end := workday.NextWorkday(cal, last)
	if !end.After(workday.Day(from)) {
		return 0
	}
	return workday.Count(cal, workday.Day(from).AddDate(0, 0, 1), end.AddDate(0, 0, 1))
}

// ItemFollowUpChange is what the follow-up clocks read of an item's change
// (tuijin.ledger.item.changed).
type ItemFollowUpChange struct {
	ItemID, ItemName, ProjectCode, ProjectName, Department string
	Action, From, To                                       string
	// Mode is rongque (容缺受理) or gaozhi (告知承诺) when the item runs so.
	Mode string
	// SupplementDue and CheckDue are the instants the ledger set.
	SupplementDue, CheckDue time.Time
	CheckResult             string
	At                      time.Time
}

// Modes of an item, as the ledger names them.
const (
	ModeRongque = "rongque"
	ModeGaozhi  = "gaozhi"
)

// FollowUps is the use case of the follow-up clocks.
type FollowUps interface {
	// FollowItem starts or stops the follow-up clocks an item change
	// concerns: a 容缺 acceptance starts the owner's supplement clock and
	// the materials received stop it (so do a rejection and a withdrawal);
	// a 告知承诺 approval starts the check clock and the check recorded
	// (verify) stops it. Applying a change twice changes nothing.
	FollowItem(ctx context.Context, c ItemFollowUpChange) error
}

// NewFollowUps returns the follow-up clocks over cfg, the same stores and
// timers as NewService's.
func NewFollowUps(cfg Config) FollowUps { return &service{Config: cfg} }

func (s *service) FollowItem(ctx context.Context, c ItemFollowUpChange) error {
	f := FollowUp{ItemID: c.ItemID, ItemName: c.ItemName, ProjectCode: c.ProjectCode, ProjectName: c.ProjectName,
		Department: c.Department, From: c.At}
	stop := func(kind, outcome string, mustExist bool) error {
		_, err := s.change(ctx, kind+":"+c.ItemID, Change{Kind: ChangeStop, At: c.At, Outcome: outcome})
		if errors.Is(err, ErrNotFound) && !mustExist {
			return nil
		}
		return err
	}
	switch {
	case c.Action == "accept" && c.Mode == ModeRongque && !c.SupplementDue.IsZero():
		f.Kind, f.DueAt = KindSupplement, c.SupplementDue
	case c.Action == "supplement_received" && c.From == "accepted" && c.Mode == ModeRongque:
		// Retried until the clock exists: its start is on its way.
		return stop(KindSupplement, "received", true)
	case c.Mode == ModeRongque && (c.To == "rejected" || c.To == "withdrawn"):
		return stop(KindSupplement, c.To, false)
	case c.Action == "approve" && c.Mode == ModeGaozhi && !c.CheckDue.IsZero():
		f.Kind, f.DueAt = KindCheck, c.CheckDue
	case c.Action == "verify":
		return stop(KindCheck, orDefault(c.CheckResult, "checked"), true)
	default:
		return nil
	}
	if err := f.Validate(); err != nil {
		return err
	}
	_, err := s.start(ctx, ForFollowUp(s.Config.Calendar, f))
	return err
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// followUpTypes are the event types of the follow-up clocks' two steps.
var followUpTypes = map[string]map[Level]string{
	KindSupplement: {LevelYellow: event.TypeSupplementWarning, LevelRed: event.TypeSupplementMissed},
	KindCheck:      {LevelYellow: event.TypeCheckWarning, LevelRed: event.TypeCheckDue},
}

// StepEventType is the type of the event step l of a clock of kind emits:
// a follow-up clock's own warning and due events, or EventType(l).
func StepEventType(kind string, l Level) string {
	if t, ok := followUpTypes[kind][l]; ok {
		return t
	}
	return EventType(l)
}
