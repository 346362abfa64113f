package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// WaitFor polls cond until it holds, failing the test after timeout.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// WaitProgress waits until count reaches want, for as long as it keeps
// growing: a slow machine gets the time it needs, and the test fails only
// after idle passes without progress.
func WaitProgress(t testing.TB, idle time.Duration, what string, count func() uint64, want uint64) {
	t.Helper()
	last, since := count(), time.Now()
	for last < want {
		if time.Since(since) > idle {
			t.Fatalf("waiting for %s: stuck at %d of %d for %s", what, last, want, idle)
		}
		time.Sleep(50 * time.Millisecond)
		if n := count(); n > last {
			last, since = n, time.Now()
		}
	}
}

// StreamCount is the number of messages in stream whose subjects match
// filter.
func StreamCount(t testing.TB, js jetstream.JetStream, stream, filter string) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		t.Fatal(err)
	}
	var total uint64
	for _, n := range info.State.Subjects {
		total += n
	}
	return total
}

// StreamMessages reads, in stream order, every message still in stream
// whose subject matches filter (NATS wildcards allowed), through an ordered
// consumer that is gone when it returns.
func StreamMessages(t testing.TB, js jetstream.JetStream, stream, filter string) []jetstream.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}})
	if err != nil {
		t.Fatal(err)
	}
	pending := c.CachedInfo().NumPending
	out := make([]jetstream.Msg, 0, pending)
	for uint64(len(out)) < pending {
		batch, err := c.Fetch(int(min(pending-uint64(len(out)), 256)), jetstream.FetchContext(ctx))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			out = append(out, m)
		}
		if err := batch.Error(); err != nil {
			t.Fatalf("reading %s on %s: %v", filter, stream, err)
		}
	}
	return out
}
