package deadline

import (
	"slices"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// ChangeKind is what an item's status change means to its clock.
type ChangeKind string

// Change kinds.
const (
	ChangeNone    ChangeKind = ""
	ChangeAccept  ChangeKind = "accept"  // 受理: a timely one re-bases the clock to the acceptance
	ChangePause   ChangeKind = "pause"   // supplement owed (补正/容缺) or suspended
	ChangeResume  ChangeKind = "resume"  // resumed after a suspension
	ChangeStop    ChangeKind = "stop"    // approved, rejected or withdrawn
	ChangeRestart ChangeKind = "restart" // applied again after a rejection or withdrawal: a new round
	ChangeReopen  ChangeKind = "reopen"  // an action item reported done was reopened: the clock runs on
	// ChangeSupplied: the supplement (补正) was received. Before acceptance
	// that is 受理 (the promised days count from it); after, a resume.
	ChangeSupplied ChangeKind = "supplied"
)

// Item statuses and actions of the ledger.
const (
	statusAccepted   = "accepted"
	statusSupplement = "supplement"
	statusSuspended  = "suspended"
	statusApproved   = "approved"
	statusRejected   = "rejected"
	statusWithdrawn  = "withdrawn"
)

// ClassifyItemChange maps a ledger status change to a clock change. The
// statuses decide, the action only disambiguates: a change into supplement
// or suspended pauses, out of them resumes, into approved or rejected stops,
// and the first acceptance re-bases.
func ClassifyItemChange(from, to, action string) ChangeKind {
	paused := func(s string) bool { return s == statusSupplement || s == statusSuspended }
	switch {
	case action == "resubmit" || ((from == statusRejected || from == statusWithdrawn) && to != from):
		return ChangeRestart
	case to == statusApproved || to == statusRejected || to == statusWithdrawn ||
		action == "approve" || action == "reject" || action == "withdraw":
		return ChangeStop
	case paused(to):
		return ChangePause
	case from == statusSupplement && action == "supplement_received":
		return ChangeSupplied
	case paused(from) || action == "resume" || action == "supplement_received":
		return ChangeResume
	case to == statusAccepted || action == "accept":
		return ChangeAccept
	}
	return ChangeNone
}

// Change is one lifecycle event of a deadline.
type Change struct {
	Kind    ChangeKind
	At      time.Time
	Outcome string // for stop: approved or rejected
	// Reason, on pause: the status that paused it (supplement, suspended).
	Reason string
	// Late, on accept: the ledger found the acceptance outside its window
	// (item.changed accepted_late).
	Late bool
}

// Apply returns d after c, and whether anything changed. Applying the same
// change twice, or a change older than the last one applied, changes
// nothing. Every change of schedule starts a new generation.
//
// Before acceptance the clock runs from the assignment, so that an item
// nobody accepts still falls due. A timely acceptance re-bases it to count
// the promised working days from 受理 (pauses before it no longer count). A
// late one (the ledger says so, or the clock is already due or red) keeps
// start, due date and level: the application counted as accepted on
// receipt (行政许可法 §32), so accepting late cannot clear a red list.
//
// A pause freezes the clock; the resume extends the due date by the working
// days paused, counted from the pause's date up to (not including) the
// resume's date. A supplement (补正) received before acceptance is the
// acceptance: the promised days count from it, as the ledger counts them.
//
// A restart (the owner applies again after a rejection or withdrawal) begins
// a new round: a fresh clock from the restart, whose ladder steps are new
// events. A reopen (a meeting's action item reported done, then reopened)
// runs the stopped clock on as it was: same due date, same round, the level
// it had reached, so steps that fell due meanwhile fire then, each once.
func (d Deadline) Apply(cal workday.Calendar, c Change) (Deadline, bool) {
	if c.At.Before(d.LastChange) || (d.State == StateStopped) != (c.Kind == ChangeRestart || c.Kind == ChangeReopen) {
		return d, false
	}
	switch c.Kind {
	case ChangeRestart:
		d.Round++
		d.Level, d.LevelAt = LevelGreen, time.Time{}
		d.State, d.Start, d.AssignedAt, d.AcceptedAt, d.AcceptedLate = StateRunning, c.At, c.At, time.Time{}, false
		d.PausedDays, d.PausedAt, d.StoppedAt, d.Outcome = 0, time.Time{}, time.Time{}, ""
		d.Pauses, d.PauseReason = nil, ""
	case ChangeReopen:
		d.State, d.StoppedAt, d.Outcome = StateRunning, time.Time{}, ""
	case ChangeAccept:
		if !d.AcceptedAt.IsZero() || d.State != StateRunning {
			return d, false
		}
		d.AcceptedAt = c.At
		if c.Late || d.Level.Overdue() || !c.At.Before(d.DueAt) {
			d.AcceptedLate = true
		} else {
			d.Start, d.PausedDays, d.Pauses = c.At, 0, nil
		}
	case ChangePause:
		if d.State != StateRunning {
			return d, false
		}
		d.State, d.PausedAt, d.PauseReason = StatePaused, c.At, c.Reason
	case ChangeResume, ChangeSupplied:
		if d.State != StatePaused {
			return d, false
		}
		if c.Kind == ChangeSupplied && d.AcceptedAt.IsZero() {
			// Complete materials before acceptance: accepted now, the
			// promised days count from here, as the ledger counts them.
			d.AcceptedAt, d.Start, d.PausedDays, d.Pauses = c.At, c.At, 0, nil
		} else {
			n := workday.Count(cal, d.PausedAt, c.At)
			d.PausedDays += n
			d.Pauses = append(slices.Clip(d.Pauses), Pause{Reason: d.PauseReason, From: d.PausedAt, To: c.At, WorkingDays: n})
		}
		d.State, d.PausedAt, d.PauseReason = StateRunning, time.Time{}, ""
	case ChangeStop:
		d.State, d.StoppedAt, d.Outcome = StateStopped, c.At, c.Outcome
	default:
		return d, false
	}
	d.LastChange = c.At
	d.Gen++
	return d.withDue(cal), true
}
