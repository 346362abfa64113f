package store

import (
	"time"

	"github.com/tuijin/tuijin/pkg/outbox"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

type timelineDoc struct {
	At     time.Time `bson:"at"`
	Action string    `bson:"action"`
	Actor  string    `bson:"actor"`
	From   string    `bson:"from,omitempty"`
	Status string    `bson:"status"`
	Note   string    `bson:"note,omitempty"`
	Late   bool      `bson:"late,omitempty"`
}

type supplementDoc struct {
	Materials  []string   `bson:"materials"`
	Due        time.Time  `bson:"due"`
	ReceivedAt *time.Time `bson:"received_at,omitempty"`
	MissedAt   *time.Time `bson:"missed_at,omitempty"`
}

type commitmentDoc struct {
	Text        string     `bson:"text"`
	CheckDue    time.Time  `bson:"check_due"`
	CheckedAt   *time.Time `bson:"checked_at,omitempty"`
	CheckResult string     `bson:"check_result,omitempty"`
	CheckNote   string     `bson:"check_note,omitempty"`
}

type measureDoc struct {
	At     time.Time `bson:"at"`
	Actor  string    `bson:"actor"`
	Text   string    `bson:"text"`
	Source string    `bson:"source,omitempty"`
}

type problemEntryDoc struct {
	At         time.Time `bson:"at"`
	Actor      string    `bson:"actor"`
	Status     string    `bson:"status"`
	Escalation string    `bson:"escalation"`
	Note       string    `bson:"note,omitempty"`
}

type problemDoc struct {
	ID          string            `bson:"id"`
	Title       string            `bson:"title"`
	Description string            `bson:"description,omitempty"`
	Department  string            `bson:"department"`
	ItemID      string            `bson:"item_id,omitempty"`
	Status      string            `bson:"status"`
	Escalation  string            `bson:"escalation"`
	RaisedBy    string            `bson:"raised_by"`
	RaisedAt    time.Time         `bson:"raised_at"`
	ResolvedAt  *time.Time        `bson:"resolved_at,omitempty"`
	Measures    []measureDoc      `bson:"measures"`
	History     []problemEntryDoc `bson:"history"`
}

type noticeDoc struct {
	Item       string   `bson:"item"`
	Department string   `bson:"department"`
	TimeLimit  string   `bson:"time_limit"`
	Materials  []string `bson:"materials,omitempty"`
	Status     string   `bson:"status"`
}

type taskEntryDoc struct {
	At     time.Time `bson:"at"`
	Actor  string    `bson:"actor"`
	Action string    `bson:"action"`
	Status string    `bson:"status"`
	Note   string    `bson:"note,omitempty"`
}

type taskDoc struct {
	ID           string         `bson:"id"`
	Kind         string         `bson:"kind"`
	Title        string         `bson:"title"`
	Description  string         `bson:"description,omitempty"`
	Contact      string         `bson:"contact,omitempty"`
	Officer      string         `bson:"officer,omitempty"`
	Status       string         `bson:"status"`
	ReceivedAt   time.Time      `bson:"received_at"`
	Due          time.Time      `bson:"due"`
	Notice       []noticeDoc    `bson:"notice,omitempty"`
	ClosedAt     *time.Time     `bson:"closed_at,omitempty"`
	VisitedAt    *time.Time     `bson:"visited_at,omitempty"`
	Satisfaction int            `bson:"satisfaction,omitempty"`
	Comment      string         `bson:"comment,omitempty"`
	History      []taskEntryDoc `bson:"history"`
}

type progressDoc struct {
	At            time.Time `bson:"at"`
	Actor         string    `bson:"actor"`
	From          string    `bson:"from,omitempty"`
	Stage         string    `bson:"stage"`
	ImageProgress string    `bson:"image_progress,omitempty"`
	Override      string    `bson:"override_reason,omitempty"`
	Assigned      []string  `bson:"assigned,omitempty"`
	// PlannedStart is midnight of the planned day in Beijing.
	PlannedStart *time.Time `bson:"planned_start,omitempty"`
}

type officerChangeDoc struct {
	At      time.Time `bson:"at"`
	Officer string    `bson:"officer"`
	Actor   string    `bson:"actor"`
	Note    string    `bson:"note,omitempty"`
}

func toDBTask(t ledger.Task) taskDoc {
	d := taskDoc{ID: t.ID, Kind: t.Kind, Title: t.Title, Description: t.Description, Contact: t.Contact,
		Officer: t.Officer, Status: string(t.Status), ReceivedAt: t.ReceivedAt, Due: t.Due, ClosedAt: t.ClosedAt,
		VisitedAt: t.VisitedAt, Satisfaction: t.Satisfaction, Comment: t.Comment, History: []taskEntryDoc{}}
	for _, n := range t.Notice {
		d.Notice = append(d.Notice, noticeDoc{Item: n.Item, Department: n.Department, TimeLimit: n.TimeLimit,
			Materials: n.Materials, Status: string(n.Status)})
	}
	for _, h := range t.History {
		d.History = append(d.History, taskEntryDoc{At: h.At, Actor: h.Actor, Action: h.Action, Status: string(h.Status), Note: h.Note})
	}
	return d
}

func toDomainTask(d taskDoc) ledger.Task {
	t := ledger.Task{ID: d.ID, Kind: d.Kind, Title: d.Title, Description: d.Description, Contact: d.Contact,
		Officer: d.Officer, Status: ledger.TaskStatus(d.Status), ReceivedAt: d.ReceivedAt.UTC(), Due: d.Due.UTC(),
		ClosedAt: utc(d.ClosedAt), VisitedAt: utc(d.VisitedAt), Satisfaction: d.Satisfaction, Comment: d.Comment,
		History: []ledger.TaskEntry{}}
	for _, n := range d.Notice {
		t.Notice = append(t.Notice, ledger.NoticeItem{Item: n.Item, Department: n.Department, TimeLimit: n.TimeLimit,
			Materials: n.Materials, Status: ledger.Status(n.Status)})
	}
	for _, h := range d.History {
		t.History = append(t.History, ledger.TaskEntry{At: h.At.UTC(), Actor: h.Actor, Action: h.Action,
			Status: ledger.TaskStatus(h.Status), Note: h.Note})
	}
	return t
}

type itemDoc struct {
	ID            string         `bson:"id"`
	Type          string         `bson:"type"`
	Name          string         `bson:"name"`
	Department    string         `bson:"department"`
	Stage         int            `bson:"stage"`
	StageName     string         `bson:"stage_name"`
	Prerequisites []string       `bson:"prerequisites,omitempty"`
	PromisedDays  int            `bson:"promised_days"`
	Immediate     bool           `bson:"immediate,omitempty"`
	Modes         []string       `bson:"modes,omitempty"`
	Status        string         `bson:"status"`
	PlannedReason string         `bson:"planned_reason,omitempty"`
	AssignedAt    *time.Time     `bson:"assigned_at,omitempty"`
	Due           *time.Time     `bson:"due,omitempty"`
	AcceptDays    int            `bson:"accept_days,omitempty"`
	GreenChannel  bool           `bson:"green_channel,omitempty"`
	NormalDays    int            `bson:"normal_days,omitempty"`
	AcceptedAt    *time.Time     `bson:"accepted_at,omitempty"`
	AcceptedLate  bool           `bson:"accepted_late,omitempty"`
	CompletedAt   *time.Time     `bson:"completed_at,omitempty"`
	BlockedBy     []string       `bson:"blocked_by,omitempty"`
	SuspendedFrom string         `bson:"suspended_from,omitempty"`
	SuspendedAt   *time.Time     `bson:"suspended_at,omitempty"`
	Supplement    *supplementDoc `bson:"supplement,omitempty"`
	Commitment    *commitmentDoc `bson:"commitment,omitempty"`
	Resubmissions int            `bson:"resubmissions,omitempty"`
	Timeline      []timelineDoc  `bson:"timeline"`
}

type projectDoc struct {
	Code              string             `bson:"_id"`
	Name              string             `bson:"name"`
	Category          string             `bson:"category"`
	Level             string             `bson:"level"`
	OwnerOrganisation string             `bson:"owner_organisation"`
	OwnerContact      string             `bson:"owner_contact"`
	OwnerPhone        string             `bson:"owner_phone,omitempty"`
	Location          string             `bson:"location,omitempty"`
	InvestmentWan     float64            `bson:"investment_wan"`
	Stage             string             `bson:"stage"`
	Officer           string             `bson:"officer,omitempty"`
	WorkGroup         string             `bson:"work_group,omitempty"`
	GreenChannel      bool               `bson:"green_channel,omitempty"`
	Items             []itemDoc          `bson:"items"`
	Problems          []problemDoc       `bson:"problems"`
	Tasks             []taskDoc          `bson:"tasks"`
	OfficerHistory    []officerChangeDoc `bson:"officer_history,omitempty"`
	ImageProgress     string             `bson:"image_progress,omitempty"`
	Progress          []progressDoc      `bson:"progress,omitempty"`
	PlannedStart      *time.Time         `bson:"planned_start,omitempty"`
	OpenedAt          time.Time          `bson:"opened_at"`
	Version           int64              `bson:"version"`
	Outbox            []outbox.Entry     `bson:"outbox,omitempty"`
}

func toDBProject(p ledger.Project, out []outbox.Entry) projectDoc {
	d := projectDoc{
		Code: p.Code, Name: p.Name, Category: p.Category, Level: p.Level,
		OwnerOrganisation: p.OwnerOrganisation, OwnerContact: p.OwnerContact, OwnerPhone: p.OwnerPhone,
		Location: p.Location, InvestmentWan: p.InvestmentWan, Stage: p.Stage, Officer: p.Officer,
		WorkGroup: p.WorkGroup, GreenChannel: p.GreenChannel, OpenedAt: p.OpenedAt, Version: p.Version,
		Outbox: out,
	}
	for _, it := range p.Items {
		d.Items = append(d.Items, toDBItem(it))
	}
	d.Problems = make([]problemDoc, 0, len(p.Problems))
	for _, pr := range p.Problems {
		d.Problems = append(d.Problems, toDBProblem(pr))
	}
	d.Tasks = make([]taskDoc, 0, len(p.Tasks))
	for _, t := range p.Tasks {
		d.Tasks = append(d.Tasks, toDBTask(t))
	}
	for _, o := range p.OfficerHistory {
		d.OfficerHistory = append(d.OfficerHistory, officerChangeDoc{At: o.At, Officer: o.Officer, Actor: o.Actor, Note: o.Note})
	}
	d.ImageProgress = p.ImageProgress
	for _, e := range p.Progress {
		d.Progress = append(d.Progress, progressDoc{At: e.At, Actor: e.Actor, From: e.From, Stage: e.Stage,
			ImageProgress: e.ImageProgress, Override: e.Override, Assigned: e.Assigned, PlannedStart: toDBDate(e.PlannedStart)})
	}
	d.PlannedStart = toDBDate(p.PlannedStart)
	return d
}

func toDBItem(it ledger.Item) itemDoc {
	id := itemDoc{ID: it.ID, Type: it.Type, Name: it.Name, Department: it.Department, Stage: it.Stage,
		StageName: it.StageName, Prerequisites: it.Prerequisites, PromisedDays: it.PromisedDays,
		Immediate: it.Immediate, Modes: it.Modes, Status: string(it.Status), PlannedReason: it.PlannedReason, AssignedAt: it.AssignedAt,
		Due: it.Due, CompletedAt: it.CompletedAt, BlockedBy: it.BlockedBy, SuspendedFrom: string(it.SuspendedFrom),
		SuspendedAt: it.SuspendedAt, Resubmissions: it.Resubmissions, AcceptDays: it.AcceptDays,
		GreenChannel: it.GreenChannel, NormalDays: it.NormalDays, AcceptedAt: it.AcceptedAt, AcceptedLate: it.AcceptedLate}
	if s := it.Supplement; s != nil {
		id.Supplement = &supplementDoc{Materials: s.Materials, Due: s.Due, ReceivedAt: s.ReceivedAt, MissedAt: s.MissedAt}
	}
	if c := it.Commitment; c != nil {
		id.Commitment = &commitmentDoc{Text: c.Text, CheckDue: c.CheckDue, CheckedAt: c.CheckedAt,
			CheckResult: c.CheckResult, CheckNote: c.CheckNote}
	}
	for _, e := range it.Timeline {
		id.Timeline = append(id.Timeline, timelineDoc{At: e.At, Action: e.Action, Actor: e.Actor,
			From: string(e.From), Status: string(e.Status), Note: e.Note, Late: e.Late})
	}
	return id
}

func toDBProblem(pr ledger.Problem) problemDoc {
	d := problemDoc{ID: pr.ID, Title: pr.Title, Description: pr.Description, Department: pr.Department,
		ItemID: pr.ItemID, Status: string(pr.Status), Escalation: pr.Escalation, RaisedBy: pr.RaisedBy,
		RaisedAt: pr.RaisedAt, ResolvedAt: pr.ResolvedAt, Measures: []measureDoc{}, History: []problemEntryDoc{}}
	for _, m := range pr.Measures {
		d.Measures = append(d.Measures, measureDoc{At: m.At, Actor: m.Actor, Text: m.Text, Source: m.Source})
	}
	for _, h := range pr.History {
		d.History = append(d.History, problemEntryDoc{At: h.At, Actor: h.Actor, Status: string(h.Status),
			Escalation: h.Escalation, Note: h.Note})
	}
	return d
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func toDomainProblem(d problemDoc) ledger.Problem {
	pr := ledger.Problem{ID: d.ID, Title: d.Title, Description: d.Description, Department: d.Department,
		ItemID: d.ItemID, Status: ledger.ProblemStatus(d.Status), Escalation: d.Escalation, RaisedBy: d.RaisedBy,
		RaisedAt: d.RaisedAt.UTC(), ResolvedAt: utc(d.ResolvedAt), Measures: []ledger.Measure{}, History: []ledger.ProblemEntry{}}
	for _, m := range d.Measures {
		pr.Measures = append(pr.Measures, ledger.Measure{At: m.At.UTC(), Actor: m.Actor, Text: m.Text, Source: m.Source})
	}
	for _, h := range d.History {
		pr.History = append(pr.History, ledger.ProblemEntry{At: h.At.UTC(), Actor: h.Actor,
			Status: ledger.ProblemStatus(h.Status), Escalation: h.Escalation, Note: h.Note})
	}
	return pr
}

func toDomainProject(d projectDoc) ledger.Project {
	p := ledger.Project{
		ProjectInfo: ledger.ProjectInfo{
			Code: d.Code, Name: d.Name, Category: d.Category, Level: d.Level,
			OwnerOrganisation: d.OwnerOrganisation, OwnerContact: d.OwnerContact, OwnerPhone: d.OwnerPhone,
			Location: d.Location, InvestmentWan: d.InvestmentWan, Stage: d.Stage, Officer: d.Officer,
			WorkGroup: d.WorkGroup, GreenChannel: d.GreenChannel,
		},
		OpenedAt: d.OpenedAt.UTC(), Version: d.Version,
	}
	for _, id := range d.Items {
		p.Items = append(p.Items, toDomainItem(id))
	}
	p.Problems = make([]ledger.Problem, 0, len(d.Problems))
	for _, pd := range d.Problems {
		p.Problems = append(p.Problems, toDomainProblem(pd))
	}
	p.Tasks = make([]ledger.Task, 0, len(d.Tasks))
	for _, td := range d.Tasks {
		p.Tasks = append(p.Tasks, toDomainTask(td))
	}
	for _, o := range d.OfficerHistory {
		p.OfficerHistory = append(p.OfficerHistory, ledger.OfficerChange{At: o.At.UTC(), Officer: o.Officer, Actor: o.Actor, Note: o.Note})
	}
	p.ImageProgress = d.ImageProgress
	for _, e := range d.Progress {
		p.Progress = append(p.Progress, ledger.ProgressEntry{At: e.At.UTC(), Actor: e.Actor, From: e.From, Stage: e.Stage,
			ImageProgress: e.ImageProgress, Override: e.Override, Assigned: e.Assigned, PlannedStart: toDomainDate(e.PlannedStart)})
	}
	p.PlannedStart = toDomainDate(d.PlannedStart)
	return p
}

func toDomainItem(id itemDoc) ledger.Item {
	it := ledger.Item{ID: id.ID, Type: id.Type, Name: id.Name, Department: id.Department, Stage: id.Stage,
		StageName: id.StageName, Prerequisites: id.Prerequisites, PromisedDays: id.PromisedDays,
		Immediate: id.Immediate, Modes: id.Modes, Status: ledger.Status(id.Status), PlannedReason: id.PlannedReason, AssignedAt: utc(id.AssignedAt),
		Due: utc(id.Due), CompletedAt: utc(id.CompletedAt), BlockedBy: id.BlockedBy,
		SuspendedFrom: ledger.Status(id.SuspendedFrom), SuspendedAt: utc(id.SuspendedAt), Resubmissions: id.Resubmissions,
		AcceptDays: id.AcceptDays, GreenChannel: id.GreenChannel, NormalDays: id.NormalDays, AcceptedAt: utc(id.AcceptedAt), AcceptedLate: id.AcceptedLate}
	if s := id.Supplement; s != nil {
		it.Supplement = &ledger.Supplement{Materials: s.Materials, Due: s.Due.UTC(), ReceivedAt: utc(s.ReceivedAt),
			MissedAt: utc(s.MissedAt)}
	}
	if c := id.Commitment; c != nil {
		it.Commitment = &ledger.Commitment{Text: c.Text, CheckDue: c.CheckDue.UTC(), CheckedAt: utc(c.CheckedAt),
			CheckResult: c.CheckResult, CheckNote: c.CheckNote}
	}
	for _, e := range id.Timeline {
		it.Timeline = append(it.Timeline, ledger.TimelineEntry{At: e.At.UTC(), Action: e.Action, Actor: e.Actor,
			From: ledger.Status(e.From), Status: ledger.Status(e.Status), Note: e.Note, Late: e.Late})
	}
	return it
}

// toDBDate stores a day as its midnight in Beijing (an instant, which
// MongoDB keeps to the millisecond).
func toDBDate(d *ledger.Date) *time.Time {
	if d == nil {
		return nil
	}
	t := d.UTC()
	return &t
}

func toDomainDate(t *time.Time) *ledger.Date {
	if t == nil {
		return nil
	}
	d := ledger.DateOf(*t)
	return &d
}
