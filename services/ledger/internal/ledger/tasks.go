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

// TaskStatus is where an officer task (a service request of the owner)
// stands: 承接 → 办理 → 办结 → 回访 (seed 001).
type TaskStatus string

// Task statuses.
const (
	TaskReceived TaskStatus = "received"
	TaskTaken    TaskStatus = "taken"
	TaskHandling TaskStatus = "handling"
	TaskClosed   TaskStatus = "closed"
	TaskVisited  TaskStatus = "visited"
)

// TaskLimitDays is the working days an officer has to close a request.
const TaskLimitDays = 5

// Task actions.
const (
	TaskActTake   = "take"
	TaskActHandle = "handle"
	TaskActClose  = "close"
	TaskActVisit  = "visit"
)

var taskTransitions = map[string]struct{ from, to TaskStatus }{
	TaskActTake:   {TaskReceived, TaskTaken},
	TaskActHandle: {TaskTaken, TaskHandling},
	TaskActClose:  {TaskHandling, TaskClosed},
	TaskActVisit:  {TaskClosed, TaskVisited},
}

// NoticeItem is one line of the one-time notice (一次性告知): an item the
// project still needs, its materials and its time limit.
type NoticeItem struct {
	Item       string   `json:"item"`
	Department string   `json:"department"`
	TimeLimit  string   `json:"time_limit"`
	Materials  []string `json:"materials,omitempty"`
	Status     Status   `json:"status"`
}

// TaskEntry records a step of a task.
type TaskEntry struct {
	At     time.Time  `json:"at"`
	Actor  string     `json:"actor"`
	Action string     `json:"action"`
	Status TaskStatus `json:"status"`
	Note   string     `json:"note,omitempty"`
}

// Task is a service request taken on by the project's officer.
type Task struct {
	ID           string       `json:"id"`
	Kind         string       `json:"kind"`
	Title        string       `json:"title"`
	Description  string       `json:"description,omitempty"`
	Contact      string       `json:"contact,omitempty"`
	Officer      string       `json:"officer,omitempty"`
	Status       TaskStatus   `json:"status"`
	ReceivedAt   time.Time    `json:"received_at"`
	Due          time.Time    `json:"due"`
	Notice       []NoticeItem `json:"notice,omitempty"`
	ClosedAt     *time.Time   `json:"closed_at,omitempty"`
	VisitedAt    *time.Time   `json:"visited_at,omitempty"`
	Satisfaction int          `json:"satisfaction,omitempty"`
	Comment      string       `json:"comment,omitempty"`
	History      []TaskEntry  `json:"history"`
}

// OnTime reports whether a closed task was closed within its limit.
func (t Task) OnTime() bool { return t.ClosedAt != nil && !t.ClosedAt.After(t.Due) }

// OfficerChange records an assignment of the project's officer.
type OfficerChange struct {
	At      time.Time `json:"at"`
	Officer string    `json:"officer"`
	Actor   string    `json:"actor"`
	Note    string    `json:"note,omitempty"`
}

// NewTask is a service request as intake received it.
type NewTask struct {
	ID, Kind, Title, Description, Contact string
	ReceivedAt                            time.Time
}

// AddTask files a service request as a task of the project's officer. It
// reports false when the request is filed already (a redelivery).
func (p *Project) AddTask(n NewTask, cal workday.Calendar) bool {
	if slices.ContainsFunc(p.Tasks, func(t Task) bool { return t.ID == n.ID }) {
		return false
	}
	at := n.ReceivedAt.UTC()
	p.Tasks = append(p.Tasks, Task{
		ID: n.ID, Kind: n.Kind, Title: n.Title, Description: n.Description, Contact: n.Contact,
		Officer: p.Officer, Status: TaskReceived, ReceivedAt: at,
		Due:     workday.DueAt(cal, at, TaskLimitDays).UTC(),
		History: []TaskEntry{{At: at, Actor: "intake", Action: "receive", Status: TaskReceived}},
	})
	p.Version++
	return true
}

// TaskAction is one step an officer takes on a task.
type TaskAction struct {
	Action       string
	Actor        string
	Note         string
	Satisfaction int
	Comment      string
	Version      int64
}

