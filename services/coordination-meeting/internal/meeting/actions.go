package meeting

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/event"
	meetingv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/meeting/v1"
)

// Statuses of an action item. An action the minutes created is open; its
// department reports it done, which stops its clock; the meeting's secretary
// or a supervisor confirms it, or reopens it (its clock runs again, with the
// due date the meeting set).
const (
	ActionOpen      = "open"
	ActionDone      = "done"
	ActionConfirmed = "confirmed"
)

// Changes of an action item.
const (
	ChangeDone    = "done"
	ChangeConfirm = "confirm"
	ChangeReopen  = "reopen"
)

// ActionChanges lists the changes, as the API names them.
var ActionChanges = []string{ChangeDone, ChangeConfirm, ChangeReopen}

// actionTransitions: the statuses a change may start from, and where it leads.
var actionTransitions = map[string]struct {
	from []string
	to   string
}{
	ChangeDone:    {[]string{ActionOpen}, ActionDone},
	ChangeConfirm: {[]string{ActionDone}, ActionConfirmed},
	ChangeReopen:  {[]string{ActionDone, ActionConfirmed}, ActionOpen},
}

// ActionEntry is one change in an action item's history.
type ActionEntry struct {
	At     time.Time `json:"at"`
	Change string    `json:"change"`
	Actor  string    `json:"actor"`
	From   string    `json:"from"`
	Status string    `json:"status"`
	Note   string    `json:"note,omitempty"`
}

// ActionChange is a change of one action item as a caller asks for it.
type ActionChange struct {
	MeetingID string `json:"-"`
	// Ref is the action's 1-based position among the meeting's action items,
	// or its id.
	Ref    string `json:"-"`
	Change string `json:"-"`
	// Actor is who acts: ChangeAction takes it from the caller's principal
	// (auth.Principal.Actor); one sent in the request is not believed.
	Actor string `json:"actor"`
	Note  string `json:"note"`
	// Version, when given, must be the meeting's current version.
	Version int `json:"version"`
}

// ActionResult is the action item after a change and the meeting's version.
type ActionResult struct {
	Action  Action `json:"action"`
	Version int    `json:"version"`
}

// Actions is the use case of an action item's progress.
type Actions interface {
	// ChangeAction applies a change (done, confirm, reopen) to an action
	// item and publishes tuijin.meeting.action.changed.<dept> with it.
	ChangeAction(ctx context.Context, c ActionChange) (ActionResult, error)
}

// NewActions returns the action items' use case over store.
func NewActions(store Store, c clock.Clock) Actions { return &Service{store: store, clock: c} }

func (c ActionChange) validate() error {
	if _, ok := actionTransitions[c.Change]; !ok {
		return apperr.Invalid("change", "unknown_change", "change must be one of "+strings.Join(ActionChanges, ", "))
	}
	if strings.TrimSpace(c.Actor) == "" {
		return apperr.Invalid("actor", "actor_required", "actor is required: who reports or confirms")
	}
	if len(c.Actor) > 100 {
		return apperr.Invalid("actor", "too_long", "actor exceeds 100 bytes")
	}
	if len(c.Note) > 2000 {
		return apperr.Invalid("note", "too_long", "note exceeds 2000 bytes")
	}
	if c.Change == ChangeReopen && strings.TrimSpace(c.Note) == "" {
		return apperr.Invalid("note", "note_required", "reopen needs a note saying what is still missing")
	}
	return nil
}

