// Package trail keeps a service's audit trail (package audit) in MongoDB:
// the server records each request through Begin and End, App.Consume each
// consumed event through Consumer, and GET /v1/audit reads it back.
package trail

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.opentelemetry.io/otel/trace"

	"github.com/tuijin/tuijin/pkg/audit"
	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/mongox"
)

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
func (t *Trail) Record(ctx context.Context, e audit.Entry) {
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
func (t *Trail) Find(ctx context.Context, q Query) ([]audit.Entry, error) {
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
	return mongox.FindAll(ctx, t.coll, f, func(e audit.Entry) audit.Entry { return e }, opts)
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
	ctx := audit.WithNotes(r.Context())
	return r.WithContext(ctx)
}

// End records the request r was answered with status (httpx.Server calls
// it after serving). r is the request as the route saw it, pattern the
// route that matched it ("" for none).
func (t *Trail) End(r *http.Request, pattern string, status int) {
	if !Audited(r) {
		return
	}
	e := audit.Entry{Action: pattern, Target: r.URL.Path, Remote: remoteHost(r), Status: status, Outcome: outcomeOf(status)}
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
	if project, detail := audit.Notes(r.Context()); project != "" || detail != "" {
		e.Detail = detail
		if project != "" {
			e.Project = project
		}
	}
	t.Record(r.Context(), e)
}

func outcomeOf(status int) string {
	switch {
	case status < 400:
		return audit.OK
	case status < 500:
		return audit.Refused
	}
	return audit.Failed
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
