package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// maxDeliveriesAdvisory is the part of the server's advisory we need.
type maxDeliveries struct {
	Stream     string `json:"stream"`
	Consumer   string `json:"consumer"`
	StreamSeq  uint64 `json:"stream_seq"`
	Deliveries uint64 `json:"deliveries"`
}

// moveDeadLetter turns a MAX_DELIVERIES advisory into a copy of the original
// message on the dead-letter stream.
func (r *Runner) moveDeadLetter(ctx context.Context, msg jetstream.Msg) {
	var adv maxDeliveries
	if err := json.Unmarshal(msg.Data(), &adv); err != nil || adv.StreamSeq == 0 {
		r.log.Error("unreadable max-deliveries advisory", "err", err)
		_ = msg.Term()
		return
	}
	orig, err := r.events.GetMsg(ctx, adv.StreamSeq)
	var (
		subject string
		data    []byte
	)
	switch {
	case err == nil:
		subject, data = orig.Subject, orig.Data
	case errors.Is(err, jetstream.ErrMsgNotFound):
		// Aged out of the stream already: record the loss itself.
		subject = "unknown"
	default:
		_ = msg.NakWithDelay(r.spec.Retry.Delay(1))
		return
	}
	cause := fmt.Errorf("gave up after %d deliveries", adv.Deliveries)
	if err := r.deadLetter(ctx, subject, data, adv.StreamSeq, ReasonMaxDeliveries, cause); err != nil {
		r.log.Error("dead-letter publish failed", "err", err)
		_ = msg.NakWithDelay(r.spec.Retry.Delay(1))
		return
	}
	r.log.Warn("message dead-lettered after max deliveries", "subject", subject, "seq", adv.StreamSeq)
	_ = msg.Ack()
}
