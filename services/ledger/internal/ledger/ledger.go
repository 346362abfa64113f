// Package ledger is the 台账: a key project's approval items, their
// prerequisite graph and status. It is pure: no storage, no transport.
package ledger

import (
	"fmt"
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/services/ledger/internal/catalog"
)

// Status of an approval item.
type Status string

// Item statuses. Planned items belong to a 谋划/储备 project and are
// dispatched to no one; waiting items have open prerequisites; assigned, accepted,
// supplement and suspended items are pending at their department; approved
// and rejected are finished.
const (
	StatusPlanned    Status = "planned"
	StatusWaiting    Status = "waiting"
	StatusAssigned   Status = "assigned"
	StatusAccepted   Status = "accepted"
	StatusSupplement Status = "supplement"
	StatusSuspended  Status = "suspended"
	StatusApproved   Status = "approved"
	StatusRejected   Status = "rejected"
	// StatusWithdrawn: the owner withdrew the application; like a rejection
	// it blocks the item's dependants until the owner resubmits.
	StatusWithdrawn Status = "withdrawn"
)

// Statuses lists every status, for validation of filters.
var Statuses = []Status{StatusPlanned, StatusWaiting, StatusAssigned, StatusAccepted, StatusSupplement,
	StatusSuspended, StatusApproved, StatusRejected, StatusWithdrawn}

// Pending reports whether an item with s sits in its department's queue.
func (s Status) Pending() bool {
	switch s {
	case StatusAssigned, StatusAccepted, StatusSupplement, StatusSuspended:
		return true
	}
	return false
}

// Blocking reports whether an item with s holds its dependants back until
// the owner resubmits.
func (s Status) Blocking() bool { return s == StatusRejected || s == StatusWithdrawn }

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if s == v {
			return true
		}
	}
	return false
}

// ProjectInfo is what the ledger knows of a project from its registration.
type ProjectInfo struct {
	Code              string  `json:"code"`
	Name              string  `json:"name"`
	Category          string  `json:"category"`
	Level             string  `json:"level"`
	OwnerOrganisation string  `json:"owner_organisation"`
	OwnerContact      string  `json:"owner_contact"`
	OwnerPhone        string  `json:"owner_phone,omitempty"`
	Location          string  `json:"location,omitempty"`
	InvestmentWan     float64 `json:"investment_wan"`
	Stage             string  `json:"stage"`
	Officer           string  `json:"officer,omitempty"`
	WorkGroup         string  `json:"work_group,omitempty"`
	GreenChannel      bool    `json:"green_channel,omitempty"`
	// ImageProgress is the 形象进度: the visible progress on site.
	ImageProgress string `json:"image_progress,omitempty"`
	// PlannedStart is the day the project plans to start (计划开工), set
	// with its progress; a start-date forecast past it turns the project
	// yellow.
	PlannedStart *Date `json:"planned_start,omitempty"`
}

// TimelineEntry records who did what to an item, when.
type TimelineEntry struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	Actor  string    `json:"actor"`
	From   Status    `json:"from,omitempty"`
	Status Status    `json:"status"`
	Note   string    `json:"note,omitempty"`
	// Late marks an acceptance after its window (行政许可法 §32).
	Late bool `json:"late,omitempty"`
}

// Supplement is a 容缺受理 commitment: the item was accepted with materials
// missing, which the owner promised to deliver by Due.
type Supplement struct {
	Materials  []string   `json:"materials"`
	Due        time.Time  `json:"due"`
	ReceivedAt *time.Time `json:"received_at,omitempty"`
	// MissedAt is when the deadline service reported the owner past Due
	// without the materials; they may still arrive.
	MissedAt *time.Time `json:"missed_at,omitempty"`
}

// Open reports whether the materials are still owed.
func (s *Supplement) Open() bool { return s != nil && s.ReceivedAt == nil }

// Commitment is a 告知承诺 approval: granted on the owner's written
// commitment, checked afterwards by CheckDue.
type Commitment struct {
	Text        string     `json:"text"`
	CheckDue    time.Time  `json:"check_due"`
	CheckedAt   *time.Time `json:"checked_at,omitempty"`
	CheckResult string     `json:"check_result,omitempty"`
	CheckNote   string     `json:"check_note,omitempty"`
}

