package ledger

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/services/ledger/internal/catalog"
)

// Action is what a department (or the owner, through the service room)
// does to an item.
type Action string

// Actions of the department API (contract 4.2) and of the owner.
const (
	ActAccept             Action = "accept"
	ActRequestSupplement  Action = "request_supplement"
	ActSupplementReceived Action = "supplement_received"
	ActApprove            Action = "approve"
	ActReject             Action = "reject"
	ActSuspend            Action = "suspend"
	ActResume             Action = "resume"
	// ActWithdraw: the owner withdraws the application.
	ActWithdraw Action = "withdraw"
	// ActResubmit: the owner applies again after a rejection or withdrawal.
	ActResubmit Action = "resubmit"
	// ActVerify records the follow-up check of a 告知承诺 approval.
	ActVerify Action = "verify"
)

// Actions lists every action, in the order the README documents them.
var Actions = []Action{ActAccept, ActRequestSupplement, ActSupplementReceived, ActApprove, ActReject,
	ActSuspend, ActResume, ActWithdraw, ActResubmit, ActVerify}

// transitions is the state machine: for each action, the statuses it may
// start from and the status it leads to. A zero target means "decided by
// the action" (resume returns to where the item was suspended from; verify
// and supplement_received on a 容缺 item keep the status).
var transitions = map[Action]struct {
	from []Status
	to   Status
}{
	ActAccept:             {[]Status{StatusAssigned}, StatusAccepted},
	ActRequestSupplement:  {[]Status{StatusAssigned, StatusAccepted}, StatusSupplement},
	ActSupplementReceived: {[]Status{StatusSupplement, StatusAccepted}, StatusAccepted},
	ActApprove:            {[]Status{StatusAccepted, StatusAssigned}, StatusApproved},
	ActReject:             {[]Status{StatusAssigned, StatusAccepted, StatusSupplement}, StatusRejected},
	ActSuspend:            {[]Status{StatusAssigned, StatusAccepted, StatusSupplement}, StatusSuspended},
	ActResume:             {[]Status{StatusSuspended}, ""},
	ActWithdraw:           {[]Status{StatusAssigned, StatusAccepted, StatusSupplement, StatusSuspended}, StatusWithdrawn},
	ActResubmit:           {[]Status{StatusRejected, StatusWithdrawn}, StatusAssigned},
	ActVerify:             {[]Status{StatusApproved}, StatusApproved},
}

// Check results of a 告知承诺 follow-up.
const (
	CheckPassed = "passed"
	CheckFailed = "failed"
)

// ActionRequest is one action on one item.
type ActionRequest struct {
	Action Action
	Note   string
	Actor  string
	// Version is the ledger version the actor saw.
	Version int64
	// MissingMaterials on accept makes it a 容缺受理; the owner must deliver
	// them within SupplementDays working days.
	MissingMaterials []string
	SupplementDays   int
	// Commitment on approve makes it a 告知承诺 approval, to be checked
	// within CheckDays working days.
	Commitment string
	CheckDays  int
	// CheckResult of a verify: passed or failed.
	CheckResult string
}

// Change is the outcome of an action: the item after it, the status it
// came from, and the items the action unlocked (parallel approval).
type Change struct {
	Action   Action
	From     Status
	Item     Item
	Assigned []Item
	// Completed is set when the item reached a final decision (approved or
	// rejected), with the working days it took since its assignment.
	Completed     bool
	HandlingDays  int
	AssignedSince *time.Time
}

const (
	maxNote      = 2000
	maxActor     = 100
	maxMaterials = 50
)

