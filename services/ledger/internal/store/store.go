// Package store keeps the ledger in MongoDB: one document per project with
// its items and problems embedded, written through revisions (see Store) so
// that a department action, the assignments it unlocks and their events are
// committed by one atomic insert.
package store

import (
	"context"
	"fmt"
	"log/slog"
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
//
// FerretDB (the local and test database) evaluates an update's filter and
// writes the whole document back as two steps, so two version-filtered
// updates of one document can both "match" and the later silently undoes
// the earlier. What FerretDB does do atomically, like MongoDB, is refuse a
// second insert of the same _id. The store builds its compare-and-set on
// that: every write first inserts a revision "<code>@<version>" holding the
// new state and its events (the commit point; of two writers based on the
// same version exactly one inserts it), then applies the state to the
// project document. Only the holder of revision v+1 writes the document from
// v to v+1, so document writes are sequential. A crash between the two
// steps leaves a revision with its state, which readers follow at once and
// Recover applies later. Events are relayed from the revision documents, so
// the relay never writes a project document either.
type Store struct {
	projects  *mongo.Collection
	revisions *mongo.Collection
	pub       outbox.Publisher
	log       *slog.Logger
	now       func() time.Time
	// grace is how old an unapplied revision must be before a reader
	// applies it: younger ones are still being applied by their writer
	// (which takes milliseconds, or up to applyWait behind another).
	grace time.Duration
}

// DefaultGrace is the default age after which an unapplied revision is
// taken for abandoned by a crashed writer.
const DefaultGrace = 10 * time.Second

// New returns a store over db.
func New(db *mongo.Database, log *slog.Logger) *Store {
	return &Store{projects: db.Collection("projects"), revisions: db.Collection("revisions"), log: log,
		now: time.Now, grace: DefaultGrace}
}

// Collections are the collections whose documents carry an outbox: the
// revisions, and the projects for ledgers written before revisions existed.
func (s *Store) Collections() []*mongo.Collection {
	return []*mongo.Collection{s.revisions, s.projects}
}

// UsePublisher sets the publisher of a write's events right after the
// write; without one they wait for the outbox sweep (see Collections).
func (s *Store) UsePublisher(p outbox.Publisher) { s.pub = p }

// EnsureIndexes declares the indexes production MongoDB uses for queues.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	if err := mongox.EnsureIndexes(ctx, s.projects,
		mongo.IndexModel{Keys: bson.D{{Key: "items.department", Value: 1}, {Key: "items.status", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "work_group", Value: 1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "category", Value: 1}}}); err != nil {
		return err
	}
	return mongox.EnsureIndexes(ctx, s.revisions,
		mongo.IndexModel{Keys: bson.D{{Key: "at", Value: 1}}})
}

// revisionDoc is one committed write of a ledger.
type revisionDoc struct {
	ID      string    `bson:"_id"`
	Project string    `bson:"project"`
	Version int64     `bson:"version"`
	At      time.Time `bson:"at"`
	// State is the ledger after the write, kept until it is applied to the
	// project document.
	State  *projectDoc    `bson:"state,omitempty"`
	Outbox []outbox.Entry `bson:"outbox"`
}

func revisionID(code string, version int64) string { return fmt.Sprintf("%s@%d", code, version) }

func (s *Store) commit(ctx context.Context, p ledger.Project, msgs []event.Message) (revisionDoc, error) {
	out := make([]outbox.Entry, len(msgs))
	for i, m := range msgs {
		out[i] = outbox.FromMessage(m)
	}
	d := toDBProject(p, nil)
	rev := revisionDoc{ID: revisionID(p.Code, p.Version), Project: p.Code, Version: p.Version,
		At: s.now().UTC(), State: &d, Outbox: out}
	_, err := s.revisions.InsertOne(ctx, rev)
	return rev, err
}

