package deadline

import "context"

// Statuses of a meeting's action item (coordination-meeting).
const (
	actionOpen = "open"
	actionDone = "done"
)

// ClassifyActionChange maps an action item's new status to a clock change:
// done stops the clock, open again (reopened) runs it on; a confirmation
// changes nothing, the clock stopped when the action was reported done.
func ClassifyActionChange(from, to string) ChangeKind {
	switch {
	case to == actionDone:
		return ChangeStop
	case to == actionOpen && from != actionOpen:
		return ChangeReopen
	}
	return ChangeNone
}

// ActionClock is the use case of a meeting action item's progress.
type ActionClock interface {
	// ChangeAction applies a change of action item actionID to its clock.
	ChangeAction(ctx context.Context, actionID string, c Change) (Deadline, error)
}

// NewActionClock returns the clock of action items' progress over cfg, the
// same stores and timers as NewService's.
func NewActionClock(cfg Config) ActionClock { return &service{Config: cfg} }

func (s *service) ChangeAction(ctx context.Context, actionID string, c Change) (Deadline, error) {
	return s.change(ctx, "action:"+actionID, c)
}