// Validate checks the request on its own, before the item is looked at.
func (r ActionRequest) Validate() error {
	if _, ok := transitions[r.Action]; !ok {
		names := make([]string, len(Actions))
		for i, a := range Actions {
			names[i] = string(a)
		}
		return apperr.Invalid("action", "unknown_action",
			fmt.Sprintf("unknown action %q; one of %s", r.Action, strings.Join(names, ", ")))
	}
	if strings.TrimSpace(r.Actor) == "" {
		return apperr.Invalid("actor", "actor_required", "actor is required: who takes the action")
	}
	if len(r.Actor) > maxActor {
		return apperr.Invalid("actor", "too_long", fmt.Sprintf("actor exceeds %d bytes", maxActor))
	}
	if len(r.Note) > maxNote {
		return apperr.Invalid("note", "too_long", fmt.Sprintf("note exceeds %d bytes", maxNote))
	}
	if r.Version < 0 {
		return apperr.Invalid("version", "invalid_version", "version must be the ledger version you read")
	}
	if (r.Action == ActReject || r.Action == ActRequestSupplement || r.Action == ActSuspend) && strings.TrimSpace(r.Note) == "" {
		return apperr.Invalid("note", "note_required", string(r.Action)+" needs a note saying why")
	}
	if len(r.MissingMaterials) > 0 || r.SupplementDays != 0 {
		if r.Action != ActAccept {
			return apperr.Invalid("missing_materials", "not_applicable", "missing_materials only go with accept (容缺受理)")
		}
		if len(r.MissingMaterials) == 0 || len(r.MissingMaterials) > maxMaterials {
			return apperr.Invalid("missing_materials", "invalid_materials", fmt.Sprintf("容缺受理 names 1-%d missing materials", maxMaterials))
		}
		for _, m := range r.MissingMaterials {
			if strings.TrimSpace(m) == "" || len(m) > 200 {
				return apperr.Invalid("missing_materials", "invalid_materials", "each missing material is a non-empty name of at most 200 bytes")
			}
		}
		if r.SupplementDays < 1 || r.SupplementDays > 60 {
			return apperr.Invalid("supplement_days", "invalid_days", "supplement_days (the owner's deadline) must be 1-60 working days")
		}
	}
	if r.Commitment != "" || r.CheckDays != 0 {
		if r.Action != ActApprove {
			return apperr.Invalid("commitment", "not_applicable", "commitment only goes with approve (告知承诺)")
		}
		if strings.TrimSpace(r.Commitment) == "" || len(r.Commitment) > maxNote {
			return apperr.Invalid("commitment", "invalid_commitment", "告知承诺 needs the commitment text (at most 2000 bytes)")
		}
		if r.CheckDays < 1 || r.CheckDays > 250 {
			return apperr.Invalid("check_days", "invalid_days", "check_days (the follow-up check) must be 1-250 working days")
		}
	}
	if r.Action == ActVerify {
		if r.CheckResult != CheckPassed && r.CheckResult != CheckFailed {
			return apperr.Invalid("check_result", "invalid_check_result", "verify needs check_result passed or failed")
		}
	} else if r.CheckResult != "" {
		return apperr.Invalid("check_result", "not_applicable", "check_result only goes with verify")
	}
	return nil
}

func illegal(it *Item, a Action, why string) error {
	return conflict(ErrIllegalTransition, "illegal_transition", fmt.Sprintf("cannot %s item %s: %s", a, it.ID, why))
}