// ApplyActionChange changes the action item c names on m at now. It returns
// the decision index, or an error and leaves m as it was.
func ApplyActionChange(m *Meeting, c ActionChange, now time.Time) (int, error) {
	if err := c.validate(); err != nil {
		return 0, err
	}
	idx := findAction(m, c.Ref)
	if idx < 0 {
		return 0, apperr.NotFound("action_not_found", fmt.Sprintf("meeting %s has no action item %q", m.ID, c.Ref))
	}
	if c.Version != 0 && c.Version != m.Version {
		return 0, apperr.Conflict("version_mismatch", fmt.Sprintf("meeting is at version %d, not %d", m.Version, c.Version))
	}
	a := *m.Minutes.Decisions[idx].Action
	from := a.State()
	tr := actionTransitions[c.Change]
	if !slices.Contains(tr.from, from) {
		return 0, apperr.Conflict("illegal_transition", fmt.Sprintf("cannot %s action item %s: it is %s; %s is allowed from %s",
			c.Change, a.ID, from, c.Change, strings.Join(tr.from, " or ")))
	}
	a.Status = tr.to
	a.History = append(append([]ActionEntry(nil), a.History...), ActionEntry{At: now, Change: c.Change,
		Actor: strings.TrimSpace(c.Actor), From: from, Status: tr.to, Note: strings.TrimSpace(c.Note)})
	m.Minutes.Decisions[idx].Action = &a
	m.Version++
	return idx, nil
}

// findAction is the decision index of the action ref names (its 1-based
// position among the action items, or its id), -1 if none.
func findAction(m *Meeting, ref string) int {
	if m.Minutes == nil {
		return -1
	}
	n, err := strconv.Atoi(ref)
	seen := 0
	for i, d := range m.Minutes.Decisions {
		if d.Action == nil {
			continue
		}
		seen++
		if (err == nil && seen == n) || d.Action.ID == ref {
			return i
		}
	}
	return -1
}

// ChangeAction implements Actions. It is the API's only (no consumer
// changes an action item): a call without a principal is unauthenticated,
// one whose role may not make the change is refused, and the actor recorded
// is the principal.
func (s *Service) ChangeAction(ctx context.Context, c ActionChange) (ActionResult, error) {
	roles, ok := actionRoles[c.Change]
	if !ok {
		return ActionResult{}, c.validate()
	}
	p, err := auth.Require(ctx, roles...)
	if err != nil {
		return ActionResult{}, err
	}
	c.Actor = p.Actor()
	if err := c.validate(); err != nil {
		return ActionResult{}, err
	}
	m, err := s.Get(ctx, c.MeetingID)
	if err != nil {
		return ActionResult{}, err
	}
	if err := authorizeActionChange(p, &m, c); err != nil {
		return ActionResult{}, err
	}
	// Work on a copy of the minutes so that a refused change leaves the
	// meeting as it was read.
	if m.Minutes != nil {
		minutes := *m.Minutes
		minutes.Decisions = append([]Decision(nil), m.Minutes.Decisions...)
		m.Minutes = &minutes
	}
	now := s.now()
	idx, err := ApplyActionChange(&m, c, now)
	if err != nil {
		return ActionResult{}, err
	}
	d := m.Minutes.Decisions[idx]
	a := d.Action
	entry := a.History[len(a.History)-1]
	msg, err := event.Build(ctx, event.ForDepartment(event.TypeActionChanged, a.Department), event.TypeActionChanged, Producer,
		event.Ref("action", a.ID), now, &meetingv1.ActionChanged{ActionId: a.ID, MeetingId: m.ID,
			ProjectCode: entryProject(m, d.AgendaEntryID), Department: a.Department, Description: a.Description,
			DueAt: timestamppb.New(a.DueAt), AgendaEntryId: d.AgendaEntryID, Change: entry.Change,
			FromStatus: entry.From, Status: entry.Status, Actor: entry.Actor, Note: entry.Note,
			ChangedAt: timestamppb.New(now)})
	if err != nil {
		return ActionResult{}, err
	}
	if err := s.update(ctx, m, []event.Message{msg}); err != nil {
		return ActionResult{}, err
	}
	return ActionResult{Action: *a, Version: m.Version}, nil
}

func entryProject(m Meeting, entryID string) string {
	for _, e := range m.Agenda {
		if e.ID == entryID {
			return e.ProjectCode
		}
	}
	return ""
}
