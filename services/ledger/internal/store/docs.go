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
}

type supplementDoc struct {
	Materials  []string   `bson:"materials"`
	Due        time.Time  `bson:"due"`
	ReceivedAt *time.Time `bson:"received_at,omitempty"`
}

type commitmentDoc struct {
	Text        string     `bson:"text"`
	CheckDue    time.Time  `bson:"check_due"`
	CheckedAt   *time.Time `bson:"checked_at,omitempty"`
	CheckResult string     `bson:"check_result,omitempty"`
	CheckNote   string     `bson:"check_note,omitempty"`
}

type measureDoc struct {
	At    time.Time `bson:"at"`
	Actor string    `bson:"actor"`
	Text  string    `bson:"text"`
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
	AssignedAt    *time.Time     `bson:"assigned_at,omitempty"`
	Due           *time.Time     `bson:"due,omitempty"`
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
	Code              string         `bson:"_id"`
	Name              string         `bson:"name"`
	Category          string         `bson:"category"`
	Level             string         `bson:"level"`
	OwnerOrganisation string         `bson:"owner_organisation"`
	OwnerContact      string         `bson:"owner_contact"`
	OwnerPhone        string         `bson:"owner_phone,omitempty"`
	Location          string         `bson:"location,omitempty"`
	InvestmentWan     float64        `bson:"investment_wan"`
	Stage             string         `bson:"stage"`
	Officer           string         `bson:"officer,omitempty"`
	WorkGroup         string         `bson:"work_group,omitempty"`
	GreenChannel      bool           `bson:"green_channel,omitempty"`
	Items             []itemDoc      `bson:"items"`
	Problems          []problemDoc   `bson:"problems"`
	OpenedAt          time.Time      `bson:"opened_at"`
	Version           int64          `bson:"version"`
	Outbox            []outbox.Entry `bson:"outbox,omitempty"`
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
	return d
}

func toDBItem(it ledger.Item) itemDoc {
	id := itemDoc{ID: it.ID, Type: it.Type, Name: it.Name, Department: it.Department, Stage: it.Stage,
		StageName: it.StageName, Prerequisites: it.Prerequisites, PromisedDays: it.PromisedDays,
		Immediate: it.Immediate, Modes: it.Modes, Status: string(it.Status), AssignedAt: it.AssignedAt,
		Due: it.Due, CompletedAt: it.CompletedAt, BlockedBy: it.BlockedBy, SuspendedFrom: string(it.SuspendedFrom),
		SuspendedAt: it.SuspendedAt, Resubmissions: it.Resubmissions}
	if s := it.Supplement; s != nil {
		id.Supplement = &supplementDoc{Materials: s.Materials, Due: s.Due, ReceivedAt: s.ReceivedAt}
	}
	if c := it.Commitment; c != nil {
		id.Commitment = &commitmentDoc{Text: c.Text, CheckDue: c.CheckDue, CheckedAt: c.CheckedAt,
			CheckResult: c.CheckResult, CheckNote: c.CheckNote}
	}
	for _, e := range it.Timeline {
		id.Timeline = append(id.Timeline, timelineDoc{At: e.At, Action: e.Action, Actor: e.Actor,
			From: string(e.From), Status: string(e.Status), Note: e.Note})
	}
	return id
}

func toDBProblem(pr ledger.Problem) problemDoc {
	d := problemDoc{ID: pr.ID, Title: pr.Title, Description: pr.Description, Department: pr.Department,
		ItemID: pr.ItemID, Status: string(pr.Status), Escalation: pr.Escalation, RaisedBy: pr.RaisedBy,
		RaisedAt: pr.RaisedAt, ResolvedAt: pr.ResolvedAt, Measures: []measureDoc{}, History: []problemEntryDoc{}}
	for _, m := range pr.Measures {
		d.Measures = append(d.Measures, measureDoc{At: m.At, Actor: m.Actor, Text: m.Text})
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

func toBusProblem(d problemDoc) ledger.Problem {
	pr := ledger.Problem{ID: d.ID, Title: d.Title, Description: d.Description, Department: d.Department,
		ItemID: d.ItemID, Status: ledger.ProblemStatus(d.Status), Escalation: d.Escalation, RaisedBy: d.RaisedBy,
		RaisedAt: d.RaisedAt.UTC(), ResolvedAt: utc(d.ResolvedAt), Measures: []ledger.Measure{}, History: []ledger.ProblemEntry{}}
	for _, m := range d.Measures {
		pr.Measures = append(pr.Measures, ledger.Measure{At: m.At.UTC(), Actor: m.Actor, Text: m.Text})
	}
	for _, h := range d.History {
		pr.History = append(pr.History, ledger.ProblemEntry{At: h.At.UTC(), Actor: h.Actor,
			Status: ledger.ProblemStatus(h.Status), Escalation: h.Escalation, Note: h.Note})
	}
	return pr
}

func toBusProject(d projectDoc) ledger.Project {
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
		p.Items = append(p.Items, toBusItem(id))
	}
	p.Problems = make([]ledger.Problem, 0, len(d.Problems))
	for _, pd := range d.Problems {
		p.Problems = append(p.Problems, toBusProblem(pd))
	}
	return p
}

func toBusItem(id itemDoc) ledger.Item {
	it := ledger.Item{ID: id.ID, Type: id.Type, Name: id.Name, Department: id.Department, Stage: id.Stage,
		StageName: id.StageName, Prerequisites: id.Prerequisites, PromisedDays: id.PromisedDays,
		Immediate: id.Immediate, Modes: id.Modes, Status: ledger.Status(id.Status), AssignedAt: utc(id.AssignedAt),
		Due: utc(id.Due), CompletedAt: utc(id.CompletedAt), BlockedBy: id.BlockedBy,
		SuspendedFrom: ledger.Status(id.SuspendedFrom), SuspendedAt: utc(id.SuspendedAt), Resubmissions: id.Resubmissions}
	if s := id.Supplement; s != nil {
		it.Supplement = &ledger.Supplement{Materials: s.Materials, Due: s.Due.UTC(), ReceivedAt: utc(s.ReceivedAt)}
	}
	if c := id.Commitment; c != nil {
		it.Commitment = &ledger.Commitment{Text: c.Text, CheckDue: c.CheckDue.UTC(), CheckedAt: utc(c.CheckedAt),
			CheckResult: c.CheckResult, CheckNote: c.CheckNote}
	}
	for _, e := range id.Timeline {
		it.Timeline = append(it.Timeline, ledger.TimelineEntry{At: e.At.UTC(), Action: e.Action, Actor: e.Actor,
			From: ledger.Status(e.From), Status: ledger.Status(e.Status), Note: e.Note})
	}
	return it
}
