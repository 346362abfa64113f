package event_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/event"
	eventv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/event/v1"
	intakev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/intake/v1"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	meetingv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/meeting/v1"
)

var now = time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)

func envelope(t *testing.T, eventType string, payload proto.Message) *eventv1.Envelope {
	t.Helper()
	env, err := event.New(eventType, "ledger", event.Ref("item", "p1:lixiang"), now, payload)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func item(mod func(*ledgerv1.ItemAssigned)) *ledgerv1.ItemAssigned {
	a := &ledgerv1.ItemAssigned{ItemId: "p1:lixiang", ItemName: "项目立项", ProjectCode: "2026-370481-04-01-100001",
		Department: "zrzy", PromisedDays: 5, AssignedAt: timestamppb.New(now)}
	if mod != nil {
		mod(a)
	}
	return a
}

func TestCheckerRefusesOutOfBoundsEvents(t *testing.T) {
	c := event.NewChecker([]string{"zrzy", "fgw"})
	zrzy := event.ForDepartment(event.TypeItemAssigned, "zrzy")
	cases := []struct {
		name    string
		subject string
		env     func(t *testing.T) *eventv1.Envelope
		want    string // "" : accepted
	}{
		{"a plain assignment", zrzy, func(t *testing.T) *eventv1.Envelope { return envelope(t, event.TypeItemAssigned, item(nil)) }, ""},
		{"int32 max promised days", zrzy, func(t *testing.T) *eventv1.Envelope {
			return envelope(t, event.TypeItemAssigned, item(func(a *ledgerv1.ItemAssigned) { a.PromisedDays = 2147483647 }))
		}, "promised_days: 2147483647"},
		{"negative days", zrzy, func(t *testing.T) *eventv1.Envelope {
			return envelope(t, event.TypeItemAssigned, item(func(a *ledgerv1.ItemAssigned) { a.NormalDays = -1 }))
		}, "normal_days: -1"},
		{"assigned fifty years out", zrzy, func(t *testing.T) *eventv1.Envelope {
			return envelope(t, event.TypeItemAssigned, item(func(a *ledgerv1.ItemAssigned) { a.AssignedAt = timestamppb.New(now.AddDate(50, 0, 0)) }))
		}, "assigned_at: 2076-12-02 is more than ten years from now"},
		{"back-dated by eleven years", zrzy, func(t *testing.T) *eventv1.Envelope {
			return envelope(t, event.TypeItemAssigned, item(func(a *ledgerv1.ItemAssigned) { a.AssignedAt = timestamppb.New(now.AddDate(-11, 0, 0)) }))
		}, "assigned_at: 2015-12-02"},
		{"an unknown department", event.ForDepartment(event.TypeItemAssigned, "xyz"), func(t *testing.T) *eventv1.Envelope {
			return envelope(t, event.TypeItemAssigned, item(func(a *ledgerv1.ItemAssigned) { a.Department = "xyz" }))
		}, `unknown department "xyz"`},
		{"payload department not the subject's", zrzy, func(t *testing.T) *eventv1.Envelope {
			return envelope(t, event.TypeItemAssigned, item(func(a *ledgerv1.ItemAssigned) { a.Department = "fgw" }))
		}, `department: "fgw", but the subject routes it to "zrzy"`},
		{"a name of a megabyte", zrzy, func(t *testing.T) *eventv1.Envelope {
			return envelope(t, event.TypeItemAssigned, item(func(a *ledgerv1.ItemAssigned) { a.ItemName = strings.Repeat("x", 1<<20) }))
		}, "item_name: 1048576 bytes"},
		{"an id of a kilobyte", zrzy, func(t *testing.T) *eventv1.Envelope {
			return envelope(t, event.TypeItemAssigned, item(func(a *ledgerv1.ItemAssigned) { a.ItemId = strings.Repeat("x", 1024) }))
		}, "item_id: 1024 bytes"},
		{"a type another subject carries", zrzy, func(t *testing.T) *eventv1.Envelope {
			return envelope(t, event.TypeItemChanged, &ledgerv1.ItemChanged{ItemId: "p1:lixiang", Department: "zrzy"})
		}, "does not match subject"},
		{"a subject routed twice", zrzy + ".x", func(t *testing.T) *eventv1.Envelope { return envelope(t, event.TypeItemAssigned, item(nil)) }, "does not match subject"},
		{"an envelope from 1970", event.TypeProjectRegistered, func(t *testing.T) *eventv1.Envelope {
			env := envelope(t, event.TypeProjectRegistered, &intakev1.ProjectRegistered{Project: &intakev1.Project{Code: "c"}})
			env.Time = timestamppb.New(time.Unix(0, 0))
			return env
		}, "time: 1970-01-01"},
		{"a nested project name too long", event.TypeProjectRegistered, func(t *testing.T) *eventv1.Envelope {
			return envelope(t, event.TypeProjectRegistered, &intakev1.ProjectRegistered{Project: &intakev1.Project{Code: "c", Name: strings.Repeat("名", 3000)}})
		}, "project.name: 9000 bytes"},
		{"twenty attendees too long, ten named", event.TypeMeetingScheduled, func(t *testing.T) *eventv1.Envelope {
			long := make([]string, 20)
			for i := range long {
				long[i] = strings.Repeat("x", 9000)
			}
			return envelope(t, event.TypeMeetingScheduled, &meetingv1.MeetingScheduled{MeetingId: "m1", Attendees: long})
		}, "attendees[9]: 9000 bytes, at most 8192; and 10 more"},
		{"ten thousand attendees", event.TypeMeetingScheduled, func(t *testing.T) *eventv1.Envelope {
			return envelope(t, event.TypeMeetingScheduled, &meetingv1.MeetingScheduled{MeetingId: "m1", Attendees: make([]string, 10000)})
		}, "attendees: 10000 entries"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Check(tc.subject, tc.env(t), now)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want == "":
			case err == nil:
				t.Fatalf("accepted, want %q", tc.want)
			case !errors.Is(err, event.ErrInvalid) || !strings.Contains(err.Error(), tc.want):
				t.Fatalf("got %v, want ErrInvalid with %q", err, tc.want)
			}
		})
	}
}

// Without a list of departments any well-formed code passes, but not a
// subject token no code can be.
func TestCheckerWithoutDepartments(t *testing.T) {
	var c event.Checker
	if err := c.Check(event.ForDepartment(event.TypeItemAssigned, "zrzy"), envelope(t, event.TypeItemAssigned, item(nil)), now); err != nil {
		t.Fatal(err)
	}
	bad := item(func(a *ledgerv1.ItemAssigned) { a.Department = "ZR ZY" })
	if err := c.Check(event.ForDepartment(event.TypeItemAssigned, "ZRZY"), envelope(t, event.TypeItemAssigned, bad), now); !errors.Is(err, event.ErrInvalid) {
		t.Fatalf("got %v", err)
	}
}
