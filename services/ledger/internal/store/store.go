// Package store keeps the ledger in MongoDB: one document per project with
// its items embedded, so that a department action, the assignments it
// unlocks and their events are one atomic single-document write.
package store

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/pkg/outbox"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// Store implements ledger.Store.
type Store struct {
	projects *mongo.Collection
	relay    *outbox.Relay
	log      *slog.Logger
}

// New returns a store over db.
func New(db *mongo.Database, log *slog.Logger) *Store {
	return &Store{projects: db.Collection("projects"), log: log}
}

// Collections are the collections whose documents carry an outbox.
func (s *Store) Collections() []*mongo.Collection { return []*mongo.Collection{s.projects} }

// UseRelay sets the relay that publishes right after a save.
func (s *Store) UseRelay(r *outbox.Relay) { s.relay = r }

// EnsureIndexes declares the indexes production MongoDB uses for queues.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	return mongox.EnsureIndexes(ctx, s.projects,
		mongo.IndexModel{Keys: bson.D{{Key: "items.department", Value: 1}, {Key: "items.status", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "work_group", Value: 1}}})
}

type timelineDoc struct {
	At     time.Time `bson:"at"`
	Action string    `bson:"action"`
	Actor  string    `bson:"actor"`
	Status string    `bson:"status"`
	Note   string    `bson:"note,omitempty"`
}

type itemDoc struct {
	ID            string        `bson:"id"`
	Type          string        `bson:"type"`
	Name          string        `bson:"name"`
	Department    string        `bson:"department"`
	Stage         int           `bson:"stage"`
	StageName     string        `bson:"stage_name"`
	Prerequisites []string      `bson:"prerequisites,omitempty"`
	PromisedDays  int           `bson:"promised_days"`
	Immediate     bool          `bson:"immediate,omitempty"`
	Status        string        `bson:"status"`
	AssignedAt    *time.Time    `bson:"assigned_at,omitempty"`
	Timeline      []timelineDoc `bson:"timeline"`
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
	OpenedAt          time.Time      `bson:"opened_at"`
	Version           int64          `bson:"version"`
	Outbox            []outbox.Entry `bson:"outbox"`
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
		id := itemDoc{ID: it.ID, Type: it.Type, Name: it.Name, Department: it.Department, Stage: it.Stage,
			StageName: it.StageName, Prerequisites: it.Prerequisites, PromisedDays: it.PromisedDays,
			Immediate: it.Immediate, Status: string(it.Status), AssignedAt: it.AssignedAt}
		for _, e := range it.Timeline {
			id.Timeline = append(id.Timeline, timelineDoc{At: e.At, Action: e.Action, Actor: e.Actor, Status: string(e.Status), Note: e.Note})
		}
		d.Items = append(d.Items, id)
	}
	return d
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
	return p
}

func toBusItem(id itemDoc) ledger.Item {
	it := ledger.Item{ID: id.ID, Type: id.Type, Name: id.Name, Department: id.Department, Stage: id.Stage,
		StageName: id.StageName, Prerequisites: id.Prerequisites, PromisedDays: id.PromisedDays,
		Immediate: id.Immediate, Status: ledger.Status(id.Status)}
	if id.AssignedAt != nil {
		t := id.AssignedAt.UTC()
		it.AssignedAt = &t
	}
	for _, e := range id.Timeline {
		it.Timeline = append(it.Timeline, ledger.TimelineEntry{At: e.At.UTC(), Action: e.Action, Actor: e.Actor,
			Status: ledger.Status(e.Status), Note: e.Note})
	}
	return it
}

// Create inserts a new ledger with its events and publishes them.
func (s *Store) Create(ctx context.Context, p ledger.Project, msgs []event.Message) error {
	out := make([]outbox.Entry, len(msgs))
	for i, m := range msgs {
		out[i] = outbox.FromMessage(m)
	}
	if _, err := s.projects.InsertOne(ctx, toDBProject(p, out)); err != nil {
		if mongox.IsDuplicateKey(err) {
			return fmt.Errorf("ledger %s: %w", p.Code, ledger.ErrDuplicate)
		}
		return fmt.Errorf("insert ledger: %w", err)
	}
	if s.relay != nil {
		if err := s.relay.Flush(ctx, s.projects, p.Code, out); err != nil {
			s.log.Warn("publishing deferred to the outbox sweep", "project", p.Code, "err", err)
		}
	}
	return nil
}

// Project reads one ledger by its code.
func (s *Store) Project(ctx context.Context, code string) (ledger.Project, error) {
	var d projectDoc
	err := s.projects.FindOne(ctx, bson.D{{Key: "_id", Value: code}},
		options.FindOne().SetProjection(bson.D{{Key: "outbox", Value: 0}})).Decode(&d)
	if mongox.IsNotFound(err) {
		return ledger.Project{}, fmt.Errorf("ledger %s: %w", code, ledger.ErrNotFound)
	}
	if err != nil {
		return ledger.Project{}, fmt.Errorf("find ledger: %w", err)
	}
	return toBusProject(d), nil
}

// Queue lists items by department and status, earliest assigned first.
func (s *Store) Queue(ctx context.Context, department string, status ledger.Status) ([]ledger.QueueItem, error) {
	filter := bson.D{}
	if department != "" {
		filter = append(filter, bson.E{Key: "items.department", Value: department})
	}
	cur, err := s.projects.Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "outbox", Value: 0}}))
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	var docs []projectDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	var q []ledger.QueueItem
	for _, d := range docs {
		for _, id := range d.Items {
			if (department != "" && id.Department != department) || (status != "" && ledger.Status(id.Status) != status) {
				continue
			}
			q = append(q, ledger.QueueItem{Item: toBusItem(id), ProjectCode: d.Code, ProjectName: d.Name, GreenChannel: d.GreenChannel})
		}
	}
	sort.SliceStable(q, func(i, j int) bool {
		ai, aj := q[i].AssignedAt, q[j].AssignedAt
		switch {
		case ai == nil:
			return false
		case aj == nil:
			return true
		}
		return ai.Before(*aj)
	})
	return q, nil
}

type statusOnly struct {
	Items []struct {
		Department string `bson:"department"`
		Status     string `bson:"status"`
	} `bson:"items"`
}

// PendingCounts recounts pending items from the documents themselves, so
// the figure is exact after a restart and the same on every replica.
func (s *Store) PendingCounts(ctx context.Context) (map[ledger.PendingKey]int, error) {
	cur, err := s.projects.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{
		{Key: "items.department", Value: 1}, {Key: "items.status", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("pending counts: %w", err)
	}
	defer cur.Close(ctx)
	counts := map[ledger.PendingKey]int{}
	for cur.Next(ctx) {
		var d statusOnly
		if err := cur.Decode(&d); err != nil {
			return nil, fmt.Errorf("pending counts: %w", err)
		}
		for _, it := range d.Items {
			if st := ledger.Status(it.Status); st.Pending() {
				counts[ledger.PendingKey{Department: it.Department, Status: st}]++
			}
		}
	}
	return counts, cur.Err()
}
