package notification

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/clock"
)

// Errors the store reports.
var (
	ErrDuplicate = errors.New("already exists")
	ErrNotFound  = errors.New("not found")
)

// Store keeps inbox entries.
type Store interface {
	// Insert saves e, or returns ErrDuplicate when e.ID is stored already.
	Insert(ctx context.Context, e Entry) error
	// Inbox returns a page of q.Recipient's entries, newest first, and how
	// many of all its entries are unread.
	Inbox(ctx context.Context, q InboxQuery) (items []Entry, unread int, err error)
	// MarkRead marks entry id read, keeping the first read time; it returns
	// the entry, or ErrNotFound.
	MarkRead(ctx context.Context, id string, at time.Time) (Entry, error)
}

// Service is notification's use cases.
type Service interface {
	// NotifyAssigned puts the assignment into the department's inbox once,
	// however often the event is delivered.
	NotifyAssigned(ctx context.Context, a Assignment) error
	Inbox(ctx context.Context, q InboxQuery) (Inbox, error)
	MarkRead(ctx context.Context, id string) (Entry, error)
}

// Departments returns a department's name by code.
type Departments func(code string) (name string, ok bool)

// Option configures the service.
type Option func(*service)

// OnDelivered is called once per message actually delivered, by channel.
func OnDelivered(f func(channel string)) Option { return func(s *service) { s.delivered = f } }

type service struct {
	store       Store
	departments Departments
	clock       clock.Clock
	delivered   func(channel string)
}

// NewService returns the notification use cases over store.
func NewService(store Store, depts Departments, c clock.Clock, opts ...Option) Service {
	s := &service{store: store, departments: depts, clock: c, delivered: func(string) {}}
	for _, o := range opts {
		o(s)
	}
	return s
}

func (s *service) NotifyAssigned(ctx context.Context, a Assignment) error {
	if err := a.Validate(); err != nil {
		return err
	}
	// An organisation file lagging behind the ledger's should not lose the
	// message: the code stands in for the name.
	name, ok := s.departments(a.Department)
	if !ok {
		name = a.Department
	}
	e := AssignedEntry(a, name, s.clock.Now())
	err := s.store.Insert(ctx, e)
	switch {
	case errors.Is(err, ErrDuplicate):
		return nil // a redelivery: the message is there already
	case err != nil:
		return fmt.Errorf("deliver %s to %s: %w", e.ID, e.Recipient, err)
	}
	s.delivered(e.Channel)
	return nil
}

func (s *service) Inbox(ctx context.Context, q InboxQuery) (Inbox, error) {
	items, unread, err := s.store.Inbox(ctx, q)
	if err != nil {
		return Inbox{}, fmt.Errorf("inbox of %s: %w", q.Recipient, err)
	}
	if items == nil {
		items = []Entry{}
	}
	return Inbox{Recipient: q.Recipient, Unread: unread, Items: items}, nil
}

func (s *service) MarkRead(ctx context.Context, id string) (Entry, error) {
	e, err := s.store.MarkRead(ctx, id, s.clock.Now().UTC().Truncate(time.Millisecond))
	if errors.Is(err, ErrNotFound) {
		return Entry{}, apperr.NotFound("entry_not_found", "no inbox entry "+id)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("mark %s read: %w", id, err)
	}
	return e, nil
}
