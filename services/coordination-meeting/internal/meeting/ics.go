package meeting

import (
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
)

// Invitation returns the meeting's iCalendar invitation (RFC 5545, CRLF
// line ends, lines folded at 75 octets). attendee gives each department's
// name and calendar address (a mailto: or urn: URI).
func Invitation(m Meeting, stamp time.Time, organizer string, attendee func(code string) (name, address string)) string {
	cal := ics.NewCalendarFor("Tuijin")
	cal.SetMethod(ics.MethodRequest)
	ev := cal.AddEvent(m.ID + "@tuijin")
	ev.SetDtStampTime(stamp.UTC())
	ev.SetCreatedTime(m.CreatedAt.UTC())
	ev.SetStartAt(m.StartsAt.UTC())
	ev.SetEndAt(m.StartsAt.Add(2 * time.Hour).UTC())
	ev.SetSequence(m.Version)
	ev.SetSummary(m.Title)
	ev.SetLocation(m.Location)
	ev.SetStatus(ics.ObjectStatusConfirmed)
	var desc strings.Builder
	desc.WriteString(KindNames[m.Kind])
	if len(m.Agenda) > 0 {
		desc.WriteString("。议题：")
		for i, e := range m.Agenda {
			if i > 0 {
				desc.WriteString("；")
			}
			desc.WriteString(e.Title)
		}
	}
	ev.SetDescription(desc.String())
	if organizer != "" {
		ev.SetOrganizer(organizer)
	}
	for _, a := range m.Attendees {
		name, addr := attendee(a)
		ev.AddProperty(ics.ComponentPropertyAttendee, addr, ics.WithCN(name), ics.ParticipationRoleReqParticipant, ics.WithRSVP(true))
	}
	return cal.Serialize(ics.WithNewLineWindows)
}
