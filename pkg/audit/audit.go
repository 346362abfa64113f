// Package audit is the append-only trail of who changed what: every
// state-changing request (its principal from the token, route, target,
// client address and outcome) and every consumed event (the service that
// produced it and the person who caused it). Each service keeps its own
// trail in its database and answers GET /v1/audit for supervisors and
// operations (package trail). This package is what use cases need, free of
// any driver: the entry and Note.
package audit

import (
	"context"
	"sync"
	"time"
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

// WithNotes returns ctx ready to collect what Note says (the trail calls
// it before each request and event).
func WithNotes(ctx context.Context) context.Context {
	return context.WithValue(ctx, noteKey{}, &note{})
}

// Notes returns what Note said under ctx.
func Notes(ctx context.Context) (project, detail string) {
	n, ok := ctx.Value(noteKey{}).(*note)
	if !ok {
		return "", ""
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.project, n.detail
}
