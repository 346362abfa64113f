package notification

import (
	"context"
	"errors"
	"fmt"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/auth"
)

// UnreadCount is a recipient's number of unread inbox entries.
type UnreadCount struct {
	Recipient string `json:"recipient"`
	Unread    int    `json:"unread"`
}

// effective merges what is known of a recipient: preferences stored through
// the API win over the recipients file; addresses missing there come from
// the file, then from the event. A recipient nobody configured gets the
// inbox, plus SMS when the event carries a phone (an owner's request).
func (s *Service) effective(ctx context.Context, a Addressee) (Preferences, error) {
	file, inFile := s.Directory[a.Recipient]
	p, err := s.Prefs.Preferences(ctx, a.Recipient)
	configured := err == nil
	switch {
	case errors.Is(err, ErrNotFound) && inFile:
		p, configured = file, true
	case errors.Is(err, ErrNotFound):
		p = DefaultPreferences(a.Recipient)
	case err != nil:
		return Preferences{}, fmt.Errorf("preferences of %s: %w", a.Recipient, err)
	}
	p.Email = orDefault(p.Email, orDefault(file.Email, a.Email))
	p.Webhook = orDefault(p.Webhook, file.Webhook)
	p.Phone = orDefault(p.Phone, orDefault(file.Phone, a.Phone))
	if !configured && a.Phone != "" {
		p.Channels = append(p.Channels, ChannelSMS)
	}
	return p, nil
}

func (s *Service) Inbox(ctx context.Context, q InboxQuery) (Inbox, error) {
	who, err := auth.Caller(ctx)
	if err != nil {
		return Inbox{}, err
	}
	q, err = q.Check()
	if err != nil {
		return Inbox{}, err
	}
	if err := s.checkOwn(ctx, who, q.Recipient); err != nil {
		return Inbox{}, err
	}
	items, unread, err := s.Entries.Inbox(ctx, q)
	if err != nil {
		return Inbox{}, fmt.Errorf("inbox of %s: %w", q.Recipient, err)
	}
	if items == nil {
		items = []Entry{}
	}
	return Inbox{Recipient: q.Recipient, Unread: unread, Items: items}, nil
}

func (s *Service) Unread(ctx context.Context, recipient string) (UnreadCount, error) {
	who, err := auth.Caller(ctx)
	if err != nil {
		return UnreadCount{}, err
	}
	recipient, err = ParseRecipient("recipient", recipient)
	if err != nil {
		return UnreadCount{}, err
	}
	if err := s.checkOwn(ctx, who, recipient); err != nil {
		return UnreadCount{}, err
	}
	n, err := s.Entries.Unread(ctx, recipient)
	if err != nil {
		return UnreadCount{}, fmt.Errorf("unread of %s: %w", recipient, err)
	}
	return UnreadCount{Recipient: recipient, Unread: n}, nil
}

func (s *Service) MarkRead(ctx context.Context, id string) (Entry, error) {
	who, err := auth.Caller(ctx)
	if err != nil {
		return Entry{}, err
	}
	e, err := s.Entries.Entry(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Entry{}, apperr.NotFound("entry_not_found", "no inbox entry "+id)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("inbox entry %s: %w", id, err)
	}
	if err := s.checkOwn(ctx, who, e.Recipient); err != nil {
		return Entry{}, err
	}
	e, err = s.Entries.MarkRead(ctx, id, s.now())
	if errors.Is(err, ErrNotFound) {
		return Entry{}, apperr.NotFound("entry_not_found", "no inbox entry "+id)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("mark %s read: %w", id, err)
	}
	return e, nil
}

func (s *Service) Deliveries(ctx context.Context, q DeliveryQuery) ([]Delivery, error) {
	if err := requireOperations(ctx); err != nil {
		return nil, err
	}
	q, err := q.Check()
	if err != nil {
		return nil, err
	}
	ds, err := s.Queue.Deliveries(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("deliveries: %w", err)
	}
	if ds == nil {
		ds = []Delivery{}
	}
	return ds, nil
}

func (s *Service) Delivery(ctx context.Context, id string) (Delivery, error) {
	if err := requireOperations(ctx); err != nil {
		return Delivery{}, err
	}
	d, err := s.Queue.Delivery(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Delivery{}, apperr.NotFound("delivery_not_found", "no delivery "+id)
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("delivery %s: %w", id, err)
	}
	return d, nil
}

// Redeliver requeues a dead letter with its attempts reset; the worker
// sends it on its next round. Only a dead delivery can be redelivered: any
// other is still owed or was sent.
func (s *Service) Redeliver(ctx context.Context, id string) (Delivery, error) {
	d, err := s.Delivery(ctx, id) // operations only, as the log
	if err != nil {
		return Delivery{}, err
	}
	if d.Status != StatusDead {
		return Delivery{}, apperr.Conflict("not_dead", "delivery "+id+" is "+d.Status+"; only a dead delivery can be redelivered")
	}
	d.Status, d.AttemptsBase, d.NotBefore, d.DeadAt = StatusRetry, d.Attempts, s.now(), nil
	err = s.Queue.Record(ctx, d)
	if errors.Is(err, ErrConflict) {
		return Delivery{}, apperr.Conflict("delivery_changed", "delivery "+id+" changed meanwhile; read it again")
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("redeliver %s: %w", id, err)
	}
	d.Version++
	if err := s.Queue.Requeue(ctx, id, d.NotBefore); err != nil {
		return Delivery{}, fmt.Errorf("redeliver %s: %w", id, err)
	}
	return d, nil
}

func (s *Service) Preferences(ctx context.Context, recipient string) (Preferences, error) {
	who, err := auth.Caller(ctx)
	if err != nil {
		return Preferences{}, err
	}
	recipient, err = ParseRecipient("recipient", recipient)
	if err != nil {
		return Preferences{}, err
	}
	if err := s.checkReadPreferences(ctx, who, recipient); err != nil {
		return Preferences{}, err
	}
	return s.effective(ctx, Addressee{Recipient: recipient})
}

func (s *Service) SetPreferences(ctx context.Context, p Preferences) (Preferences, error) {
	who, err := auth.Caller(ctx)
	if err != nil {
		return Preferences{}, err
	}
	recipient, err := ParseRecipient("recipient", p.Recipient)
	if err != nil {
		return Preferences{}, err
	}
	if err := s.checkSetPreferences(ctx, who, recipient); err != nil {
		return Preferences{}, err
	}
	p.Recipient = recipient
	// Validate with the addresses the file supplies, store only what was sent.
	merged := p
	if f, ok := s.Directory[p.Recipient]; ok {
		merged.Email = orDefault(p.Email, f.Email)
		merged.Webhook = orDefault(p.Webhook, f.Webhook)
		merged.Phone = orDefault(p.Phone, f.Phone)
	}
	if err := merged.Validate(); err != nil {
		return Preferences{}, err
	}
	if merged.Webhook != "" && s.CheckWebhook != nil {
		if err := s.CheckWebhook(merged.Webhook); err != nil {
			return Preferences{}, apperr.Invalid("webhook", "webhook_not_allowed",
				"webhook must be a public http or https address: "+err.Error())
		}
	}
	if err := s.Prefs.PutPreferences(ctx, p); err != nil {
		return Preferences{}, fmt.Errorf("store preferences of %s: %w", p.Recipient, err)
	}
	return merged, nil
}
