package transport

import (
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/bus"
)

// A fire redelivered publishes its event again under the same id; the
// events stream drops the copy only within its duplicate window, so the
// window must outlast the longest a fire can be redelivered for: every
// delivery taking the whole ack wait, with the backoff between them.
func TestTimerWindowOutlastsRedeliveries(t *testing.T) {
	retry := TimerFiredConsumer.Retry
	if retry.MaxDeliver == 0 {
		retry = bus.DefaultRetry // as bus.NewRunner fills it in
	}
	longest := time.Duration(retry.MaxDeliver) * TimerFiredConsumer.AckWait
	for n := 1; n < retry.MaxDeliver; n++ {
		longest += retry.Delay(uint64(n))
	}
	var window time.Duration
	for _, c := range bus.StreamConfigs(1) {
		if c.Name == bus.EventsStream {
			window = c.Duplicates
		}
	}
	if longest >= window {
		t.Fatalf("a fire may be redelivered for %s, beyond the events stream's duplicate window of %s", longest, window)
	}
	t.Logf("redeliveries within %s, duplicate window %s", longest, window)
}