// ApplyTask performs a on the task with id. Taking a task on records the
// one-time notice, derived from the catalog, of what the project still
// needs.
func (p *Project) ApplyTask(id string, a TaskAction, cat *catalog.Catalog, now time.Time) (Task, error) {
	tr, ok := taskTransitions[a.Action]
	if !ok {
		return Task{}, apperr.Invalid("action", "unknown_action", "action is one of take, handle, close, visit")
	}
	if err := checkActor(a.Actor); err != nil {
		return Task{}, err
	}
	if len(a.Note) > maxNote || len(a.Comment) > maxNote {
		return Task{}, apperr.Invalid("note", "too_long", fmt.Sprintf("note and comment are at most %d bytes", maxNote))
	}
	if a.Action == TaskActVisit {
		if a.Satisfaction < 1 || a.Satisfaction > 5 {
			return Task{}, apperr.Invalid("satisfaction", "invalid_satisfaction", "a follow-up visit (回访) records satisfaction 1-5")
		}
	} else if a.Satisfaction != 0 || a.Comment != "" {
		return Task{}, apperr.Invalid("satisfaction", "not_applicable", "satisfaction and comment only go with visit")
	}
	i := slices.IndexFunc(p.Tasks, func(t Task) bool { return t.ID == id })
	if i < 0 {
		return Task{}, apperr.NotFound("task_not_found", "project "+p.Code+" has no task "+id)
	}
	if a.Version != p.Version {
		return Task{}, staleVersion(a.Version, p.Version)
	}
	t := p.Tasks[i]
	if t.Status != tr.from {
		return Task{}, conflict(ErrIllegalTransition, "illegal_transition",
			fmt.Sprintf("cannot %s task %s: it is %s; %s is allowed from %s", a.Action, id, t.Status, a.Action, tr.from))
	}
	t.History = slices.Clone(t.History)
	switch a.Action {
	case TaskActTake:
		t.Notice = p.notice(cat)
		if t.Officer == "" {
			t.Officer = p.Officer
		}
	case TaskActClose:
		c := now
		t.ClosedAt = &c
	case TaskActVisit:
		v := now
		t.VisitedAt, t.Satisfaction, t.Comment = &v, a.Satisfaction, a.Comment
	}
	t.Status = tr.to
	t.History = append(t.History, TaskEntry{At: now, Actor: a.Actor, Action: a.Action, Status: tr.to, Note: a.Note})
	p.Tasks[i] = t
	p.Version++
	return t, nil
}

func (p *Project) notice(cat *catalog.Catalog) []NoticeItem {
	var out []NoticeItem
	for _, it := range p.Items {
		if it.Status == StatusApproved {
			continue
		}
		ct, _ := cat.Item(it.Type)
		limit := fmt.Sprintf("%d个工作日", it.PromisedDays)
		if it.Immediate {
			limit = "即办"
		}
		out = append(out, NoticeItem{Item: it.Name, Department: it.Department, TimeLimit: limit,
			Materials: ct.Materials, Status: it.Status})
	}
	return out
}

// AssignOfficer makes officer the project's officer (首问负责); open tasks
// follow the project to the new officer.
func (p *Project) AssignOfficer(officer, actor, note string, version int64, known func(string) bool, now time.Time) error {
	if err := checkActor(actor); err != nil {
		return err
	}
	officer = strings.TrimSpace(officer)
	if !known(officer) {
		return apperr.Invalid("officer", "unknown_officer", fmt.Sprintf("no officer %q in the organisation", officer))
	}
	if len(note) > maxNote {
		return apperr.Invalid("note", "too_long", fmt.Sprintf("note exceeds %d bytes", maxNote))
	}
	if version != p.Version {
		return staleVersion(version, p.Version)
	}
	if officer == p.Officer {
		return apperr.Conflict("already_assigned", officer+" is already the officer of "+p.Code)
	}
	p.Officer = officer
	p.OfficerHistory = append(slices.Clone(p.OfficerHistory), OfficerChange{At: now, Officer: officer, Actor: actor, Note: note})
	tasks := slices.Clone(p.Tasks)
	for i := range tasks {
		if tasks[i].Status != TaskClosed && tasks[i].Status != TaskVisited {
			tasks[i].Officer = officer
		}
	}
	p.Tasks = tasks
	p.Version++
	return nil
}
