package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Stream names.
const (
	// EventsStream holds every domain event (tuijin.<area>.>). It keeps
	// events by age, not by interest, so a department's own system can attach
	// a durable consumer at any time.
	EventsStream = "TUIJIN_EVENTS"
	// DeadLetterStream holds messages a consumer gave up on, under
	// tuijin.dlq.<consumer>, with the reason in headers.
	DeadLetterStream = "TUIJIN_DLQ"
	// AdvisoryStream captures the server's MAX_DELIVERIES advisories so that
	// a poison message reaches the dead-letter stream even if no service was
	// listening at the moment it was given up.
	AdvisoryStream = "TUIJIN_ADVISORIES"

	// DeadLetterPrefix is the subject prefix of the dead-letter stream.
	DeadLetterPrefix      = "tuijin.dlq."
	maxDeliveriesAdvisory = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES."
)

// DuplicateWindow is how long the events stream remembers event ids. An
// outbox that republishes within it is deduplicated by the server; beyond
// it consumers' own idempotency takes over.
const DuplicateWindow = time.Hour

// StreamConfigs are the streams Tuijin needs, with replicas for the cluster
// size (1 locally, 3 in production).
func StreamConfigs(replicas int) []jetstream.StreamConfig {
	if replicas < 1 {
		replicas = 1
	}
	return []jetstream.StreamConfig{
		{
			Name:        EventsStream,
			Description: "Tuijin domain events",
			Subjects:    []string{"tuijin.intake.>", "tuijin.ledger.>", "tuijin.deadline.>", "tuijin.meeting.>"},
			Retention:   jetstream.LimitsPolicy,
			MaxAge:      90 * 24 * time.Hour,
			Storage:     jetstream.FileStorage,
			Replicas:    replicas,
			Duplicates:  DuplicateWindow,
		},
		{
			Name:        DeadLetterStream,
			Description: "Messages Tuijin consumers gave up on",
			Subjects:    []string{DeadLetterPrefix + ">"},
			Retention:   jetstream.LimitsPolicy,
			MaxAge:      30 * 24 * time.Hour,
			Storage:     jetstream.FileStorage,
			Replicas:    replicas,
			Duplicates:  DuplicateWindow,
		},
		{
			Name:        TimersStream,
			Description: "Tuijin timers: pending schedules and fired timers",
			Subjects:    []string{"tuijin.timers.>"},
			// No MaxAge, MaxMsgs or MaxBytes: limits evict pending timers
			// silently. Fired timers go when acked.
			Retention:         jetstream.WorkQueuePolicy,
			Storage:           jetstream.FileStorage,
			Replicas:          replicas,
			Duplicates:        DuplicateWindow,
			AllowMsgSchedules: true,
		},
		{
			Name:        AdvisoryStream,
			Description: "MAX_DELIVERIES advisories of the events and timers streams",
			Subjects: []string{maxDeliveriesAdvisory + EventsStream + ".>",
				maxDeliveriesAdvisory + TimersStream + ".>"},
			Retention: jetstream.LimitsPolicy,
			MaxAge:    7 * 24 * time.Hour,
			Storage:   jetstream.FileStorage,
			Replicas:  replicas,
		},
	}
}

// EnsureStreams creates or updates Tuijin's streams: operations' step (the
// local launcher, the tests' environment, a production job), run with the
// operations user. The configs are fixed, so it is idempotent.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, replicas int) error {
	for _, cfg := range StreamConfigs(replicas) {
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("ensure stream %s: %w", cfg.Name, err)
		}
	}
	if _, err := js.CreateOrUpdateKeyValue(ctx, VersionsConfig(replicas)); err != nil {
		return fmt.Errorf("ensure bucket %s: %w", VersionsBucket, err)
	}
	return nil
}

// CreateStreams creates those of Tuijin's streams that are missing. Every
// service calls it at start, so any start order works on a fresh server; a
// service may not update a stream (its NATS user lacks the right), so a
// stream whose config differs from this release's is reported, not changed:
// operations apply it with EnsureStreams.
func CreateStreams(ctx context.Context, js jetstream.JetStream, replicas int, log *slog.Logger) error {
	for _, cfg := range StreamConfigs(replicas) {
		_, err := js.CreateStream(ctx, cfg)
		switch {
		case err == nil:
		case errors.Is(err, jetstream.ErrStreamNameAlreadyInUse):
			log.Warn("stream config differs from this release's; operations must update it", "stream", cfg.Name)
		default:
			return fmt.Errorf("create stream %s: %w", cfg.Name, err)
		}
	}
	return nil
}

// EnsureDepartmentConsumers creates or updates the durable consumer of each
// department's assignments. Operations run it: a department's user may
// only pull from its consumer, so it cannot pick another filter. A durable
// that a replay (ReplayDepartment) restarted keeps its start.
func EnsureDepartmentConsumers(ctx context.Context, js jetstream.JetStream, depts []string) error {
	for _, d := range depts {
		cfg, err := keepStart(ctx, js, DepartmentConsumer(d))
		if err != nil {
			return fmt.Errorf("consumer of department %s: %w", d, err)
		}
		if _, err := js.CreateOrUpdateConsumer(ctx, EventsStream, cfg); err != nil {
			return fmt.Errorf("consumer of department %s: %w", d, err)
		}
	}
	return nil
}
