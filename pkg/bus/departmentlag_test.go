package bus_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// TestDepartmentLag: read with the ledger's own NATS user, a department's
// durable shows what it owes and, once it has read everything, nothing and
// how long since its last ack; a department without a durable shows -1.
func TestDepartmentLag(t *testing.T) {
	ctx := context.Background()
	url, js := testenv.JetStream(t)
	if err := bus.EnsureDepartmentConsumers(ctx, js, []string{"zrzy"}); err != nil {
		t.Fatal(err)
	}
	_, ledgerJS := testenv.Connect(t, url, bus.UserLedger)
	var now time.Time
	reg := prometheus.NewRegistry()
	reg.MustRegister(bus.DepartmentLag(ledgerJS, []string{"zrzy", "nodurable"}, func() time.Time { return now }))
	read := func() map[string][2]float64 {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][2]float64{}
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				v := out[m.GetLabel()[0].GetValue()]
				switch mf.GetName() {
				case "tuijin_bus_department_pending_messages":
					v[0] = m.GetGauge().GetValue()
				case "tuijin_bus_department_idle_seconds":
					v[1] = m.GetGauge().GetValue()
				}
				out[m.GetLabel()[0].GetValue()] = v
			}
		}
		return out
	}

	publishAssigned(t, js, "zrzy", "owed", 3)
	now = time.Now().Add(time.Hour)
	// The server counts a consumer's pending messages as the stream's
	// stores reach it, a moment after their acks on a busy machine.
	var got map[string][2]float64
	testenv.WaitProgress(t, 10*time.Second, "the durable to count what it owes", func() uint64 {
		got = read()
		return uint64(max(got["zrzy"][0], 0))
	}, 3)
	if got["zrzy"][0] != 3 || got["zrzy"][1] < 3600 {
		t.Errorf("before the department reads: pending, idle %v; want 3 and an hour or more since creation", got["zrzy"])
	}
	if got["nodurable"] != [2]float64{-1, -1} {
		t.Errorf("a department without a durable: %v, want -1, -1", got["nodurable"])
	}

	drain(t, url, "zrzy")
	read0 := time.Now()
	now = read0.Add(10 * time.Minute)
	got = read()
	if got["zrzy"][0] != 0 || got["zrzy"][1] < 590 || got["zrzy"][1] > 610+time.Since(read0).Seconds() {
		t.Errorf("after the department read all: pending, idle %v; want 0 and about 600 s since its last ack", got["zrzy"])
	}
}
