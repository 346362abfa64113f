package notification

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/clock"
)

// Errors the store reports.
var (
	ErrDuplicate = errors.New("already exists")
	ErrNotFound  = errors.New("not found")
)

// Store keeps inbox entries, deliveries, their retry queue, preferences and
// the projection of projects. Every hot path addresses a document by _id;
// the only filtered scan on a hot path is the retry queue's, which holds
// just the deliveries still owed.
type Store interface {
	// InsertEntry saves e, or returns ErrDuplicate when e.ID is stored already.
	InsertEntry(ctx context.Context, e Entry) error
	// Inbox returns a page of q.Recipient's entries, newest first, and how
	// many of all its entries are unread.
	Inbox(ctx context.Context, q InboxQuery) (items []Entry, unread int, err error)
	// Unread counts the recipient's unread entries.
	Unread(ctx context.Context, recipient string) (int, error)
	// MarkRead marks entry id read, keeping the first read time; it returns
	// the entry, or ErrNotFound.
	MarkRead(ctx context.Context, id string, at time.Time) (Entry, error)

	// InsertDelivery saves d, or returns ErrDuplicate when d.ID exists:
	// inserting is claiming. Unless final or held for a digest, d is queued
	// at d.NotBefore, for a delivery inserted as sending the end of the
	// lease its insert claimed.
	InsertDelivery(ctx context.Context, d Delivery) error
	Delivery(ctx context.Context, id string) (Delivery, error)
	// Claim takes queued delivery id for one attempt if it is due at now:
	// its queue entry is due again only at leaseUntil, which is also the
	// claim's token. ErrNotFound when it is not claimable.
	Claim(ctx context.Context, id string, now, leaseUntil time.Time) error
	// Holds reports whether the claim with token leaseUntil still holds.
	Holds(ctx context.Context, id string, leaseUntil time.Time) (bool, error)
	// Record writes the delivery's state.
	Record(ctx context.Context, d Delivery) error
	// Release ends a claim just checked with Holds: dequeued when final,
	// else due again at next.
	Release(ctx context.Context, id string, final bool, next time.Time) error
	// EnsureQueued queues owed delivery id at due unless it is queued.
	EnsureQueued(ctx context.Context, id string, due time.Time) error
	// Due returns up to limit queued ids due at now, earliest first.
	Due(ctx context.Context, now time.Time, limit int) ([]string, error)
	Deliveries(ctx context.Context, q DeliveryQuery) ([]Delivery, error)

	// Preferences returns what PUT /v1/preferences stored, or ErrNotFound.
	Preferences(ctx context.Context, recipient string) (Preferences, error)
	PutPreferences(ctx context.Context, p Preferences) error

	PutProject(ctx context.Context, p Project) error
	// Project returns the projection of project code, or ErrNotFound.
	Project(ctx context.Context, code string) (Project, error)

	// TrackAssigned, TrackFinished and TrackOverdue keep the per-item
	// statistics of the weekly bulletin, each an upsert by item id.
	TrackAssigned(ctx context.Context, itemID, dept string, at time.Time) error
	TrackFinished(ctx context.Context, itemID, dept string, at time.Time) error
	TrackOverdue(ctx context.Context, itemID, dept string) error
	// ItemStats reads every item's statistics (a scan, once a week).
	ItemStats(ctx context.Context) ([]ItemStat, error)
}

// Service is notification's use cases.
type Service interface {
	// Notify renders n for each recipient and delivers it on every channel
	// the recipient wants, once per (event, recipient, channel) however
	// often the event arrives. It returns once every delivery is recorded;
	// sends that fail are retried from the queue.
	Notify(ctx context.Context, n Notice) error
	NotifyAssigned(ctx context.Context, a Assignment) error
	NotifyChanged(ctx context.Context, c ItemChange) error
	NotifyRequest(ctx context.Context, r RequestAck) error
	NotifyDeadline(ctx context.Context, d DeadlineAlert) error
	NotifyMeeting(ctx context.Context, m MeetingInvite) error
	NotifyAction(ctx context.Context, a ActionAssigned) error
	// RememberProject keeps what later notices need of a project.
	RememberProject(ctx context.Context, p Project) error
	// RetryDue attempts the queued deliveries that are due and reports how
	// many it attempted.
	RetryDue(ctx context.Context) (int, error)
	// Periodic sends the daily digests and the weekly bulletin when due.
	Periodic(ctx context.Context) error
	SendDigests(ctx context.Context) (int, error)
	SendBulletin(ctx context.Context, weekStart time.Time) error

	Inbox(ctx context.Context, q InboxQuery) (Inbox, error)
	Unread(ctx context.Context, recipient string) (UnreadCount, error)
	MarkRead(ctx context.Context, id string) (Entry, error)
	Deliveries(ctx context.Context, q DeliveryQuery) ([]Delivery, error)
	Preferences(ctx context.Context, recipient string) (Preferences, error)
	SetPreferences(ctx context.Context, p Preferences) (Preferences, error)
}

