package meeting

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
)

func TestApplyMoveAndCancel(t *testing.T) {
	now := start.Add(-24 * time.Hour)
	later := "2026-03-05T15:00:00+08:00"
	for _, tt := range []struct {
		name   string
		edit   func(m *Meeting)
		move   *MoveRequest
		cancel *CancelRequest
		field  string
		code   string
		kind   apperr.Kind
	}{
		{name: "move", move: &MoveRequest{StartsAt: later, Reason: "冲突", Version: 1}},
		{name: "move of the place only", move: &MoveRequest{StartsAt: "2026-03-04T09:00:00+08:00", Location: "县政府 3 楼", Reason: "冲突", Version: 1}},
		{name: "move of a started meeting", edit: func(m *Meeting) { m.StartsAt = now.Add(-time.Hour) }, move: &MoveRequest{StartsAt: later, Reason: "延期", Version: 1}},
		{name: "cancel", cancel: &CancelRequest{Reason: "已解决", Version: 1}},
		{name: "move to the past", move: &MoveRequest{StartsAt: "2026-03-02T09:00:00+08:00", Reason: "冲突", Version: 1},
			field: "starts_at", code: "starts_in_past", kind: apperr.KindInvalid},
		{name: "move to now", move: &MoveRequest{StartsAt: now.Format(time.RFC3339), Reason: "冲突", Version: 1},
			field: "starts_at", code: "starts_in_past", kind: apperr.KindInvalid},
		{name: "move to where it is", move: &MoveRequest{StartsAt: "2026-03-04T09:00:00+08:00", Location: " 政务服务中心 301 ", Reason: "x", Version: 1},
			field: "starts_at", code: "unchanged", kind: apperr.KindInvalid},
		{name: "move without time", move: &MoveRequest{Reason: "冲突", Version: 1}, field: "starts_at", code: "required", kind: apperr.KindInvalid},
		{name: "move without reason", move: &MoveRequest{StartsAt: later, Version: 1}, field: "reason", code: "required", kind: apperr.KindInvalid},
		{name: "move with a long reason", move: &MoveRequest{StartsAt: later, Reason: strings.Repeat("因", 501), Version: 1},
			field: "reason", code: "too_long", kind: apperr.KindInvalid},
		{name: "move with a long location", move: &MoveRequest{StartsAt: later, Location: strings.Repeat("楼", 201), Reason: "x", Version: 1},
			field: "location", code: "too_long", kind: apperr.KindInvalid},
		{name: "move without version", move: &MoveRequest{StartsAt: later, Reason: "冲突"}, field: "version", code: "required", kind: apperr.KindInvalid},
		{name: "move on a stale version", move: &MoveRequest{StartsAt: later, Reason: "冲突", Version: 2}, code: "version_mismatch", kind: apperr.KindConflict},
		{name: "move of a decided meeting", edit: func(m *Meeting) { m.Status = StatusDecided }, move: &MoveRequest{StartsAt: later, Reason: "x", Version: 1},
			code: "meeting_decided", kind: apperr.KindConflict},
		{name: "move of a cancelled meeting", edit: func(m *Meeting) { m.Status = StatusCancelled }, move: &MoveRequest{StartsAt: later, Reason: "x", Version: 1},
			code: "meeting_cancelled", kind: apperr.KindConflict},
		{name: "cancel without reason", cancel: &CancelRequest{Reason: " ", Version: 1}, field: "reason", code: "required", kind: apperr.KindInvalid},
		{name: "cancel on a stale version", cancel: &CancelRequest{Reason: "x", Version: 3}, code: "version_mismatch", kind: apperr.KindConflict},
		{name: "cancel of a decided meeting", edit: func(m *Meeting) { m.Status = StatusDecided }, cancel: &CancelRequest{Reason: "x", Version: 1},
			code: "meeting_decided", kind: apperr.KindConflict},
		{name: "cancel twice", edit: func(m *Meeting) { m.Status = StatusCancelled }, cancel: &CancelRequest{Reason: "x", Version: 1},
			code: "meeting_cancelled", kind: apperr.KindConflict},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := sampleMeeting()
			if tt.edit != nil {
				tt.edit(&m)
			}
			before := sampleMeeting()
			if tt.edit != nil {
				tt.edit(&before)
			}
			var err error
			if tt.move != nil {
				err = ApplyMove(&m, *tt.move, "mishu (秘书)", now)
			} else {
				err = ApplyCancel(&m, *tt.cancel, "mishu (秘书)", now)
			}
			if tt.code != "" {
				e, ok := apperr.As(err)
				if !ok || e.Kind != tt.kind || e.Field != tt.field || e.Code != tt.code {
					t.Fatalf("got %v, want %s %q", err, tt.code, tt.field)
				}
				if !reflect.DeepEqual(m, before) {
					t.Fatalf("a refused change changed the meeting: %+v", m)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			h := m.History
			if m.Version != 2 || len(h) != 1 || h[0].Actor != "mishu (秘书)" || !h[0].At.Equal(now) || !h[0].FromStartsAt.Equal(before.StartsAt) ||
				h[0].FromLocation != before.Location || !h[0].StartsAt.Equal(m.StartsAt) || h[0].Location != m.Location {
				t.Fatalf("changed %+v", m)
			}
			if tt.cancel != nil && (m.Status != StatusCancelled || h[0].Change != ChangeCancelled || !m.StartsAt.Equal(before.StartsAt)) {
				t.Fatalf("cancelled %+v", m)
			}
			if tt.move != nil && (m.Status != before.Status || h[0].Change != ChangeMoved || (m.StartsAt.Equal(before.StartsAt) && m.Location == before.Location)) {
				t.Fatalf("moved %+v", m)
			}
		})
	}
}

// A cancelled meeting's message is an iTIP CANCEL of the same event
// (RFC 5546 §3.2.5): same UID, STATUS:CANCELLED, a higher SEQUENCE.
func TestCancellationIsITIPCancel(t *testing.T) {
	m := sampleMeeting()
	none := func(code string) (string, string) { return code, "urn:tuijin:dept:" + code }
	const organizer = "mailto:duban@xzsp.example"
	req := Invitation(m, start, organizer, none)
	if err := ApplyCancel(&m, CancelRequest{Reason: "已解决", Version: 1}, "duban", start); err != nil {
		t.Fatal(err)
	}
	cancel := Invitation(m, start, organizer, none)
	if req.Method != "REQUEST" || cancel.Method != "CANCEL" {
		t.Fatalf("methods %s, %s", req.Method, cancel.Method)
	}
	for _, want := range []string{"METHOD:CANCEL\r\n", "UID:m1@tuijin\r\n", "SEQUENCE:2\r\n", "STATUS:CANCELLED\r\n", "ORGANIZER:", "ATTENDEE;"} {
		if !strings.Contains(cancel.Body, want) {
			t.Errorf("cancellation lacks %q:\n%s", want, cancel.Body)
		}
	}
	if !strings.Contains(req.Body, "SEQUENCE:1\r\n") || !strings.Contains(req.Body, "STATUS:CONFIRMED\r\n") {
		t.Errorf("request:\n%s", req.Body)
	}
}
