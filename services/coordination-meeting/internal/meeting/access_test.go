package meeting

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// ChangeAction is reached only from the API: without a principal, or with a
// role that may not make the change, it refuses before it reads anything
// (its store is nil here).
func TestChangeActionRefusesBeforeReading(t *testing.T) {
	svc := NewActions(nil, clock.NewManual(sampleMeeting().StartsAt, 0))
	as := func(p auth.Principal) context.Context { return auth.NewContext(context.Background(), p) }
	if _, err := svc.ChangeAction(context.Background(), ActionChange{MeetingID: "m", Ref: "1", Change: ChangeDone}); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Errorf("without a principal: %v", err)
	}
	for _, tt := range []struct {
		p      auth.Principal
		change string
	}{
		{testenv.AsSecretary, ChangeDone},
		{testenv.AsSupervisor, ChangeDone},
		{testenv.OwnerOf("zhineng"), ChangeDone},
		{testenv.Clerk("zrzy"), ChangeConfirm},
		{testenv.Leader("zrzy"), ChangeReopen},
		{testenv.Officer("wangfang"), ChangeConfirm},
		{testenv.AsOperations, ChangeReopen},
	} {
		_, err := svc.ChangeAction(as(tt.p), ActionChange{MeetingID: "m", Ref: "1", Change: tt.change, Note: "n"})
		if httpx.StatusOf(err) != http.StatusForbidden {
			t.Errorf("%s by %s: %v", tt.change, tt.p.Subject, err)
		}
	}
}

// Only a clerk or leader of the action item's department reports it done;
// confirm and reopen are not bound to a department; an unknown action is
// left to ApplyActionChange.
func TestAuthorizeActionChange(t *testing.T) {
	m := decidedMeeting(t)
	for _, tt := range []struct {
		p       auth.Principal
		change  string
		ref     string
		allowed bool
	}{
		{testenv.Clerk("zrzy"), ChangeDone, "1", true},
		{testenv.Leader("zrzy"), ChangeDone, "1", true},
		{testenv.Clerk("fgw"), ChangeDone, "1", false},
		{testenv.Leader("sthj"), ChangeDone, "1", false},
		{testenv.Clerk(""), ChangeDone, "1", false},
		{auth.Principal{Subject: "x", Department: "zrzy", Roles: []auth.Role{auth.Officer}}, ChangeDone, "1", false},
		{testenv.Clerk("fgw"), ChangeDone, "9", true},
		{testenv.AsSecretary, ChangeConfirm, "1", true},
		{testenv.AsSupervisor, ChangeReopen, "1", true},
	} {
		err := authorizeActionChange(tt.p, &m, ActionChange{Ref: tt.ref, Change: tt.change})
		if (err == nil) != tt.allowed || (err != nil && httpx.StatusOf(err) != http.StatusForbidden) {
			t.Errorf("%s of %s by %+v: %v, want allowed %v", tt.change, tt.ref, tt.p, err, tt.allowed)
		}
	}
}
