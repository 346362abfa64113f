// Package ledger is the 台账: a key project's approval items, their
// prerequisite graph and status. It is pure: no storage, no transport.
package ledger

import (
	"strings"
	"time"

	"github.com/tuijin/tuijin/services/ledger/internal/catalog"
)

// Status of an approval item.
type Status string

// Item statuses. Waiting items have open prerequisites; assigned, accepted,
// supplement and suspended items are pending at their department; approved
// and rejected are finished.
const (
	StatusWaiting    Status = "waiting"
	StatusAssigned   Status = "assigned"
	StatusAccepted   Status = "accepted"
	StatusSupplement Status = "supplement"
	StatusSuspended  Status = "suspended"
	StatusApproved   Status = "approved"
	StatusRejected   Status = "rejected"
)

// Statuses lists every status, for validation of filters.
var Statuses = []Status{StatusWaiting, StatusAssigned, StatusAccepted, StatusSupplement,
	StatusSuspended, StatusApproved, StatusRejected}

// Pending reports whether an item with s sits in its department's queue.
func (s Status) Pending() bool {
	switch s {
	case StatusAssigned, StatusAccepted, StatusSupplement, StatusSuspended:
		return true
	}
	return false
}

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
}

// TimelineEntry records who did what to an item, when.
type TimelineEntry struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	Actor  string    `json:"actor"`
	Status Status    `json:"status"`
	Note   string    `json:"note,omitempty"`
}

// Item is one approval item of a project.
type Item struct {
	ID            string          `json:"id"`
	Type          string          `json:"type"`
	Name          string          `json:"name"`
	Department    string          `json:"department"`
	Stage         int             `json:"stage"`
	StageName     string          `json:"stage_name"`
	Prerequisites []string        `json:"prerequisites,omitempty"`
	PromisedDays  int             `json:"promised_days"`
	Immediate     bool            `json:"immediate,omitempty"`
	Status        Status          `json:"status"`
	AssignedAt    *time.Time      `json:"assigned_at,omitempty"`
	Timeline      []TimelineEntry `json:"timeline"`
}

// Project is a project's ledger.
type Project struct {
	ProjectInfo
	Items    []Item    `json:"items"`
	OpenedAt time.Time `json:"opened_at"`
	Version  int64     `json:"version"`
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
// catalog, those without open prerequisites assigned at once (并联审批).
// It returns the ledger and the items just assigned.
func Open(info ProjectInfo, cat *catalog.Catalog, now time.Time) (Project, []Item) {
	p := Project{ProjectInfo: info, OpenedAt: now}
	for _, ct := range cat.Items {
		p.Items = append(p.Items, Item{
			ID: ItemID(info.Code, ct.Key), Type: ct.Key, Name: ct.Name, Department: ct.Department,
			Stage: ct.Stage, StageName: ct.StageName, Prerequisites: ct.Prerequisites,
			PromisedDays: ct.PromisedDays, Immediate: ct.Immediate, Status: StatusWaiting,
			Timeline: []TimelineEntry{{At: now, Action: "planned", Actor: "system", Status: StatusWaiting}},
		})
	}
	return p, p.assignReady(now)
}

// assignReady assigns every waiting item whose prerequisites are all
// approved, and returns them.
func (p *Project) assignReady(now time.Time) []Item {
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
		t := now
		it.Status = StatusAssigned
		it.AssignedAt = &t
		it.Timeline = append(it.Timeline, TimelineEntry{At: now, Action: "assign", Actor: "system", Status: StatusAssigned})
		assigned = append(assigned, *it)
	}
	return assigned
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