// Create saves a new ledger (version 1) with its events and publishes them.
func (s *Store) Create(ctx context.Context, p ledger.Project, msgs []event.Message) error {
	rev, err := s.commit(ctx, p, msgs)
	if mongox.IsDuplicateKey(err) {
		// A redelivered registration. If the first delivery died between
		// its commit and the project document, finish its work now: an
		// insert never overwrites, so this is safe even if it still lives.
		if err := s.finishCreate(ctx, p.Code); err != nil {
			return err
		}
		return fmt.Errorf("ledger %s: %w", p.Code, ledger.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("commit ledger %s: %w", p.Code, err)
	}
	if err := s.insertProject(ctx, *rev.State); err != nil {
		return err
	}
	s.settle(ctx, rev, true)
	return nil
}

func (s *Store) finishCreate(ctx context.Context, code string) error {
	var rev revisionDoc
	err := s.revisions.FindOne(ctx, bson.D{{Key: "_id", Value: revisionID(code, 1)}}).Decode(&rev)
	if mongox.IsNotFound(err) || (err == nil && rev.State == nil) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find revision: %w", err)
	}
	if err := s.insertProject(ctx, *rev.State); err != nil {
		return err
	}
	s.settle(ctx, rev, true)
	return nil
}

func (s *Store) insertProject(ctx context.Context, d projectDoc) error {
	if _, err := s.projects.InsertOne(ctx, d); err != nil && !mongox.IsDuplicateKey(err) {
		return fmt.Errorf("insert ledger %s: %w", d.Code, err)
	}
	return nil
}

// Update saves p, based on version base, with its events. It reports
// ledger.ErrVersionConflict when someone else wrote version base+1 first.
func (s *Store) Update(ctx context.Context, p ledger.Project, base int64, msgs []event.Message) error {
	if p.Version != base+1 {
		return fmt.Errorf("ledger %s: version %d does not follow %d", p.Code, p.Version, base)
	}
	rev, err := s.commit(ctx, p, msgs)
	if mongox.IsDuplicateKey(err) {
		return fmt.Errorf("ledger %s at version %d: %w", p.Code, base, ledger.ErrVersionConflict)
	}
	if err != nil {
		return fmt.Errorf("commit ledger %s: %w", p.Code, err)
	}
	outcome, err := s.apply(ctx, *rev.State, true)
	if err != nil {
		return err
	}
	if outcome == missing && base > 0 {
		// Nothing to base a revision on: take it back.
		if _, err := s.revisions.DeleteOne(ctx, bson.D{{Key: "_id", Value: rev.ID}}); err != nil {
			return fmt.Errorf("drop revision %s: %w", rev.ID, err)
		}
		return fmt.Errorf("ledger %s: %w", p.Code, ledger.ErrNotFound)
	}
	// The write is committed whatever the outcome; a state not applied yet
	// stays in its revision for readers and Recover.
	s.settle(ctx, rev, outcome == applied || outcome == already)
	return nil
}

// Outcomes of apply.
const (
	applied = iota // this call wrote the state
	already        // the document holds this version or a later one
	behind         // the previous version is not applied yet
	missing        // there is no project document
)

// applyWait bounds how long a writer waits for the revision before its own
// to reach the project document (normally milliseconds: its writer is
// applying it). After that Recover applies both in order.
const applyWait = 2 * time.Second

