package notification

import (
	"slices"
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
)

// Channels a message can travel on.
const (
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
	ChannelSMS     = "sms"
)

// Channels lists every channel, the inbox first.
var Channels = []string{ChannelInbox, ChannelEmail, ChannelWebhook, ChannelSMS}

// Statuses of a delivery. Sent and dead are final.
const (
	StatusSending = "sending" // claimed by a sender until NotBefore
	StatusRetry   = "retry"   // failed, next attempt at NotBefore
	StatusPending = "pending" // waiting for NotBefore (SMS quiet hours)
	StatusDigest  = "digest"  // held for the recipient's daily digest
	StatusSent    = "sent"
	StatusDead    = "dead" // given up: the dead-letter list
)

// Statuses lists every status.
var Statuses = []string{StatusSending, StatusRetry, StatusPending, StatusDigest, StatusDigested, StatusSent, StatusDead}

// Final reports whether a delivery in status s will never be attempted again.
func Final(s string) bool { return s == StatusSent || s == StatusDead || s == StatusDigested }

// Delivery is one message for one recipient on one channel, caused by one
// event. Its id is derived from those three, so however often the event
// arrives there is only one delivery, and claiming it is inserting it.
type Delivery struct {
	ID        string `json:"id"`
	EventID   string `json:"event_id"`
	EventType string `json:"event_type"`
	Recipient string `json:"recipient"`
	Channel   string `json:"channel"`
	Address   string `json:"address,omitempty"`
	Title     string `json:"title"`
	Body      string `json:"body"`
	Status    string `json:"status"`
	Attempts  int    `json:"attempts"`
	// AttemptsBase is Attempts when a dead letter was last redelivered: the
	// attempts since then are counted against the limit.
	AttemptsBase int        `json:"attempts_base,omitempty"`
	NotBefore    time.Time  `json:"not_before"`
	LastError    string     `json:"last_error,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	SentAt       *time.Time `json:"sent_at,omitempty"`
	DeadAt       *time.Time `json:"dead_at,omitempty"`
	// Version counts the writes of the delivery: 1 when inserted. Every
	// write is based on the version read (DeliveryStore.Record).
	Version int64 `json:"-"`
}

// Attempted tells whether d, as written, settles an attempt at sending it:
// sent, failed and to be retried, or dead-lettered. A delivery claimed for
// an attempt, held for a digest or digested does not, nor does a dead
// letter redelivered (a retry with no attempt of its new round made yet).
func (d Delivery) Attempted() bool {
	switch d.Status {
	case StatusSent, StatusDead:
		return true
	case StatusRetry:
		return d.Attempts > d.AttemptsBase
	}
	return false
}

// DeliveryID is the id of the delivery of an event to a recipient on a
// channel; for the inbox it is also the inbox entry's id.
func DeliveryID(eventID, recipient, channel string) string {
	return EntryID(eventID, recipient, channel)
}

// RetryPolicy spaces out the attempts of a failed delivery and bounds them.
type RetryPolicy struct {
	MaxAttempts int
	Backoff     []time.Duration
}

// DefaultRetry tries seven times over about nine hours: a mail server down
// for an afternoon loses nothing.
var DefaultRetry = RetryPolicy{
	MaxAttempts: 7,
	Backoff:     []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour},
}

// Delay is the wait after attempt n (1-based) failed.
func (p RetryPolicy) Delay(n int) time.Duration {
	if len(p.Backoff) == 0 {
		return time.Minute
	}
	i := min(max(n-1, 0), len(p.Backoff)-1)
	return p.Backoff[i]
}

// ParseBackoff reads a comma-separated list of durations such as "30s,2m".
func ParseBackoff(s string) ([]time.Duration, error) {
	var out []time.Duration
	for _, part := range strings.Split(s, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(part))
		if err != nil || d <= 0 {
			return nil, apperr.Invalid("backoff", "invalid_backoff", "backoff must be positive durations separated by commas, e.g. 30s,2m,10m")
		}
		out = append(out, d)
	}
	return out, nil
}

// Limits of a delivery page.
const (
	DefaultDeliveryLimit = 100
	MaxDeliveryLimit     = 500
)

// DeliveryQuery selects deliveries from the log, newest first. Every filter
// is optional.
type DeliveryQuery struct {
	Recipient string
	EventID   string
	Status    string
	Channel   string
	Limit     int
}

// Check trims the query's filters and checks them and the page size.
func (q DeliveryQuery) Check() (DeliveryQuery, error) {
	q.EventID, q.Status, q.Channel = strings.TrimSpace(q.EventID), strings.TrimSpace(q.Status), strings.TrimSpace(q.Channel)
	if strings.TrimSpace(q.Recipient) != "" {
		r, err := ParseRecipient("recipient", q.Recipient)
		if err != nil {
			return DeliveryQuery{}, err
		}
		q.Recipient = r
	} else {
		q.Recipient = ""
	}
	if len(q.EventID) > 64 {
		return DeliveryQuery{}, apperr.Invalid("event", "invalid_event", "event must be an event id")
	}
	if q.Status != "" && !slices.Contains(Statuses, q.Status) {
		return DeliveryQuery{}, apperr.Invalid("status", "invalid_status", "status must be one of "+strings.Join(Statuses, ", "))
	}
	if q.Channel != "" && !slices.Contains(Channels, q.Channel) {
		return DeliveryQuery{}, apperr.Invalid("channel", "invalid_channel", "channel must be one of "+strings.Join(Channels, ", "))
	}
	if q.Limit < 1 || q.Limit > MaxDeliveryLimit {
		return DeliveryQuery{}, LimitError(MaxDeliveryLimit)
	}
	return q, nil
}
