package bus_test

import (
	"context"
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
)

// A handler gets the payload the runner decoded to check the event, not a
// second decoding of it: PayloadAs hands out that one message. Asked for
// another type, it decodes the payload as that and fails as event.Payload
// does.
func TestPayloadAsIsTheMessageTheRunnerChecked(t *testing.T) {
	h := newHarness(t)
	type result struct {
		first, second *ledgerv1.ItemAssigned
		wrong         error
	}
	got := make(chan result, 1)
	h.run(t, bus.ConsumerSpec{Durable: "payload-test", Subjects: []string{"tuijin.ledger.item.assigned.zrzy"}},
		func(ctx context.Context, d bus.Delivery) error {
			var r result
			var err error
			if r.first, err = bus.PayloadAs[ledgerv1.ItemAssigned](d); err != nil {
				return bus.Permanent(err)
			}
			if r.second, err = bus.PayloadAs[ledgerv1.ItemAssigned](d); err != nil {
				return bus.Permanent(err)
			}
			_, r.wrong = bus.PayloadAs[ledgerv1.ItemChanged](d)
			got <- r
			return nil
		})
	m := assigned(t, "zrzy")
	if err := h.pub.Publish(context.Background(), *m); err != nil {
		t.Fatal(err)
	}
	var r result
	eventually(t, "the handler", func() bool {
		select {
		case r = <-got:
			return true
		default:
			return false
		}
	})
	if r.first != r.second {
		t.Error("two calls gave two messages: the payload is decoded again on each")
	}
	want, err := event.Decode(m.Data)
	if err != nil {
		t.Fatal(err)
	}
	var pb ledgerv1.ItemAssigned
	if err := event.Payload(want, &pb); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(r.first, &pb) {
		t.Errorf("payload %v, want %v", r.first, &pb)
	}
	if !errors.Is(r.wrong, event.ErrUndecodable) {
		t.Errorf("payload as another type: %v, want %v", r.wrong, event.ErrUndecodable)
	}
}
