package main

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	ics "github.com/arran4/golang-ical"

	"github.com/tuijin/tuijin/pkg/platform"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/meeting"
)

// Without an organizer every invitation would be an iTIP REQUEST no client
// can answer: the service refuses to start, before it touches anything.
func TestStartRefusedWithoutOrganizer(t *testing.T) {
	for _, tt := range []struct {
		organizer string
		none      bool
	}{{"", true}, {"秘书科", false}, {"Duban <duban@xzsp.example>", false}} {
		cfg := newConfig()
		cfg.ICS.Organizer = tt.organizer
		err := setup(cfg)(context.Background(), &platform.App{})
		if err == nil || errors.Is(err, meeting.ErrNoOrganizer) != tt.none {
			t.Errorf("organizer %q: setup = %v", tt.organizer, err)
		}
	}
}

// An invitation names the configured organizer; a department with a mail
// address in the organisation file is invited there and asked to answer,
// one without is addressed by urn: and asked nothing.
func TestInvitationFromOrgFile(t *testing.T) {
	b := []byte(`departments:
  - {code: zrzy, name: 自然资源和规划局, mail: zrzy@county.example}
  - {code: fgw, name: 发展和改革局}
work_groups:
  - {code: yongdi, name: 用地专班, lead: zrzy, members: [zrzy, fgw]}
`)
	file := filepath.Join(t.TempDir(), "org.yaml")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	natsURL, _ := testenv.JetStream(t)
	base := start(t, newClock(), "--nats-url="+natsURL, "--mongo-uri="+testenv.MongoURI(t), "--org-file="+file)
	var m meeting.Meeting
	if status := do(t, testenv.AsSupervisor, http.MethodPost, base+"/v1/meetings", "application/json", validBody, &m); status != http.StatusCreated {
		t.Fatalf("POST: status %d", status)
	}
	resp, err := getAs(t, testenv.Clerk("zrzy"), base+"/v1/meetings/"+m.ID+"/invite.ics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	cal, err := ics.ParseCalendar(resp.Body)
	if err != nil || len(cal.Events()) != 1 {
		t.Fatalf("%d events, %v", len(cal.Events()), err)
	}
	if !slices.ContainsFunc(cal.CalendarProperties, func(p ics.CalendarProperty) bool {
		return p.IANAToken == string(ics.PropertyMethod) && p.Value == "REQUEST"
	}) {
		t.Fatalf("no METHOD:REQUEST in %+v", cal.CalendarProperties)
	}
	ev := cal.Events()[0]
	if o := ev.GetProperty(ics.ComponentPropertyOrganizer); o == nil || o.Value != "mailto:"+organizer {
		t.Fatalf("organizer %+v", o)
	}
	got := map[string][]string{}
	for _, a := range ev.Attendees() {
		got[a.Value] = a.ICalParameters["RSVP"]
	}
	if len(got) != 2 || !slices.Equal(got["mailto:zrzy@county.example"], []string{"TRUE"}) {
		t.Fatalf("attendees and their RSVP %v", got)
	}
	if rsvp, ok := got["urn:tuijin:dept:fgw"]; !ok || rsvp != nil {
		t.Fatalf("fgw has no mail: want urn:tuijin:dept:fgw without RSVP, got %v", got)
	}
}