// UnreadCount is a recipient's number of unread inbox entries.
type UnreadCount struct {
	Recipient string `json:"recipient"`
	Unread    int    `json:"unread"`
}

// Metrics are the service's counters by channel.
type Metrics struct {
	Delivered func(channel string)
	Failed    func(channel string)
	Dead      func(channel string)
}

// Config tunes delivery.
type Config struct {
	Retry RetryPolicy
	// Lease is how long a claimed attempt may take before another worker
	// may take the delivery over; it must exceed SendTimeout.
	Lease       time.Duration
	SendTimeout time.Duration
	// DueBatch is how many queued deliveries one RetryDue attempts.
	DueBatch int
	// InlineBudget bounds the time an event's handler spends on first
	// attempts; deliveries recorded after it are queued, due at once, for
	// the worker, so a slow mail server does not stall the consumer.
	InlineBudget time.Duration
}

// DefaultConfig is the production tuning.
var DefaultConfig = Config{Retry: DefaultRetry, Lease: 2 * time.Minute, SendTimeout: 10 * time.Second, DueBatch: 100,
	InlineBudget: 5 * time.Second}

// Deps are what the service is built from.
type Deps struct {
	Store     Store
	Templates *Templates
	Names     Names
	Directory Directory
	// Senders by channel; the inbox needs none.
	Senders map[string]Sender
	Clock   clock.Clock
	Log     *slog.Logger
	Metrics Metrics
	Config  Config
	// Departments are the codes of every department, for the bulletin.
	Departments []string
	Schedule    Schedule
}

type service struct {
	Deps
	mu             sync.Mutex
	lastDigestDay  string
	lastBulletinWk time.Time
}

func (s *service) lastDigest() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastDigestDay
}

func (s *service) setLastDigest(day string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastDigestDay = day
}

func (s *service) lastBulletin() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastBulletinWk
}

func (s *service) setLastBulletin(week time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastBulletinWk = week
}

// NewService returns the notification use cases.
func NewService(d Deps) Service {
	noop := func(string) {}
	if d.Metrics.Delivered == nil {
		d.Metrics.Delivered = noop
	}
	if d.Metrics.Failed == nil {
		d.Metrics.Failed = noop
	}
	if d.Metrics.Dead == nil {
		d.Metrics.Dead = noop
	}
	if d.Config.Retry.MaxAttempts == 0 {
		d.Config.Retry = DefaultRetry
	}
	if d.Config.Lease == 0 {
		d.Config.Lease = DefaultConfig.Lease
	}
	if d.Config.SendTimeout == 0 {
		d.Config.SendTimeout = DefaultConfig.SendTimeout
	}
	if d.Config.DueBatch == 0 {
		d.Config.DueBatch = DefaultConfig.DueBatch
	}
	if d.Config.InlineBudget == 0 {
		d.Config.InlineBudget = DefaultConfig.InlineBudget
	}
	if d.Directory == nil {
		d.Directory = Directory{}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &service{Deps: d}
}

func (s *service) now() time.Time { return s.Clock.Now().UTC().Truncate(time.Millisecond) }

func (s *service) NotifyAssigned(ctx context.Context, a Assignment) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if err := s.Store.TrackAssigned(ctx, a.ItemID, a.Department, s.now()); err != nil {
		return err
	}
	return s.Notify(ctx, AssignedNotice(a, s.Names))
}

