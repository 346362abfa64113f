package bus

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Timers live in the JetStream message scheduler (nats-server ≥ 2.12), not
// in a database: a schedule is a message on its own subject in the timers
// stream, one per key (the server keeps it as a subject rollup, so
// publishing again replaces it), and at its time the server publishes its
// body onto the fired subject of the same stream, fired once by the
// stream's leader, and removes the schedule.
const (
	// TimersStream holds pending schedules and fired timers. It has no age,
	// count or size limits: they would silently evict pending timers. Fired
	// timers leave it when acked (work-queue retention).
	TimersStream = "TUIJIN_TIMERS"
	// TimerSchedulePrefix is followed by the encoded key of one schedule.
	TimerSchedulePrefix = "tuijin.timers.schedule."
	// TimerFiredSubject is where fired timers arrive.
	TimerFiredSubject = "tuijin.timers.fired"
)

// Header names of the message scheduler.
const (
	headerSchedule       = "Nats-Schedule"
	headerScheduleTarget = "Nats-Schedule-Target"
	// HeaderScheduler is set on a fired timer to the schedule subject that
	// fired it.
	HeaderScheduler = "Nats-Scheduler"
)

// bulkStallWait is how long a bulk load waits for the server when the
// client's window of unacknowledged async publishes is full, rather than
// failing after the client's default 200 ms (seen on a loaded machine).
const bulkStallWait = time.Minute

// Scheduler publishes, replaces and cancels timers.
type Scheduler struct {
	js jetstream.JetStream

	mu     sync.Mutex
	stream jetstream.Stream // bound once: a cancel is then one purge request
}

// NewScheduler returns a scheduler over the timers stream (EnsureStreams
// creates it).
func NewScheduler(js jetstream.JetStream) *Scheduler { return &Scheduler{js: js} }

// ScheduleSubject is the subject of key's schedule. Keys may hold any
// characters (dots and colons in deadline ids): they are encoded into one
// subject token.
func ScheduleSubject(key string) string {
	return TimerSchedulePrefix + base64.RawURLEncoding.EncodeToString([]byte(key))
}

// KeyOf is the key of a schedule subject, false if it is not one.
func KeyOf(subject string) (string, bool) {
	tok, ok := strings.CutPrefix(subject, TimerSchedulePrefix)
	if !ok {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	return string(b), err == nil
}

func scheduleMsg(key string, at time.Time, msgID string, data []byte) *nats.Msg {
	h := nats.Header{}
	// With fractions: the client's WithScheduleAt drops them, and a timer
	// would fire up to a second early.
	h.Set(headerSchedule, "@at "+at.UTC().Format(time.RFC3339Nano))
	h.Set(headerScheduleTarget, TimerFiredSubject)
	if msgID != "" {
		h.Set(jetstream.MsgIDHeader, msgID)
	}
	return &nats.Msg{Subject: ScheduleSubject(key), Header: h, Data: data}
}

// Schedule sets key's timer to publish data on TimerFiredSubject at at,
// replacing any pending timer of key. An at in the past fires at once.
// msgID must differ for every distinct schedule of a key (a re-publish
// with the same id within the duplicate window is dropped, and the old
// time would fire); empty means none.
func (s *Scheduler) Schedule(ctx context.Context, key string, at time.Time, msgID string, data []byte) error {
	if _, err := s.js.PublishMsg(ctx, scheduleMsg(key, at, msgID, data)); err != nil {
		return fmt.Errorf("schedule %s: %w", key, err)
	}
	return nil
}

// ScheduleAsync is Schedule without waiting for the server's ack, for
// loading many timers; wait on the returned futures (or on
// PublishAsyncComplete of the JetStream handle).
func (s *Scheduler) ScheduleAsync(key string, at time.Time, msgID string, data []byte) (jetstream.PubAckFuture, error) {
	f, err := s.js.PublishMsgAsync(scheduleMsg(key, at, msgID, data), jetstream.WithStallWait(bulkStallWait))
	if err != nil {
		return nil, fmt.Errorf("schedule %s: %w", key, err)
	}
	return f, nil
}

// Cancel removes key's pending timer, if any. It purges the subject: a
// plain publish on it cancels in memory only, and the old schedule came
// back after a SIGKILL and fired.
func (s *Scheduler) Cancel(ctx context.Context, key string) error {
	st, err := s.timers(ctx)
	if err != nil {
		return err
	}
	if err := st.Purge(ctx, jetstream.WithPurgeSubject(ScheduleSubject(key))); err != nil {
		return fmt.Errorf("cancel timer %s: %w", key, err)
	}
	return nil
}

// timers binds the timers stream the first time it is needed; a purge
// names the stream only, so the handle stays good while the stream lives.
func (s *Scheduler) timers(ctx context.Context) (jetstream.Stream, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stream == nil {
		st, err := s.js.Stream(ctx, TimersStream)
		if err != nil {
			return nil, fmt.Errorf("stream %s: %w", TimersStream, err)
		}
		s.stream = st
	}
	return s.stream, nil
}

// Pending returns the keys that have a pending timer.
func (s *Scheduler) Pending(ctx context.Context) (map[string]bool, error) {
	st, err := s.js.Stream(ctx, TimersStream)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", TimersStream, err)
	}
	info, err := st.Info(ctx, jetstream.WithSubjectFilter(TimerSchedulePrefix+"*"))
	if err != nil {
		return nil, fmt.Errorf("pending timers: %w", err)
	}
	keys := make(map[string]bool, len(info.State.Subjects))
	for subject := range info.State.Subjects {
		if k, ok := KeyOf(subject); ok {
			keys[k] = true
		}
	}
	return keys, nil
}
