// Package store keeps intake's projects and requests in MongoDB.
package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/pkg/outbox"
	"github.com/tuijin/tuijin/services/intake/internal/intake"
	"github.com/tuijin/tuijin/services/intake/internal/open311"
)

// Store implements intake.ProjectStore and intake.RequestStore.
type Store struct {
	projects *mongo.Collection
	requests *mongo.Collection
	imports  *mongo.Collection
	ratings  *mongo.Collection
	relay    *outbox.Relay
}

// New returns a store over db. Collections is what the outbox relay sweeps.
func New(db *mongo.Database) *Store {
	return &Store{projects: db.Collection("projects"), requests: db.Collection("requests"),
		imports: db.Collection("imports"), ratings: db.Collection("ratings")}
}

// Collections are the collections whose documents carry an outbox.
func (s *Store) Collections() []*mongo.Collection { return []*mongo.Collection{s.projects, s.requests} }

// UseRelay sets the relay that publishes right after a save.
func (s *Store) UseRelay(r *outbox.Relay) { s.relay = r }

// EnsureIndexes declares the indexes production MongoDB uses.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	if err := mongox.EnsureIndexes(ctx, s.projects,
		mongo.IndexModel{Keys: bson.D{{Key: "owner_organisation", Value: 1}, {Key: "_id", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "work_group", Value: 1}, {Key: "stage", Value: 1}, {Key: "_id", Value: 1}}}); err != nil {
		return err
	}
	return mongox.EnsureIndexes(ctx, s.requests,
		mongo.IndexModel{Keys: bson.D{{Key: "project_code", Value: 1}, {Key: "received_at", Value: -1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "received_at", Value: -1}}})
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
	PlannedStart      string         `bson:"planned_start,omitempty"`
	RegisteredAt      time.Time      `bson:"registered_at"`
	Outbox            []outbox.Entry `bson:"outbox"`
}

type requestDoc struct {
	ID          string    `bson:"_id"`
	ProjectCode string    `bson:"project_code"`
	Kind        string    `bson:"kind"`
	Title       string    `bson:"title"`
	Description string    `bson:"description,omitempty"`
	Contact     string    `bson:"contact"`
	Phone       string    `bson:"phone,omitempty"`
	Status      string    `bson:"status"`
	ReceivedAt  time.Time `bson:"received_at"`
	Fingerprint string    `bson:"fingerprint"`
	Steps       []stepDoc `bson:"steps,omitempty"`
	// Satisfaction is the owner's rating at the follow-up visit.
	Satisfaction int            `bson:"satisfaction,omitempty"`
	Outbox       []outbox.Entry `bson:"outbox"`
}

type stepDoc struct {
	At     time.Time `bson:"at"`
	Status string    `bson:"status"`
	Actor  string    `bson:"actor,omitempty"`
	Note   string    `bson:"note,omitempty"`
}

func toDBProject(p intake.Project, out []outbox.Entry) projectDoc {
	return projectDoc{
		Code: p.Code, Name: p.Name, Category: p.Category, Level: p.Level,
		OwnerOrganisation: p.OwnerOrganisation, OwnerContact: p.OwnerContact, OwnerPhone: p.OwnerPhone,
		Location: p.Location, InvestmentWan: p.InvestmentWan, Stage: p.Stage, Officer: p.Officer,
		WorkGroup: p.WorkGroup, GreenChannel: p.GreenChannel, PlannedStart: p.PlannedStart, RegisteredAt: p.RegisteredAt, Outbox: out,
	}
}

func toDomainProject(d projectDoc) intake.Project {
	return intake.Project{
		Code: d.Code, Name: d.Name, Category: d.Category, Level: d.Level,
		OwnerOrganisation: d.OwnerOrganisation, OwnerContact: d.OwnerContact, OwnerPhone: d.OwnerPhone,
		Location: d.Location, InvestmentWan: d.InvestmentWan, Stage: d.Stage, Officer: d.Officer,
		WorkGroup: d.WorkGroup, GreenChannel: d.GreenChannel, PlannedStart: d.PlannedStart, RegisteredAt: d.RegisteredAt.UTC(),
	}
}

func toDBRequest(r intake.Request, out []outbox.Entry) requestDoc {
	return requestDoc{
		ID: r.ID, ProjectCode: r.ProjectCode, Kind: r.Kind, Title: r.Title, Description: r.Description,
		Contact: r.Contact, Phone: r.Phone, Status: r.Status, ReceivedAt: r.ReceivedAt,
		Fingerprint: r.Fingerprint, Outbox: out,
	}
}

func toDomainRequest(d requestDoc) intake.Request {
	return intake.Request{
		ID: d.ID, ProjectCode: d.ProjectCode, Kind: d.Kind, Title: d.Title, Description: d.Description,
		Contact: d.Contact, Phone: d.Phone, Status: d.Status, ReceivedAt: d.ReceivedAt.UTC(),
		Fingerprint: d.Fingerprint, Steps: toDomainSteps(d.Steps), Satisfaction: d.Satisfaction,
	}
}