func (s *service) NotifyChanged(ctx context.Context, c ItemChange) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if Finished(c.ToStatus) {
		at := c.ChangedAt
		if at.IsZero() {
			at = s.now()
		}
		if err := s.Store.TrackFinished(ctx, c.ItemID, c.Department, at.UTC().Truncate(time.Millisecond)); err != nil {
			return err
		}
	}
	p, err := s.Store.Project(ctx, c.ProjectCode)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("project %s: %w", c.ProjectCode, err)
	}
	return s.Notify(ctx, ChangedNotice(c, p, s.Names))
}

func (s *service) NotifyRequest(ctx context.Context, r RequestAck) error {
	if err := r.Validate(); err != nil {
		return err
	}
	return s.Notify(ctx, RequestNotice(r))
}

func (s *service) NotifyDeadline(ctx context.Context, d DeadlineAlert) error {
	if err := d.Validate(); err != nil {
		return err
	}
	if d.Kind == "item" && d.Level >= LevelRed && d.RefID != "" {
		if err := s.Store.TrackOverdue(ctx, d.RefID, d.Department); err != nil {
			return err
		}
	}
	return s.Notify(ctx, DeadlineNotice(d, s.Names))
}

func (s *service) NotifyMeeting(ctx context.Context, m MeetingInvite) error {
	if err := m.Validate(); err != nil {
		return err
	}
	return s.Notify(ctx, MeetingNotice(m, s.Names))
}

func (s *service) NotifyAction(ctx context.Context, a ActionAssigned) error {
	if err := a.Validate(); err != nil {
		return err
	}
	return s.Notify(ctx, ActionNotice(a, s.Names))
}

func (s *service) RememberProject(ctx context.Context, p Project) error {
	if !projectCodeRE.MatchString(p.Code) {
		return apperr.Invalid("code", "invalid_code", "the project has no valid code")
	}
	if err := s.Store.PutProject(ctx, p); err != nil {
		return fmt.Errorf("remember project %s: %w", p.Code, err)
	}
	return nil
}

func (s *service) Notify(ctx context.Context, n Notice) error {
	if err := n.Validate(); err != nil {
		return err
	}
	// A budget of running time, not of domain time: the wall clock.
	budget := time.Now().Add(s.Config.InlineBudget)
	for _, a := range n.To {
		prefs, err := s.effective(ctx, a)
		if err != nil {
			return err
		}
		title, body, err := s.Templates.Render(n.Template, n.For(a))
		if err != nil {
			return err // a template bug: retried, then dead-lettered by the bus
		}
		for _, ch := range prefs.Channels {
			if ch == ChannelInbox {
				if err := s.deliverInbox(ctx, n, a.Recipient, title, body); err != nil {
					return err
				}
				continue
			}
			addr := prefs.Address(ch)
			if addr == "" {
				s.Log.Warn("recipient has no address for channel", "recipient", a.Recipient, "channel", ch)
				continue
			}
			inline := time.Now().Before(budget)
			if err := s.deliver(ctx, n, a.Recipient, ch, addr, title, body, prefs, inline); err != nil {
				return err
			}
		}
	}
	return nil
}

// deliverInbox writes the entry under the delivery's id: the insert is the
// send, and a second one is a no-op.
func (s *service) deliverInbox(ctx context.Context, n Notice, recipient, title, body string) error {
	now := s.now()
	id := DeliveryID(n.EventID, recipient, ChannelInbox)
	err := s.Store.InsertEntry(ctx, Entry{ID: id, Recipient: recipient, Channel: ChannelInbox, Title: title, Body: body,
		ProjectCode: n.ProjectCode, ItemID: n.ItemID, GreenChannel: n.GreenChannel, EventID: n.EventID, CreatedAt: now})
	switch {
	case errors.Is(err, ErrDuplicate):
	case err != nil:
		return fmt.Errorf("deliver %s to %s: %w", id, recipient, err)
	default:
		s.Metrics.Delivered(ChannelInbox)
	}
	err = s.Store.InsertDelivery(ctx, Delivery{ID: id, EventID: n.EventID, EventType: n.EventType, Recipient: recipient,
		Channel: ChannelInbox, Title: title, Body: body, Status: StatusSent, Attempts: 1, NotBefore: now,
		CreatedAt: now, SentAt: &now})
	if err != nil && !errors.Is(err, ErrDuplicate) {
		return fmt.Errorf("log delivery %s: %w", id, err)
	}
	return nil
}

