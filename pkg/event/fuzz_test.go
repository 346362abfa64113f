package event_test

import (
	"errors"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"
	intakev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/intake/v1"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	meetingv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/meeting/v1"

	"github.com/tuijin/tuijin/pkg/event"
)

// payloads are what consumers unpack an envelope into.
func payloads() []proto.Message {
	return []proto.Message{&intakev1.ProjectRegistered{}, &intakev1.RequestReceived{},
		&ledgerv1.ItemAssigned{}, &ledgerv1.ItemChanged{}, &ledgerv1.ProblemRaised{}, &ledgerv1.ProblemChanged{},
		&ledgerv1.ProjectChanged{}, &ledgerv1.TaskChanged{}, &deadlinev1.DeadlineEvent{}, &deadlinev1.Timer{},
		&meetingv1.MeetingScheduled{}, &meetingv1.MeetingDecided{}, &meetingv1.ActionCreated{}, &meetingv1.ActionChanged{}}
}

// FuzzDecode: whatever bytes arrive on the bus, Decode and Payload answer
// an envelope or ErrUndecodable (which consumers dead-letter), never a
// panic; what decodes carries id, type and payload and survives a round
// trip.
func FuzzDecode(f *testing.F) {
	at := time.Date(2026, 10, 8, 9, 0, 0, 0, time.UTC)
	for _, p := range []proto.Message{
		&ledgerv1.ItemAssigned{ItemId: "2026-370481-04-01-000001/lixiang", Department: "fgw", PromisedDays: 5},
		&intakev1.ProjectRegistered{},
		&deadlinev1.DeadlineEvent{Department: "zrzy"},
	} {
		env, err := event.New(event.TypeItemAssigned, "ledger", event.Ref("item", "x"), at, p)
		if err != nil {
			f.Fatal(err)
		}
		b, err := event.Marshal(env)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := event.Decode(data)
		if err != nil {
			if !errors.Is(err, event.ErrUndecodable) {
				t.Fatalf("Decode: %v is not ErrUndecodable", err)
			}
			return
		}
		if env.GetId() == "" || env.GetType() == "" || env.GetPayload() == nil {
			t.Fatalf("decoded an envelope without id, type or payload: %v", env)
		}
		for _, p := range payloads() {
			if err := event.Payload(env, p); err != nil && !errors.Is(err, event.ErrUndecodable) {
				t.Fatalf("Payload into %T: %v is not ErrUndecodable", p, err)
			}
		}
		b, err := event.Marshal(env)
		if err != nil {
			return // e.g. invalid UTF-8 kept in unknown fields
		}
		again, err := event.Decode(b)
		if err != nil || !proto.Equal(env, again) {
			t.Fatalf("round trip: %v %v != %v", err, again, env)
		}
	})
}
