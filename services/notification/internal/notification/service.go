package notification

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/tuijin/tuijin/pkg/clock"
)

// Errors the store reports.
var (
	ErrDuplicate = errors.New("already exists")
	ErrNotFound  = errors.New("not found")
	// ErrConflict: the delivery is no longer at the version it was read
	// at.
	ErrConflict = errors.New("changed meanwhile")
)

// The stores the service is built from, split by use; one MongoDB store
// implements them all. Every hot path addresses a document by _id; the only
// filtered scan on a hot path is the retry queue's, which holds just the
// deliveries still owed.

// EntryStore keeps the inbox.
type EntryStore interface {
	// InsertEntry saves e, or returns ErrDuplicate when e.ID is stored already.
	InsertEntry(ctx context.Context, e Entry) error
	// Inbox returns a page of q.Recipient's entries, newest first, and how
	// many of all its entries are unread.
	Inbox(ctx context.Context, q InboxQuery) (items []Entry, unread int, err error)
	// Entry reads entry id, or ErrNotFound.
	Entry(ctx context.Context, id string) (Entry, error)
	// Unread counts the recipient's unread entries.
	Unread(ctx context.Context, recipient string) (int, error)
	// MarkRead marks entry id read, keeping the first read time; it returns
	// the entry, or ErrNotFound.
	MarkRead(ctx context.Context, id string, at time.Time) (Entry, error)
}

// DeliveryStore keeps deliveries and the queue of those still owed.
type DeliveryStore interface {
	// InsertDelivery saves d (at version 1), or returns ErrDuplicate when
	// d.ID exists: inserting is claiming. Unless final or held for a
	// digest, d is queued at d.NotBefore, for a delivery inserted as
	// sending the end of the lease its insert claimed.
	InsertDelivery(ctx context.Context, d Delivery) error
	Delivery(ctx context.Context, id string) (Delivery, error)
	// Record writes the delivery's state if the stored delivery is still
	// at d.Version, which it then moves to d.Version+1; otherwise it
	// returns ErrConflict. Of writers that read one version one wins: the
	// claim of an attempt, and the outcome of only the attempt claimed
	// last.
	Record(ctx context.Context, d Delivery) error
	// Requeue schedules delivery id at due; Dequeue unschedules it.
	Requeue(ctx context.Context, id string, due time.Time) error
	Dequeue(ctx context.Context, id string) error
	// EnsureQueued queues owed delivery id at due unless it is queued.
	EnsureQueued(ctx context.Context, id string, due time.Time) error
	// Due returns up to limit queued ids due at now, earliest first.
	Due(ctx context.Context, now time.Time, limit int) ([]string, error)
	Deliveries(ctx context.Context, q DeliveryQuery) ([]Delivery, error)
}

// PreferenceStore keeps what PUT /v1/preferences stored.
type PreferenceStore interface {
	// Preferences returns the stored preferences, or ErrNotFound.
	Preferences(ctx context.Context, recipient string) (Preferences, error)
	PutPreferences(ctx context.Context, p Preferences) error
}

// ProjectStore keeps the projection of projects that notices name.
type ProjectStore interface {
	PutProject(ctx context.Context, p Project) error
	// Project returns the projection of project code, or ErrNotFound.
	Project(ctx context.Context, code string) (Project, error)
}

// StatsStore keeps what is known of each item: its name for messages and
// the statistics of the weekly bulletin, each change an upsert by item id.
type StatsStore interface {
	// TrackAssigned records the item's name, project, department and
	// assignment time.
	TrackAssigned(ctx context.Context, st ItemStat) error
	// Item returns what is known of item id, or ErrNotFound.
	Item(ctx context.Context, id string) (ItemStat, error)
	TrackFinished(ctx context.Context, itemID, dept string, at time.Time) error
	TrackWithdrawn(ctx context.Context, itemID, dept string) error
	// TrackReopened forgets the outcome and the overdue mark of an earlier
	// round: the new round is judged on its own.
	TrackReopened(ctx context.Context, itemID, dept string) error
	TrackOverdue(ctx context.Context, itemID, dept string) error
	// ItemStats reads every item's statistics (a scan, once a week).
	ItemStats(ctx context.Context) ([]ItemStat, error)
}

// Notifier turns events into deliveries.
type Notifier interface {
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
	// NotifyActionChanged tells the department its action item was
	// confirmed or reopened.
	NotifyActionChanged(ctx context.Context, c ActionChange) error
	// RememberProject keeps what later notices need of a project.
	// NotifyTask tells the owner of a step on their service request.
	NotifyTask(ctx context.Context, t TaskStep) error
	RememberProject(ctx context.Context, p Project) error
}

// Worker is the work done on time rather than on an event.
type Worker interface {
	// RetryDue attempts the queued deliveries that are due and reports how
	// many it attempted.
	RetryDue(ctx context.Context) (int, error)
	// Periodic sends the daily digests and the weekly bulletin when due.
	Periodic(ctx context.Context) error
	SendDigests(ctx context.Context) (int, error)
	SendBulletin(ctx context.Context, weekStart time.Time) error
	SendSummaries(ctx context.Context) error
}

// Queries are the inbox, delivery log and preferences API.
type Queries interface {
	Inbox(ctx context.Context, q InboxQuery) (Inbox, error)
	Unread(ctx context.Context, recipient string) (UnreadCount, error)
	MarkRead(ctx context.Context, id string) (Entry, error)
	Deliveries(ctx context.Context, q DeliveryQuery) ([]Delivery, error)
	Delivery(ctx context.Context, id string) (Delivery, error)
	// Redeliver gives a dead delivery a fresh round of attempts, due now.
	Redeliver(ctx context.Context, id string) (Delivery, error)
	Preferences(ctx context.Context, recipient string) (Preferences, error)
	SetPreferences(ctx context.Context, p Preferences) (Preferences, error)
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
	Entries   EntryStore
	Queue     DeliveryStore
	Prefs     PreferenceStore
	Projects  ProjectStore
	Stats     StatsStore
	Templates *Templates
	Names     Names
	Directory Directory
	// Senders by channel; the inbox needs none.
	Senders map[string]Sender
	// CheckWebhook refuses a webhook URL the service must not call (nil:
	// any http(s) URL).
	CheckWebhook func(url string) error
	Clock        clock.Clock
	Log          *slog.Logger
	Config       Config
	// Departments are the codes of every department, for the bulletin.
	Departments []string
	Schedule    Schedule
	// Delays keep the weekly briefings' critical-path rankings for the
	// bulletin (nil: the bulletin ranks by on-time rate alone).
	Delays DelayStore
}

// Service is notification's use cases: a Notifier, a Worker and the
// Queries.
type Service struct {
	Deps
	mu             sync.Mutex
	lastDigestDay  string
	lastBulletinWk time.Time
	lastSummaryDay string
}

func (s *Service) lastSummary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastSummaryDay
}

func (s *Service) setLastSummary(day string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastSummaryDay = day
}

func (s *Service) lastDigest() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastDigestDay
}

func (s *Service) setLastDigest(day string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastDigestDay = day
}

func (s *Service) lastBulletin() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastBulletinWk
}

func (s *Service) setLastBulletin(week time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastBulletinWk = week
}

// NewService returns the notification use cases.
func NewService(d Deps) *Service {
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
	return &Service{Deps: d}
}

func (s *Service) now() time.Time { return s.Clock.Now().UTC().Truncate(time.Millisecond) }