func toDomainSteps(ds []stepDoc) []intake.RequestStep {
	out := make([]intake.RequestStep, len(ds))
	for i, d := range ds {
		out[i] = intake.RequestStep{At: d.At.UTC(), Status: d.Status, Name: intake.StatusNames[d.Status], Actor: d.Actor, Note: d.Note}
	}
	return out
}

// CreateProject inserts the project with its events; on a duplicate code
// it returns the stored project with intake.ErrDuplicate.
func (s *Store) CreateProject(ctx context.Context, p intake.Project, msgs []event.Message) (intake.Project, error) {
	out := outbox.Entries(msgs)
	if _, err := s.projects.InsertOne(ctx, toDBProject(p, out)); err != nil {
		if !mongox.IsDuplicateKey(err) {
			return intake.Project{}, fmt.Errorf("insert project: %w", err)
		}
		var d projectDoc
		if err := s.projects.FindOne(ctx, bson.D{{Key: "_id", Value: p.Code}},
			options.FindOne().SetProjection(bson.D{{Key: "outbox", Value: 0}})).Decode(&d); err != nil {
			return intake.Project{}, fmt.Errorf("find project %s: %w", p.Code, err)
		}
		return toDomainProject(d), fmt.Errorf("project %s: %w", p.Code, intake.ErrDuplicate)
	}
	s.relay.FlushOrDefer(ctx, s.projects, p.Code, out)
	return p, nil
}

// Project reads one project by code.
func (s *Store) Project(ctx context.Context, code string) (intake.Project, error) {
	var d projectDoc
	err := s.projects.FindOne(ctx, bson.D{{Key: "_id", Value: code}},
		options.FindOne().SetProjection(bson.D{{Key: "outbox", Value: 0}})).Decode(&d)
	switch {
	case mongox.IsNotFound(err):
		return intake.Project{}, fmt.Errorf("project %s: %w", code, intake.ErrNotFound)
	case err != nil:
		return intake.Project{}, fmt.Errorf("find project %s: %w", code, err)
	}
	return toDomainProject(d), nil
}

// Projects reads a page of the projects matching q, by code, and counts
// all that match. A list, not a hot path: FerretDB scans.
func (s *Store) Projects(ctx context.Context, q intake.ProjectQuery) ([]intake.Project, int, error) {
	filter := bson.D{}
	for _, f := range []struct{ key, value string }{
		{"owner_organisation", q.Owner}, {"officer", q.Officer}, {"stage", q.Stage}, {"work_group", q.WorkGroup},
	} {
		if f.value != "" {
			filter = append(filter, bson.E{Key: f.key, Value: f.value})
		}
	}
	total, err := s.projects.CountDocuments(ctx, filter)
	if err != nil {
		return nil, 0, fmt.Errorf("count projects: %w", err)
	}
	ps, err := mongox.FindAll(ctx, s.projects, filter, toDomainProject, options.Find().
		SetProjection(bson.D{{Key: "outbox", Value: 0}}).SetSort(bson.D{{Key: "_id", Value: 1}}).
		SetSkip(int64(q.Offset)).SetLimit(int64(q.Limit)))
	return ps, int(total), err
}

// AdvanceRequest moves request id on to step's status when that is later
// than the stored one. The request has one writer of its steps (the
// task-changed consumer, one message at a time); a step that arrives again
// or late is dropped by the status check. The update is by _id, the one
// filter FerretDB resolves without a scan.
func (s *Store) AdvanceRequest(ctx context.Context, id string, step intake.RequestStep, satisfaction int) error {
	var d struct {
		Status string `bson:"status"`
	}
	err := s.requests.FindOne(ctx, bson.D{{Key: "_id", Value: id}},
		options.FindOne().SetProjection(bson.D{{Key: "status", Value: 1}})).Decode(&d)
	switch {
	case mongox.IsNotFound(err):
		return fmt.Errorf("request %s: %w", id, intake.ErrNotFound)
	case err != nil:
		return fmt.Errorf("find request %s: %w", id, err)
	case !intake.Later(step.Status, d.Status):
		return nil
	}
	set := bson.D{{Key: "status", Value: step.Status}}
	if satisfaction > 0 {
		set = append(set, bson.E{Key: "satisfaction", Value: satisfaction})
	}
	_, err = s.requests.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{
		{Key: "$set", Value: set},
		{Key: "$push", Value: bson.D{{Key: "steps", Value: stepDoc{At: step.At, Status: step.Status, Actor: step.Actor, Note: step.Note}}}},
	})
	if err != nil {
		return fmt.Errorf("advance request %s: %w", id, err)
	}
	return nil
}

