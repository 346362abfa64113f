// Package audit is the append-only trail of who changed what: every
// state-changing request (its principal from the token, route, target,
// client address and outcome) and every consumed event (the service that
// produced it and the person who caused it). Each service keeps its own
// trail in its database and answers GET /v1/audit for supervisors and
// operations.
package audit

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.opentelemetry.io/otel/trace"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/mongox"
)

// Outcomes of an audited action.
const (
	OK      = "ok"      // it was done
	Refused = "refused" // the caller was refused: 4xx, or the event dead-lettered
	Failed  = "failed"  // a fault of ours: 5xx, or the handler will retry
)

// Entry is one line of the trail. It is written once and never changed.
type Entry struct {
	ID      string    `bson:"_id" json:"id"`
	At      time.Time `bson:"at" json:"at"`
	Service string    `bson:"service" json:"service"`
	// Actor is the token's subject for a request ("anonymous" without one);
	// for a consumed event, the person who caused it, else "service:<producer>".
	Actor string   `bson:"actor" json:"actor"`
	Name  string   `bson:"name,omitempty" json:"name,omitempty"`
	Roles []string `bson:"roles,omitempty" json:"roles,omitempty"`
	// Action is the route pattern ("POST /v1/items/{id}/actions") or
	// "consume <event type>"; Detail what the handler said it did.
	Action string `bson:"action" json:"action"`
	Detail string `bson:"detail,omitempty" json:"detail,omitempty"`
	// Target is the request path, or the event's entity ("item/<id>").
	Target  string `bson:"target" json:"target"`
	Project string `bson:"project,omitempty" json:"project,omitempty"`
	// Remote is the client address of a request; Event the consumed event's id.
	Remote  string `bson:"remote,omitempty" json:"remote,omitempty"`
	Event   string `bson:"event,omitempty" json:"event,omitempty"`
	Outcome string `bson:"outcome" json:"outcome"`
	Status  int    `bson:"status,omitempty" json:"status,omitempty"`
	TraceID string `bson:"trace_id,omitempty" json:"trace_id,omitempty"`
}

// Trail writes and reads a service's audit entries.
type Trail struct {
	coll    *mongo.Collection
	service string
	log     *slog.Logger
	now     func() time.Time
}

// Open returns the trail of service in db, creating its indexes.
func Open(ctx context.Context, db *mongo.Database, service string, log *slog.Logger) (*Trail, error) {
	coll := db.Collection("audit")
	err := mongox.EnsureIndexes(ctx, coll,
		mongo.IndexModel{Keys: bson.D{{Key: "project", Value: 1}, {Key: "at", Value: -1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "actor", Value: 1}, {Key: "at", Value: -1}}},
		mongo.IndexModel{Keys: bson.D{{Key: "at", Value: -1}}},
	)
	if err != nil {
		return nil, fmt.Errorf("audit indexes: %w", err)
	}
	return &Trail{coll: coll, service: service, log: log, now: time.Now}, nil
}

// Record appends e, stamping id, time and service. A trail that cannot be
// written is logged as an error: the action has happened by then.
func (t *Trail) Record(ctx context.Context, e Entry) {
	e.ID, e.At, e.Service = uuid.NewString(), t.now().UTC(), t.service
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
		e.TraceID = sc.TraceID().String()
	}
	if _, err := t.coll.InsertOne(context.WithoutCancel(ctx), e); err != nil {
		t.log.ErrorContext(ctx, "audit entry not written", "err", err, "actor", e.Actor, "action", e.Action, "target", e.Target)
	}
}

// Query selects entries; empty fields select all.
type Query struct {
	Project string
	Actor   string
	Since   time.Time
	Limit   int
}

// Find returns the entries q selects, newest first.
func (t *Trail) Find(ctx context.Context, q Query) ([]Entry, error) {
	f := bson.D{}
	if q.Project != "" {
		f = append(f, bson.E{Key: "project", Value: q.Project})
	}
	if q.Actor != "" {
		f = append(f, bson.E{Key: "actor", Value: q.Actor})
	}
	if !q.Since.IsZero() {
		f = append(f, bson.E{Key: "at", Value: bson.D{{Key: "$gte", Value: q.Since}}})
	}
	opts := options.Find().SetSort(bson.D{{Key: "at", Value: -1}}).SetLimit(int64(q.Limit))
	return mongox.FindAll(ctx, t.coll, f, func(e Entry) Entry { return e }, opts)
}

// note is what a handler adds to the entry of the request it serves.
type note struct {
	mu      sync.Mutex
	project string
	detail  string
}

type noteKey struct{}

// Note tells the trail which project the current request or event is about
// and what was done (e.g. "approve"), when the route does not say. It does
// nothing outside an audited request or event.
func Note(ctx context.Context, project, detail string) {
	n, ok := ctx.Value(noteKey{}).(*note)
	if !ok {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if project != "" {
		n.project = project
	}
	if detail != "" {
		n.detail = detail
	}
}

func withNote(ctx context.Context) (context.Context, *note) {
	n := &note{}
	return context.WithValue(ctx, noteKey{}, n), n
}

func (n *note) get() (string, string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.project, n.detail
}

// Audited reports whether a request changes state and is recorded.
func Audited(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return strings.HasPrefix(r.URL.Path, "/v1/")
}

// Begin returns r prepared for Note (httpx.Server calls it before routing).
func (t *Trail) Begin(r *http.Request) *http.Request {
	if !Audited(r) {
		return r
	}
	ctx, _ := withNote(r.Context())
	return r.WithContext(ctx)
}

// End records the request r was answered with status (httpx.Server calls
// it after serving). r is the request as the route saw it, pattern the
// route that matched it ("" for none).
func (t *Trail) End(r *http.Request, pattern string, status int) {
	if !Audited(r) {
		return
	}
	e := Entry{Action: pattern, Target: r.URL.Path, Remote: remoteHost(r), Status: status, Outcome: outcomeOf(status)}
	if e.Action == "" {
		e.Action = r.Method + " (no route)"
	}
	if p, ok := auth.FromContext(r.Context()); ok {
		e.Actor, e.Name = p.Subject, p.Name
		for _, role := range p.Roles {
			e.Roles = append(e.Roles, string(role))
		}
	} else {
		e.Actor = "anonymous"
	}
	e.Project = r.PathValue("code")
	if n, ok := r.Context().Value(noteKey{}).(*note); ok {
		if project, detail := n.get(); project != "" || detail != "" {
			e.Detail = detail
			if project != "" {
				e.Project = project
			}
		}
	}
	t.Record(r.Context(), e)
}

func outcomeOf(status int) string {
	switch {
	case status < 400:
		return OK
	case status < 500:
		return Refused
	}
	return Failed
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