// apply writes state (version base+1) to the project document when, and
// only when, the document is at version base. With every write of version
// v+1 made by the one holder of revision v+1 and only onto version v, the
// document's writes are strictly sequential: FerretDB's update (filter,
// then write back) cannot interleave two of them. It reads the version and
// then updates by _id alone, because FerretDB pushes a filter down to its
// primary key only when the filter is exactly {_id} and scans the
// collection for anything else. With wait it waits for an earlier revision
// still being applied.
func (s *Store) apply(ctx context.Context, d projectDoc, wait bool) (int, error) {
	base := d.Version - 1
	deadline := time.Now().Add(applyWait)
	for {
		var cur struct {
			Version int64 `bson:"version"`
		}
		err := s.projects.FindOne(ctx, bson.D{{Key: "_id", Value: d.Code}},
			options.FindOne().SetProjection(bson.D{{Key: "version", Value: 1}})).Decode(&cur)
		switch {
		case mongox.IsNotFound(err):
			return missing, nil
		case err != nil:
			return 0, fmt.Errorf("read ledger version %s: %w", d.Code, err)
		case cur.Version >= d.Version:
			return already, nil
		case cur.Version == base:
			if err := s.write(ctx, d); err != nil {
				return 0, err
			}
			return applied, nil
		}
		if !wait || time.Now().After(deadline) {
			return behind, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func (s *Store) write(ctx context.Context, d projectDoc) error {
	set := bson.D{
		{Key: "name", Value: d.Name}, {Key: "category", Value: d.Category}, {Key: "level", Value: d.Level},
		{Key: "owner_organisation", Value: d.OwnerOrganisation}, {Key: "owner_contact", Value: d.OwnerContact},
		{Key: "owner_phone", Value: d.OwnerPhone}, {Key: "location", Value: d.Location},
		{Key: "investment_wan", Value: d.InvestmentWan}, {Key: "stage", Value: d.Stage},
		{Key: "officer", Value: d.Officer}, {Key: "work_group", Value: d.WorkGroup},
		{Key: "green_channel", Value: d.GreenChannel},
		{Key: "items", Value: d.Items}, {Key: "problems", Value: d.Problems}, {Key: "tasks", Value: d.Tasks},
		{Key: "officer_history", Value: d.OfficerHistory}, {Key: "image_progress", Value: d.ImageProgress},
		{Key: "progress", Value: d.Progress}, {Key: "version", Value: d.Version},
	}
	if _, err := s.projects.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.Code}}, bson.D{{Key: "$set", Value: set}}); err != nil {
		return fmt.Errorf("update ledger %s: %w", d.Code, err)
	}
	return nil
}

// settle publishes a revision's events and then, in one write, empties its
// outbox and drops its applied state. A failure leaves the events to the
// outbox sweep and the state to Recover; a sweep running at the same time
// may publish an event again, which the stream's duplicate window drops.
func (s *Store) settle(ctx context.Context, rev revisionDoc, done bool) {
	published := len(rev.Outbox) > 0 && s.pub != nil
	for _, e := range rev.Outbox {
		if !published {
			break
		}
		m := event.Message{ID: e.ID, Type: e.Type, Subject: e.Subject, Data: e.Data,
			TraceParent: e.TraceParent, TraceState: e.TraceState}
		if err := s.pub.Publish(ctx, m); err != nil {
			s.log.Warn("publishing deferred to the outbox sweep", "revision", rev.ID, "err", err)
			published = false
		}
	}
	var update bson.D
	if done {
		update = append(update, bson.E{Key: "$unset", Value: bson.D{{Key: "state", Value: ""}}})
	}
	if published {
		update = append(update, bson.E{Key: "$set", Value: bson.D{{Key: outbox.Field, Value: []outbox.Entry{}}}})
	}
	if len(update) == 0 {
		return
	}
	if _, err := s.revisions.UpdateOne(ctx, bson.D{{Key: "_id", Value: rev.ID}}, update); err != nil {
		s.log.Warn("settled revision is cleared at the next recovery", "revision", rev.ID, "err", err)
	}
}

// Project reads one ledger by its code: the project document and any
// revision committed after it.
func (s *Store) Project(ctx context.Context, code string) (ledger.Project, error) {
	var d projectDoc
	err := s.projects.FindOne(ctx, bson.D{{Key: "_id", Value: code}},
		options.FindOne().SetProjection(bson.D{{Key: "outbox", Value: 0}})).Decode(&d)
	switch {
	case mongox.IsNotFound(err):
		d = projectDoc{Code: code, Version: 0}
	case err != nil:
		return ledger.Project{}, fmt.Errorf("find ledger: %w", err)
	}
	for {
		var rev revisionDoc
		err := s.revisions.FindOne(ctx, bson.D{{Key: "_id", Value: revisionID(code, d.Version+1)}}).Decode(&rev)
		if mongox.IsNotFound(err) || (err == nil && rev.State == nil) {
			break
		}
		if err != nil {
			return ledger.Project{}, fmt.Errorf("find revision: %w", err)
		}
		if s.now().Sub(rev.At) > s.grace {
			if _, err := s.catchUp(ctx, rev); err != nil {
				return ledger.Project{}, err
			}
		}
		d = *rev.State
	}
	if d.Version == 0 && d.Name == "" && d.Items == nil {
		return ledger.Project{}, fmt.Errorf("ledger %s: %w", code, ledger.ErrNotFound)
	}
	return toBusProject(d), nil
}