// AdvanceStage moves project code on to stage when that is later than the
// stored one; the stage consumer is its only writer, and the write is by
// _id.
func (s *Store) AdvanceStage(ctx context.Context, code, stage string) error {
	p, err := s.Project(ctx, code)
	if err != nil {
		return err
	}
	if slices.Index(intake.Stages, stage) <= slices.Index(intake.Stages, p.Stage) {
		return nil
	}
	if _, err := s.projects.UpdateOne(ctx, bson.D{{Key: "_id", Value: code}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "stage", Value: stage}}}}); err != nil {
		return fmt.Errorf("advance stage of %s: %w", code, err)
	}
	return nil
}

type importDoc struct {
	Key         string              `bson:"_id"`
	Fingerprint string              `bson:"fingerprint"`
	Result      intake.ImportResult `bson:"result"`
	SavedAt     time.Time           `bson:"saved_at"`
}

// Import reads the result stored under an import's idempotency key.
func (s *Store) Import(ctx context.Context, key string) (intake.StoredImport, error) {
	var d importDoc
	err := s.imports.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d)
	switch {
	case mongox.IsNotFound(err):
		return intake.StoredImport{}, fmt.Errorf("import %s: %w", key, intake.ErrNotFound)
	case err != nil:
		return intake.StoredImport{}, fmt.Errorf("find import %s: %w", key, err)
	}
	return intake.StoredImport{ImportKey: intake.ImportKey{Key: d.Key, Fingerprint: d.Fingerprint}, Result: d.Result}, nil
}

// SaveImport keeps an import's result under its key; the insert by _id has
// one winner.
func (s *Store) SaveImport(ctx context.Context, imp intake.StoredImport) error {
	_, err := s.imports.InsertOne(ctx, importDoc{Key: imp.Key, Fingerprint: imp.Fingerprint, Result: imp.Result,
		SavedAt: time.Now().UTC()})
	if mongox.IsDuplicateKey(err) {
		return fmt.Errorf("import %s: %w", imp.Key, intake.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("save import %s: %w", imp.Key, err)
	}
	return nil
}

// CreateRequest inserts r with its events; on a duplicate id it returns the
// stored request with intake.ErrDuplicate.
func (s *Store) CreateRequest(ctx context.Context, r intake.Request, msgs []event.Message) (intake.Request, error) {
	out := outbox.Entries(msgs)
	if _, err := s.requests.InsertOne(ctx, toDBRequest(r, out)); err != nil {
		if !mongox.IsDuplicateKey(err) {
			return intake.Request{}, fmt.Errorf("insert request: %w", err)
		}
		stored, gerr := s.Request(ctx, r.ID)
		if gerr != nil {
			return intake.Request{}, gerr
		}
		return stored, fmt.Errorf("request %s: %w", r.ID, intake.ErrDuplicate)
	}
	s.relay.FlushOrDefer(ctx, s.requests, r.ID, out)
	return r, nil
}

// Request reads one request by id.
func (s *Store) Request(ctx context.Context, id string) (intake.Request, error) {
	var d requestDoc
	err := s.requests.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if mongox.IsNotFound(err) {
		return intake.Request{}, fmt.Errorf("request %s: %w", id, intake.ErrNotFound)
	}
	if err != nil {
		return intake.Request{}, fmt.Errorf("find request: %w", err)
	}
	rs, err := s.withRatings(ctx, []intake.Request{toDomainRequest(d)})
	if err != nil {
		return intake.Request{}, err
	}
	return rs[0], nil
}

// Requests reads the requests q selects, newest first, without what the
// public view never shows (contact, phone, description).
func (s *Store) Requests(ctx context.Context, q open311.Query) ([]intake.Request, error) {
	filter := bson.D{}
	if len(q.IDs) > 0 {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$in", Value: q.IDs}}})
	} else {
		filter = append(filter, bson.E{Key: "received_at", Value: bson.D{{Key: "$gte", Value: q.From}, {Key: "$lte", Value: q.To}}})
		if len(q.Kinds) > 0 {
			filter = append(filter, bson.E{Key: "kind", Value: bson.D{{Key: "$in", Value: q.Kinds}}})
		}
		if len(q.Statuses) > 0 {
			filter = append(filter, bson.E{Key: "status", Value: bson.D{{Key: "$in", Value: q.Statuses}}})
		}
	}
	hidden := bson.D{{Key: "outbox", Value: 0}, {Key: "contact", Value: 0}, {Key: "phone", Value: 0}, {Key: "description", Value: 0}}
	return mongox.FindAll(ctx, s.requests, filter, toDomainRequest, options.Find().SetProjection(hidden).
		SetSort(bson.D{{Key: "received_at", Value: -1}, {Key: "_id", Value: 1}}).SetLimit(int64(q.Limit)))
}