// Apply performs req on the item with id. It either changes the project
// (status, timeline, unlocked items, version) and returns the change, or
// leaves it untouched and returns a conflict or validation error.
func (p *Project) Apply(id string, req ActionRequest, cal workday.Calendar, now time.Time) (Change, error) {
	if err := req.Validate(); err != nil {
		return Change{}, err
	}
	idx := slices.IndexFunc(p.Items, func(it Item) bool { return it.ID == id })
	if idx < 0 {
		return Change{}, apperr.NotFound("item_not_found", "no item "+id)
	}
	if req.Version != p.Version {
		return Change{}, staleVersion(req.Version, p.Version)
	}
	// Work on a copy so that a refused action leaves p as it was.
	it := p.Items[idx]
	it.Timeline = slices.Clone(it.Timeline)
	from := it.Status
	tr := transitions[req.Action]
	if !slices.Contains(tr.from, from) {
		return Change{}, illegal(&it, req.Action, fmt.Sprintf("it is %s; %s is allowed from %s", from, req.Action, joinStatuses(tr.from)))
	}
	to := tr.to
	late := false
	switch req.Action {
	case ActAccept:
		late = it.accept(cal, now)
		if len(req.MissingMaterials) > 0 {
			if !slices.Contains(it.Modes, catalog.ModeRongque) {
				return Change{}, illegal(&it, req.Action, "容缺受理 is not allowed for "+it.Name)
			}
			it.Supplement = &Supplement{Materials: slices.Clone(req.MissingMaterials),
				Due: workday.DueAt(cal, now, req.SupplementDays).UTC()}
		}
	case ActSupplementReceived:
		if from == StatusAccepted {
			if !it.Supplement.Open() {
				return Change{}, illegal(&it, req.Action, "no materials are owed (neither 补正 nor 容缺)")
			}
			t := now
			it.Supplement = &Supplement{Materials: it.Supplement.Materials, Due: it.Supplement.Due, ReceivedAt: &t,
				MissedAt: it.Supplement.MissedAt}
		} else if it.AcceptedAt != nil {
			// 补正 during review: the owner's working days do not count
			// against the department, as the clock (deadline) counts them.
			it.extend(cal, it.supplementRequested(), now)
		} else {
			// Complete materials before acceptance: 受理 now, and the
			// promised time limit counts from here (补正, 行政许可法 §32).
			it.startClock(cal, now)
			t := now
			it.AcceptedAt = &t
		}
	case ActApprove:
		if from == StatusAssigned && !it.Immediate {
			return Change{}, illegal(&it, req.Action, "it is assigned and not accepted; only a 即办件 is approved on the spot")
		}
		if it.Supplement.Open() {
			return Change{}, illegal(&it, req.Action, "容缺 materials are still owed: "+strings.Join(it.Supplement.Materials, "、"))
		}
		if req.Commitment != "" {
			if !slices.Contains(it.Modes, catalog.ModeGaozhi) {
				return Change{}, illegal(&it, req.Action, "告知承诺 is not allowed for "+it.Name)
			}
			it.Commitment = &Commitment{Text: req.Commitment, CheckDue: workday.DueAt(cal, now, req.CheckDays).UTC()}
		}
	case ActSuspend:
		t := now
		it.SuspendedFrom, it.SuspendedAt = from, &t
	case ActResume:
		to = it.SuspendedFrom
		if to == "" {
			to = StatusAssigned
		}
		// Suspended working days do not count against the department. Back
		// to an open 补正 they are counted when the supplement arrives, from
		// its request on, as the clock counts one pause.
		if it.SuspendedAt != nil && to != StatusSupplement {
			it.extend(cal, *it.SuspendedAt, now)
		}
		it.SuspendedFrom, it.SuspendedAt = "", nil
	case ActWithdraw:
		// A suspended application that is withdrawn is no longer suspended.
		it.SuspendedFrom, it.SuspendedAt = "", nil
	case ActResubmit:
		it.Resubmissions++
		it.Supplement, it.CompletedAt = nil, nil
		it.AcceptedAt, it.AcceptedLate = nil, false
		it.startClock(cal, now)
	case ActVerify:
		c := it.Commitment
		if c == nil {
			return Change{}, illegal(&it, req.Action, "it was not approved on commitment (告知承诺)")
		}
		if c.CheckedAt != nil {
			return Change{}, illegal(&it, req.Action, "its follow-up check is already recorded")
		}
		t := now
		it.Commitment = &Commitment{Text: c.Text, CheckDue: c.CheckDue, CheckedAt: &t, CheckResult: req.CheckResult, CheckNote: req.Note}
	}

	ch := Change{Action: req.Action, From: from}
	if (to == StatusApproved || to == StatusRejected) && from != to {
		ch.Completed = true
		if it.AssignedAt != nil {
			since := *it.AssignedAt
			ch.AssignedSince = &since
			ch.HandlingDays = workday.Count(cal, since, now)
		}
	}
	if to.Blocking() || to == StatusApproved {
		t := now
		it.CompletedAt = &t
	}
	it.Status = to
	it.Timeline = append(it.Timeline, TimelineEntry{At: now, Action: string(req.Action), Actor: req.Actor,
		From: from, Status: to, Note: req.Note, Late: late})
	p.Items[idx] = it
	if to == StatusApproved && from != to {
		ch.Assigned = p.assignReady(cal, now)
	}
	p.refreshBlocked()
	p.Version++
	ch.Item = p.Items[idx]
	return ch, nil
}

func staleVersion(got, current int64) error {
	return conflict(ErrStale, "stale_version",
		fmt.Sprintf("the ledger changed since version %d (now %d): reload it and decide again", got, current))
}

func joinStatuses(ss []Status) string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = string(s)
	}
	return strings.Join(names, " or ")
}

// refreshBlocked recomputes BlockedBy of every waiting item: the rejected
// or withdrawn items anywhere up its prerequisite chain. Other items carry
// none.
func (p *Project) refreshBlocked() {
	byType := make(map[string]int, len(p.Items))
	for i, it := range p.Items {
		byType[it.Type] = i
	}
	memo := map[string][]string{}
	var roots func(key string, depth int) []string
	roots = func(key string, depth int) []string {
		if r, ok := memo[key]; ok {
			return r
		}
		i, ok := byType[key]
		if !ok || depth > len(p.Items) { // the catalog refuses cycles; this only guards old data
			return nil
		}
		it := p.Items[i]
		var r []string
		if it.Status.Blocking() {
			r = []string{it.Type}
		} else if it.Status == StatusWaiting {
			for _, pre := range it.Prerequisites {
				for _, k := range roots(pre, depth+1) {
					if !slices.Contains(r, k) {
						r = append(r, k)
					}
				}
			}
		}
		memo[key] = r
		return r
	}
	for i := range p.Items {
		it := &p.Items[i]
		it.BlockedBy = nil
		if it.Status != StatusWaiting {
			continue
		}
		var r []string
		for _, pre := range it.Prerequisites {
			for _, k := range roots(pre, 0) {
				if !slices.Contains(r, k) {
					r = append(r, k)
				}
			}
		}
		slices.Sort(r)
		it.BlockedBy = r
	}
}
