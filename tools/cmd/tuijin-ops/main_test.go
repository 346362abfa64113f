package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/testenv"
)

func TestParseSince(t *testing.T) {
	d, err := parseSince("2026-11-01")
	if err != nil || !d.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, workday.Zone)) || d.UTC().Hour() != 16 {
		t.Errorf("2026-11-01 = %v, %v; want midnight Beijing time (16:00 UTC the day before)", d, err)
	}
	i, err := parseSince("2026-11-01T08:30:00Z")
	if err != nil || !i.Equal(time.Date(2026, 11, 1, 8, 30, 0, 0, time.UTC)) {
		t.Errorf("RFC 3339 instant = %v, %v", i, err)
	}
	for _, bad := range []string{"", "2026-13-01", "yesterday", "1.11.2026"} {
		if _, err := parseSince(bad); err == nil {
			t.Errorf("parseSince(%q) accepted", bad)
		}
	}
}

// ops runs the command as the operations user against url.
func ops(t *testing.T, url string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"--nats-url", url}, args...), &out, time.Now)
	return out.String(), err
}

func TestEnsureLagAndReplay(t *testing.T) {
	t.Setenv("TUIJIN_NATS_PASSWORD", testenv.NATSAuth(bus.OperationsUser).Password)
	url := testenv.NATS(t)
	if out, err := ops(t, url, "ensure", "--replicas", "1"); err != nil || !strings.Contains(out, "zrzy") {
		t.Fatalf("ensure: %q, %v", out, err)
	}
	_, js := testenv.Connect(t, url, bus.OperationsUser)
	ctx := context.Background()
	publish := func(n int) {
		for i := range n {
			if _, err := js.Publish(ctx, event.ForDepartment(event.TypeItemAssigned, "zrzy"), fmt.Appendf(nil, "m%d", i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	publish(3)
	since := time.Now()
	publish(2)

	// The server counts a consumer's pending messages on a goroutine of
	// its own, a moment after the publish is acked: lag is read until it
	// shows all five (fresh-ci once saw 4 on a loaded machine).
	zrzy := regexp.MustCompile(`(?m)^dept-zrzy\s+5\s+0\s+\d{4}-\d\d-\d\dT.*\(0\.0 days\)$`)
	var out string
	defer func() {
		if t.Failed() {
			t.Logf("the last lag read:\n%s", out)
		}
	}()
	testenv.WaitFor(t, 30*time.Second, "lag to count zrzy's five messages", func() bool {
		var err error
		if out, err = ops(t, url, "lag"); err != nil {
			t.Fatal(err)
		}
		return zrzy.MatchString(out)
	})
	if !regexp.MustCompile(`(?m)^dept-fgw\s+0\s+0\s+-$`).MatchString(out) {
		t.Errorf("lag:\n%s", out)
	}

	// Refusals: clear errors, the durable untouched.
	for _, c := range []struct {
		args []string
		want error
		text string
	}{
		{[]string{"--department", "zrzy", "--since", "2020-01-01"}, bus.ErrReplayBeforeRetention, "before the stream's first message"},
		{[]string{"--department", "zrzy", "--since", time.Now().In(workday.Zone).AddDate(0, 0, 2).Format(time.DateOnly)}, bus.ErrReplayInFuture, "in the future"},
		{[]string{"--department", "nope", "--since", "2026-11-01"}, nil, "not in the organisation"},
		{[]string{"--department", "zrzy"}, errUsage, "needs --department and --since"},
		{[]string{"--department", "zrzy", "--since", "someday"}, nil, "want YYYY-MM-DD"},
	} {
		_, err := ops(t, url, append([]string{"replay"}, c.args...)...)
		if err == nil || (c.want != nil && !errors.Is(err, c.want)) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("replay %v: %v, want %q", c.args, err, c.text)
		}
	}

	out, err := ops(t, url, "replay", "--department", "zrzy", "--since", since.Format(time.RFC3339Nano))
	if err != nil || !strings.Contains(out, "dept-zrzy on tuijin.ledger.item.assigned.zrzy now delivers from") {
		t.Fatalf("replay: %q, %v", out, err)
	}
	c, err := js.Consumer(ctx, bus.EventsStream, bus.DepartmentDurable("zrzy"))
	if err != nil {
		t.Fatal(err)
	}
	if info := c.CachedInfo(); info.NumPending != 2 || info.Config.DeliverPolicy != jetstream.DeliverByStartTimePolicy {
		t.Errorf("after replay: %d pending, deliver %v; want the 2 later messages by start time", info.NumPending, info.Config.DeliverPolicy)
	}
	// ensure again keeps the replay's start.
	if _, err := ops(t, url, "ensure"); err != nil {
		t.Errorf("ensure after replay: %v", err)
	}
}