// Item is one approval item of a project.
type Item struct {
	ID            string   `json:"id"`
	Type          string   `json:"type"`
	Name          string   `json:"name"`
	Department    string   `json:"department"`
	Stage         int      `json:"stage"`
	StageName     string   `json:"stage_name"`
	Prerequisites []string `json:"prerequisites,omitempty"`
	PromisedDays  int      `json:"promised_days"`
	AcceptDays    int      `json:"accept_days,omitempty"`   // acceptance window from the catalog (0: statutory)
	GreenChannel  bool     `json:"green_channel,omitempty"` // the project's green channel shortened PromisedDays…
	NormalDays    int      `json:"normal_days,omitempty"`   // …from the catalog's promised days
	Immediate     bool     `json:"immediate,omitempty"`
	Modes         []string `json:"modes,omitempty"`
	Status        Status   `json:"status"`
	// PlannedReason says why a planned item is not dispatched yet.
	PlannedReason string     `json:"planned_reason,omitempty"`
	AssignedAt    *time.Time `json:"assigned_at,omitempty"`
	// Due is the end of the promised time limit, counted in working days
	// from the assignment, a timely acceptance or the last supplement
	// received.
	Due *time.Time `json:"due,omitempty"`
	// AcceptedAt is the last acceptance (受理); AcceptedLate says it came
	// after the acceptance window or the due date, so the application
	// counted as accepted on receipt and Due did not move.
	AcceptedAt   *time.Time `json:"accepted_at,omitempty"`
	AcceptedLate bool       `json:"accepted_late,omitempty"`
	CompletedAt  *time.Time `json:"completed_at,omitempty"`
	// BlockedBy names the rejected or withdrawn items (direct or further
	// up the prerequisite graph) that hold this waiting item back.
	BlockedBy []string `json:"blocked_by,omitempty"`
	// SuspendedFrom is the status a suspended item resumes to.
	SuspendedFrom Status          `json:"suspended_from,omitempty"`
	SuspendedAt   *time.Time      `json:"suspended_at,omitempty"`
	Supplement    *Supplement     `json:"supplement,omitempty"`
	Commitment    *Commitment     `json:"commitment,omitempty"`
	Resubmissions int             `json:"resubmissions,omitempty"`
	Timeline      []TimelineEntry `json:"timeline"`
}

// Project is a project's ledger.
type Project struct {
	ProjectInfo
	Items    []Item    `json:"items"`
	Problems []Problem `json:"problems"`
	// Tasks are the owner's service requests taken on by the officer.
	Tasks          []Task          `json:"tasks"`
	OfficerHistory []OfficerChange `json:"officer_history,omitempty"`
	Progress       []ProgressEntry `json:"progress,omitempty"`
	OpenedAt       time.Time       `json:"opened_at"`
	// Version counts the writes to the ledger; every write names the
	// version it was based on, so a stale one never overwrites a newer.
	Version int64 `json:"version"`
}

// ItemID is the id of the item of type key in project code.
func ItemID(code, key string) string { return code + "." + key }

// SplitItemID returns the project code and item type of an item id.
func SplitItemID(id string) (code, key string, ok bool) {
	i := strings.LastIndexByte(id, '.')
	if i <= 0 || i == len(id)-1 {
		return "", "", false
	}
	return id[:i], id[i+1:], true
}

// Open builds a project's ledger from the catalog: every item of the
// catalog, those without open prerequisites assigned at once (并联审批),
// unless the project is in 谋划 or 储备, whose items are held as planned
// (see UpdateProgress). It returns the ledger and the items just assigned.
func Open(info ProjectInfo, cat *catalog.Catalog, cal workday.Calendar, now time.Time) (Project, []Item) {
	p := Project{ProjectInfo: info, OpenedAt: now, Version: 1, Problems: []Problem{}, Tasks: []Task{}}
	for _, ct := range cat.Items {
		it := Item{
			ID: ItemID(info.Code, ct.Key), Type: ct.Key, Name: ct.Name, Department: ct.Department,
			Stage: ct.Stage, StageName: ct.StageName, Prerequisites: ct.Prerequisites,
			PromisedDays: ct.PromisedDays, AcceptDays: ct.AcceptDays, Immediate: ct.Immediate, Modes: ct.Modes, Status: StatusWaiting,
			Timeline: []TimelineEntry{{At: now, Action: "planned", Actor: "system", Status: StatusWaiting}},
		}
		// A project on the green channel gets the catalog's green-channel
		// limit on every item that allows it.
		if green := ct.GreenChannelDays(); info.GreenChannel && green > 0 {
			it.GreenChannel, it.NormalDays, it.PromisedDays = true, ct.PromisedDays, green
		}
		p.Items = append(p.Items, it)
	}
	if Holds(info.Stage) {
		p.hold(now)
		return p, nil
	}
	return p, p.assignReady(cal, now)
}