// deliver records the delivery, claimed by this very insert when it may go
// out now, and sends it; without inline it is queued for the worker, due at
// once. Quiet hours and digests hold it instead.
func (s *service) deliver(ctx context.Context, n Notice, recipient, ch, addr, title, body string, prefs Preferences, inline bool) error {
	now := s.now()
	d := Delivery{ID: DeliveryID(n.EventID, recipient, ch), EventID: n.EventID, EventType: n.EventType,
		Recipient: recipient, Channel: ch, Address: addr, Title: title, Body: body,
		Status: StatusSending, Attempts: 1, NotBefore: now.Add(s.Config.Lease), CreatedAt: now}
	quietEnd := now
	if ch == ChannelSMS {
		quietEnd = prefs.QuietUntil(now)
	}
	switch {
	case prefs.Digest:
		d.Status, d.Attempts, d.NotBefore = StatusDigest, 0, now
	case quietEnd.After(now):
		d.Status, d.Attempts, d.NotBefore = StatusPending, 0, quietEnd
	case !inline:
		d.Status, d.Attempts, d.NotBefore = StatusPending, 0, now
	}
	err := s.Store.InsertDelivery(ctx, d)
	if errors.Is(err, ErrDuplicate) {
		// A redelivered event: the delivery exists. Whoever claimed it sends
		// it; make sure it is queued in case that claimant crashed.
		cur, err := s.Store.Delivery(ctx, d.ID)
		if err != nil {
			return fmt.Errorf("delivery %s: %w", d.ID, err)
		}
		if Final(cur.Status) || cur.Status == StatusDigest {
			return nil
		}
		if err := s.Store.EnsureQueued(ctx, d.ID, cur.NotBefore); err != nil {
			return fmt.Errorf("queue delivery %s: %w", d.ID, err)
		}
		return s.attempt(ctx, d.ID)
	}
	if err != nil {
		return fmt.Errorf("record delivery %s: %w", d.ID, err)
	}
	if d.Status != StatusSending {
		return nil
	}
	return s.send(ctx, d, d.NotBefore)
}

// attempt claims a queued delivery and sends it. A delivery that is not
// due or claimed by another worker is left alone; a queue entry left over
// by a crash after the outcome was recorded is dropped.
func (s *service) attempt(ctx context.Context, id string) error {
	now := s.now()
	lease := now.Add(s.Config.Lease)
	err := s.Store.Claim(ctx, id, now, lease)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	d, err := s.Store.Delivery(ctx, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return s.Store.Release(ctx, id, true, time.Time{})
	case err != nil:
		return fmt.Errorf("delivery %s: %w", id, err)
	case Final(d.Status) || d.Status == StatusDigest:
		return s.Store.Release(ctx, id, true, time.Time{})
	}
	d.Status, d.NotBefore = StatusSending, lease
	d.Attempts++
	if err := s.Store.Record(ctx, d); err != nil {
		return err
	}
	return s.send(ctx, d, lease)
}

// send makes one attempt of delivery d, claimed until lease, and records
// its outcome if the claim still holds.
func (s *service) send(ctx context.Context, d Delivery, lease time.Time) error {
	var err error
	if sender, ok := s.Senders[d.Channel]; ok {
		sctx, cancel := context.WithTimeout(ctx, s.Config.SendTimeout)
		err = sender.Send(sctx, Message{DeliveryID: d.ID, Recipient: d.Recipient, Address: d.Address, Title: d.Title, Body: d.Body})
		cancel()
	} else {
		err = Permanent(fmt.Errorf("channel %s is not configured", d.Channel))
	}
	now := s.now()
	switch {
	case err == nil:
		d.Status, d.SentAt, d.LastError = StatusSent, &now, ""
	case IsPermanent(err) || d.Attempts >= s.Config.Retry.MaxAttempts:
		d.Status, d.DeadAt, d.LastError = StatusDead, &now, truncate(err.Error(), 500)
	default:
		d.Status, d.NotBefore, d.LastError = StatusRetry, now.Add(s.Config.Retry.Delay(d.Attempts)), truncate(err.Error(), 500)
	}
	// Recorded state first, the claim released after: a crash in between
	// leaves a queue entry whose next claim finds the delivery final.
	held, serr := s.Store.Holds(ctx, d.ID, lease)
	if serr != nil {
		return fmt.Errorf("settle delivery %s: %w", d.ID, serr)
	}
	if !held {
		s.Log.Warn("delivery claim lost before its outcome was recorded", "id", d.ID, "attempt", d.Attempts)
		return nil
	}
	if err := s.Store.Record(ctx, d); err != nil {
		return fmt.Errorf("settle delivery %s: %w", d.ID, err)
	}
	if err := s.Store.Release(ctx, d.ID, Final(d.Status), d.NotBefore); err != nil {
		return fmt.Errorf("settle delivery %s: %w", d.ID, err)
	}
	switch d.Status {
	case StatusSent:
		s.Metrics.Delivered(d.Channel)
	case StatusDead:
		s.Metrics.Failed(d.Channel)
		s.Metrics.Dead(d.Channel)
		s.Log.Error("delivery dead-lettered", "id", d.ID, "channel", d.Channel, "recipient", d.Recipient,
			"attempts", d.Attempts, "err", d.LastError)
	default:
		s.Metrics.Failed(d.Channel)
		s.Log.Warn("delivery failed, will retry", "id", d.ID, "channel", d.Channel, "attempt", d.Attempts,
			"retry_at", d.NotBefore, "err", d.LastError)
	}
	return nil
}