// catchUp applies a revision its writer did not (it crashed in between).
// It reports false when the revision before it is not applied either.
func (s *Store) catchUp(ctx context.Context, rev revisionDoc) (bool, error) {
	if rev.Version == 1 {
		if err := s.insertProject(ctx, *rev.State); err != nil {
			return false, err
		}
	} else {
		outcome, err := s.apply(ctx, *rev.State, false)
		if err != nil {
			return false, err
		}
		if outcome == behind || outcome == missing {
			return false, nil
		}
	}
	s.log.Info("applied an interrupted write", "revision", rev.ID)
	s.settle(ctx, rev, true)
	return true, nil
}

// Recover applies every revision older than olderThan that was never
// applied, in version order, and returns how many it applied. It runs at
// start with no age limit, before the pending gauge is served, and then
// periodically with the grace period (see Maintain).
func (s *Store) Recover(ctx context.Context, olderThan time.Duration) (int, error) {
	cur, err := s.revisions.Find(ctx, bson.D{
		{Key: "state", Value: bson.D{{Key: "$exists", Value: true}}},
		{Key: "at", Value: bson.D{{Key: "$lte", Value: s.now().Add(-olderThan)}}},
	}, options.Find().SetSort(bson.D{{Key: "project", Value: 1}, {Key: "version", Value: 1}}))
	if err != nil {
		return 0, fmt.Errorf("recover: %w", err)
	}
	var revs []revisionDoc
	if err := cur.All(ctx, &revs); err != nil {
		return 0, fmt.Errorf("recover: %w", err)
	}
	n := 0
	for _, rev := range revs {
		ok, err := s.catchUp(ctx, rev)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// Prune deletes settled revisions older than age. They are no longer
// needed as claims: every write is based on a version read moments before.
func (s *Store) Prune(ctx context.Context, age time.Duration) (int64, error) {
	res, err := s.revisions.DeleteMany(ctx, bson.D{
		{Key: "state", Value: bson.D{{Key: "$exists", Value: false}}},
		{Key: "outbox.0", Value: bson.D{{Key: "$exists", Value: false}}},
		{Key: "at", Value: bson.D{{Key: "$lt", Value: s.now().Add(-age)}}},
	})
	if err != nil {
		return 0, fmt.Errorf("prune revisions: %w", err)
	}
	return res.DeletedCount, nil
}

// Maintain runs Recover and Prune every interval until ctx is done.
func (s *Store) Maintain(ctx context.Context, interval, keep time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if n, err := s.Recover(ctx, s.grace); err != nil {
			s.log.Warn("recovery failed", "err", err)
		} else if n > 0 {
			s.log.Info("recovered interrupted writes", "count", n)
		}
		if _, err := s.Prune(ctx, keep); err != nil {
			s.log.Warn("pruning revisions failed", "err", err)
		}
	}
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
			q = append(q, ledger.QueueItem{Item: toBusItem(id), ProjectCode: d.Code, ProjectName: d.Name,
				ProjectVersion: d.Version, GreenChannel: d.GreenChannel, Officer: d.Officer})
		}
	}
	return q, nil
}

// Projects lists the ledgers matching f, by project code.
func (s *Store) Projects(ctx context.Context, f ledger.ProjectFilter) ([]ledger.Project, error) {
	filter := bson.D{}
	if f.WorkGroup != "" {
		filter = append(filter, bson.E{Key: "work_group", Value: f.WorkGroup})
	}
	if f.Category != "" {
		filter = append(filter, bson.E{Key: "category", Value: f.Category})
	}
	cur, err := s.projects.Find(ctx, filter, options.Find().
		SetProjection(bson.D{{Key: "outbox", Value: 0}}).SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("projects: %w", err)
	}
	var docs []projectDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("projects: %w", err)
	}
	ps := make([]ledger.Project, len(docs))
	for i, d := range docs {
		ps[i] = toBusProject(d)
	}
	return ps, nil
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