// assignReady assigns every waiting item whose prerequisites are all
// approved, and returns them.
func (p *Project) assignReady(cal workday.Calendar, now time.Time) []Item {
	done := map[string]bool{}
	for _, it := range p.Items {
		if it.Status == StatusApproved {
			done[it.Type] = true
		}
	}
	var assigned []Item
	for i := range p.Items {
		it := &p.Items[i]
		if it.Status != StatusWaiting || !allIn(it.Prerequisites, done) {
			continue
		}
		it.Status = StatusAssigned
		it.startClock(cal, now)
		it.Timeline = append(it.Timeline, TimelineEntry{At: now, Action: "assign", Actor: "system",
			From: StatusWaiting, Status: StatusAssigned, Note: it.greenNote()})
		assigned = append(assigned, *it)
	}
	return assigned
}

// greenNote says the green channel's limit on an item it shortened.
func (it *Item) greenNote() string {
	if !it.GreenChannel {
		return ""
	}
	return fmt.Sprintf("绿色通道：承诺时限 %d 个工作日（常规 %d 个工作日）", it.PromisedDays, it.NormalDays)
}

// startClock (re)starts the item's promised time limit at now: the same
// working day for a 即办件, PromisedDays working days for a 承诺件.
func (it *Item) startClock(cal workday.Calendar, now time.Time) {
	t := now
	it.AssignedAt = &t
	it.countFrom(cal, now)
}

// countFrom sets Due to the promised time limit counted from at.
func (it *Item) countFrom(cal workday.Calendar, at time.Time) {
	due := workday.DueAt(cal, at, it.PromisedDays)
	if it.Immediate {
		due = workday.DueAt(cal, at, 0)
	}
	due = due.UTC()
	it.Due = &due
}

// extend runs the limit on past its last day by the working days from
// since up to (not including) now's date, the way the clock (deadline)
// extends a paused deadline.
func (it *Item) extend(cal workday.Calendar, since, now time.Time) {
	if it.Due == nil || since.IsZero() {
		return
	}
	due := workday.DueAt(cal, it.Due.Add(-time.Nanosecond), workday.Count(cal, since, now)).UTC()
	it.Due = &due
}

// supplementRequested is when the open 补正 was asked for (zero if none).
func (it *Item) supplementRequested() time.Time {
	for i := len(it.Timeline) - 1; i >= 0; i-- {
		if e := it.Timeline[i]; e.Action == string(ActRequestSupplement) {
			return e.At
		}
	}
	return time.Time{}
}

// accept records the acceptance (受理) at now. The department had
// AcceptDays working days from receipt to decide; a timely acceptance
// counts the promised days from 受理, a late one (after the window, or once
// the item is due) keeps the due date: the application counted as accepted
// on receipt (行政许可法 §32), so accepting late cannot clear a red list.
// It reports whether the acceptance was late.
func (it *Item) accept(cal workday.Calendar, now time.Time) bool {
	window := it.AcceptDays
	if window <= 0 {
		window = catalog.DefaultAcceptDays
	}
	late := it.Due != nil && !now.Before(*it.Due)
	if it.AssignedAt != nil && !now.Before(workday.DueAt(cal, *it.AssignedAt, window)) {
		late = true
	}
	t := now
	it.AcceptedAt, it.AcceptedLate = &t, late
	if !late {
		it.countFrom(cal, now)
	}
	return late
}

func allIn(keys []string, set map[string]bool) bool {
	for _, k := range keys {
		if !set[k] {
			return false
		}
	}
	return true
}

// Item returns the item with id.
func (p *Project) Item(id string) (*Item, bool) {
	for i := range p.Items {
		if p.Items[i].ID == id {
			return &p.Items[i], true
		}
	}
	return nil, false
}
