package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/deadline/internal/deadline"
	"github.com/tuijin/tuijin/services/deadline/internal/store"
)

// The service, run as its own process, is killed (SIGKILL) while it fires
// a backlog of ladder steps, and started again: in the end the stream holds
// every step of every deadline exactly once. The deadlines are loaded into
// the database only: the service's sweep at start sets their timers.
func TestKilledWhileFiringEveryStepOnce(t *testing.T) {
	const n = 300 // deadlines, each with its whole ladder (6 steps) overdue
	natsURL, js := testenv.JetStream(t)
	mongoURI := testenv.MongoURI(t)
	ctx := context.Background()
	client, err := mongox.Connect(ctx, mongoURI)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(ctx) })
	db := client.Database("tuijin_deadline")

	cal, _, err := workday.Load("")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().AddDate(0, 0, -90)
	ds := make([]deadline.Deadline, n)
	want := map[string]bool{}
	for i := range ds {
		ds[i] = deadline.ForItem(cal, deadline.ItemAssignment{ItemID: fmt.Sprintf("crash.%04d", i),
			Department: "zrzy", AssignedAt: start, PromisedDays: 5}).WithNext(cal, deadline.DefaultPolicy)
		ds[i].Version = 1
		steps := ds[i].Steps(cal, deadline.DefaultPolicy)
		if len(steps) != 6 || !steps[5].At.Before(time.Now()) {
			t.Fatalf("steps %v are not all overdue", steps)
		}
		for _, s := range steps {
			want[deadline.StepEventID(ds[i].ID, 1, s.Level)] = true
		}
	}
	if err := store.New(db).CreateMany(ctx, ds); err != nil {
		t.Fatal(err)
	}

	bin := filepath.Join(t.TempDir(), "deadline")
	build := exec.Command("go", "build", "-buildvcs=false", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	run := func() (*exec.Cmd, string) {
		addr := testenv.FreeAddr(t)
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "TUIJIN_HTTP_ADDR="+addr, "TUIJIN_NATS_URL="+natsURL,
			"TUIJIN_MONGO_URI="+mongoURI, "TUIJIN_MONGO_DATABASE=tuijin_deadline",
			"TUIJIN_LOG_LEVEL=warn")
		cmd.Env = append(cmd.Env, testenv.NATSEnv("deadline")...)
		var logs strings.Builder
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			if t.Failed() {
				t.Logf("service log:\n%s", logs.String())
			}
		})
		testenv.WaitFor(t, 30*time.Second, "readiness", func() bool {
			resp, err := http.Get("http://" + addr + "/readyz")
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		})
		return cmd, addr
	}

	first, _ := run()
	testenv.WaitProgress(t, time.Minute, "a third of the steps", func() uint64 { return clockEvents(t, js) }, uint64(len(want)/3))
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	killedAt := clockEvents(t, js)
	t.Logf("killed after %d of %d steps", killedAt, len(want))
	if killedAt >= uint64(len(want)) {
		t.Fatal("the backlog was done before the kill; nothing was tested")
	}

	second, _ := run()
	// A fire the killed process had taken and not acked comes back after the
	// consumer's AckWait (2 min); the wait allows for it.
	testenv.WaitProgress(t, 3*time.Minute, "every step", func() uint64 { return clockEvents(t, js) }, uint64(len(want)))
	// Stop cleanly, so that nothing still in flight can add to the count.
	_ = second.Process.Signal(syscall.SIGTERM)
	_ = second.Wait()

	got := readIDs(t, js)
	seen := map[string]int{}
	for _, id := range got {
		seen[id]++
	}
	for id := range want {
		if seen[id] != 1 {
			t.Errorf("step %s emitted %d times", id, seen[id])
		}
	}
	if len(got) != len(want) {
		t.Errorf("stream holds %d clock events, want %d", len(got), len(want))
	}
}

func clockEvents(t *testing.T, js jetstream.JetStream) uint64 {
	return testenv.StreamCount(t, js, bus.EventsStream, "tuijin.deadline.>")
}

func readIDs(t *testing.T, js jetstream.JetStream) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	total := clockEvents(t, js)
	c, err := js.OrderedConsumer(ctx, bus.EventsStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{"tuijin.deadline.>"}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for uint64(len(ids)) < total {
		batch, err := c.Fetch(500, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			env, err := event.Decode(m.Data())
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, env.GetId())
		}
		if got == 0 {
			t.Fatalf("read %d of %d events", len(ids), total)
		}
	}
	return ids
}
