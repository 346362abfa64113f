package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Typed refusals of ReplayDepartment.
var (
	// ErrReplayBeforeRetention: the date is before the stream's first
	// message; what came before is gone (limits retention), nothing to replay.
	ErrReplayBeforeRetention = errors.New("replay: date is before the stream's first message")
	// ErrReplayInFuture: the date has not come yet.
	ErrReplayInFuture = errors.New("replay: date is in the future")
	// ErrReplayEmptyStream: the stream holds no message at all.
	ErrReplayEmptyStream = errors.New("replay: the events stream holds no message")
)

// ReplayDepartment makes dept's durable deliver again everything on its
// subject from since on. NATS cannot move an existing consumer's start, so
// the durable is deleted and created again with DeliverByStartTime, keeping
// its name, filter subjects and every other setting (or the release's, if
// it was missing). Whatever the department had not acked before since is
// skipped; its system should be stopped meanwhile (its pulls fail while
// the durable is away, then resume). now bounds since from above; the
// stream's first message from below.
func ReplayDepartment(ctx context.Context, js jetstream.JetStream, dept string, since, now time.Time) (jetstream.ConsumerConfig, error) {
	if since.After(now) {
		return jetstream.ConsumerConfig{}, fmt.Errorf("%w: %s is after now (%s)", ErrReplayInFuture,
			since.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	s, err := js.Stream(ctx, EventsStream)
	if err != nil {
		return jetstream.ConsumerConfig{}, fmt.Errorf("stream %s: %w", EventsStream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return jetstream.ConsumerConfig{}, fmt.Errorf("stream %s: %w", EventsStream, err)
	}
	if info.State.Msgs == 0 {
		return jetstream.ConsumerConfig{}, ErrReplayEmptyStream
	}
	if first := info.State.FirstTime; since.Before(first) {
		return jetstream.ConsumerConfig{}, fmt.Errorf("%w: %s is before %s (the stream keeps %s; older events are gone)",
			ErrReplayBeforeRetention, since.Format(time.RFC3339), first.Format(time.RFC3339Nano), info.Config.MaxAge)
	}

	cfg := DepartmentConsumer(dept)
	c, err := s.Consumer(ctx, cfg.Durable)
	switch {
	case err == nil:
		cfg = c.CachedInfo().Config
	case !errors.Is(err, jetstream.ErrConsumerNotFound):
		return jetstream.ConsumerConfig{}, fmt.Errorf("consumer %s: %w", cfg.Durable, err)
	}
	start := since
	cfg.DeliverPolicy, cfg.OptStartTime, cfg.OptStartSeq = jetstream.DeliverByStartTimePolicy, &start, 0
	if err == nil {
		if err := s.DeleteConsumer(ctx, cfg.Durable); err != nil {
			return jetstream.ConsumerConfig{}, fmt.Errorf("delete consumer %s: %w", cfg.Durable, err)
		}
	}
	c, err = s.CreateConsumer(ctx, cfg)
	if err != nil {
		return jetstream.ConsumerConfig{}, fmt.Errorf("create consumer %s from %s: %w", cfg.Durable, since.Format(time.RFC3339), err)
	}
	return c.CachedInfo().Config, nil
}

// keepStart carries an existing durable's start (a replay's) into the
// release's config: NATS refuses to change a consumer's deliver policy.
func keepStart(ctx context.Context, js jetstream.JetStream, cfg jetstream.ConsumerConfig) (jetstream.ConsumerConfig, error) {
	c, err := js.Consumer(ctx, EventsStream, cfg.Durable)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return cfg, nil
	}
	if err != nil {
		return cfg, err
	}
	have := c.CachedInfo().Config
	cfg.DeliverPolicy, cfg.OptStartTime, cfg.OptStartSeq = have.DeliverPolicy, have.OptStartTime, have.OptStartSeq
	return cfg, nil
}