func (s *service) RetryDue(ctx context.Context) (int, error) {
	ids, err := s.Store.Due(ctx, s.now(), s.Config.DueBatch)
	if err != nil {
		return 0, fmt.Errorf("due deliveries: %w", err)
	}
	for _, id := range ids {
		if err := s.attempt(ctx, id); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// RunWorker retries due deliveries and sends the periodic messages every
// interval until ctx is done; a busy queue is drained without waiting.
func RunWorker(ctx context.Context, svc Service, interval time.Duration, log *slog.Logger) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := svc.RetryDue(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("retrying deliveries failed", "err", err)
		}
		if err := svc.Periodic(ctx); err != nil && ctx.Err() == nil {
			log.Warn("periodic messages failed", "err", err)
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// effective merges what is known of a recipient: preferences stored through
// the API win over the recipients file; addresses missing there come from
// the file, then from the event. A recipient nobody configured gets the
// inbox, plus SMS when the event carries a phone (an owner's request).
func (s *service) effective(ctx context.Context, a Addressee) (Preferences, error) {
	file, inFile := s.Directory[a.Recipient]
	p, err := s.Store.Preferences(ctx, a.Recipient)
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

func (s *service) Inbox(ctx context.Context, q InboxQuery) (Inbox, error) {
	items, unread, err := s.Store.Inbox(ctx, q)
	if err != nil {
		return Inbox{}, fmt.Errorf("inbox of %s: %w", q.Recipient, err)
	}
	if items == nil {
		items = []Entry{}
	}
	return Inbox{Recipient: q.Recipient, Unread: unread, Items: items}, nil
}

func (s *service) Unread(ctx context.Context, recipient string) (UnreadCount, error) {
	n, err := s.Store.Unread(ctx, recipient)
	if err != nil {
		return UnreadCount{}, fmt.Errorf("unread of %s: %w", recipient, err)
	}
	return UnreadCount{Recipient: recipient, Unread: n}, nil
}

func (s *service) MarkRead(ctx context.Context, id string) (Entry, error) {
	e, err := s.Store.MarkRead(ctx, id, s.now())
	if errors.Is(err, ErrNotFound) {
		return Entry{}, apperr.NotFound("entry_not_found", "no inbox entry "+id)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("mark %s read: %w", id, err)
	}
	return e, nil
}

func (s *service) Deliveries(ctx context.Context, q DeliveryQuery) ([]Delivery, error) {
	ds, err := s.Store.Deliveries(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("deliveries: %w", err)
	}
	if ds == nil {
		ds = []Delivery{}
	}
	return ds, nil
}

func (s *service) Preferences(ctx context.Context, recipient string) (Preferences, error) {
	return s.effective(ctx, Addressee{Recipient: recipient})
}

func (s *service) SetPreferences(ctx context.Context, p Preferences) (Preferences, error) {
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
	if err := s.Store.PutPreferences(ctx, p); err != nil {
		return Preferences{}, fmt.Errorf("store preferences of %s: %w", p.Recipient, err)
	}
	return merged, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
