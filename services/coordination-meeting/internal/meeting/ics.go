package meeting

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
)

// ErrNoOrganizer refuses invitations without an organizer: an iTIP REQUEST
// must name one (RFC 5546 §3.2.2), and so must a PUBLISH, so there is no
// method to fall back to.
var ErrNoOrganizer = errors.New("ics: an organizer is required: invitations are iTIP REQUESTs (RFC 5546 §3.2.2)")

// Organizer reads the configured organizer (a bare mail address or a
// mailto: URI) as the mailto: URI invitations carry.
func Organizer(s string) (string, error) {
	if s == "" {
		return "", ErrNoOrganizer
	}
	bare := strings.TrimPrefix(s, "mailto:")
	if a, err := mail.ParseAddress(bare); err != nil || a.Address != bare {
		return "", fmt.Errorf("ics: organizer %q must be a mail address like duban@county.gov.cn", s)
	}
	return "mailto:" + bare, nil
}

// Invitation returns the meeting's iTIP invitation (METHOD:REQUEST, RFC 5546
// §3.2.2; RFC 5545 with CRLF line ends, lines folded at 75 octets) from
// organizer, a mailto: URI (see Organizer). attendee gives each department's
// name and calendar address: a mailto: URI, whose owner is asked to answer
// (RSVP=TRUE), or a urn:, which no client can answer from, so nothing is
// asked of it.
//
// A cancelled meeting's message is an iTIP CANCEL (RFC 5546 §3.2.5): same
// UID, STATUS:CANCELLED and a SEQUENCE above the last REQUEST's, which the
// meeting's version gives, as it gives a moved meeting's.
func Invitation(m Meeting, stamp time.Time, organizer string, attendee func(code string) (name, address string)) Invite {
	cal := ics.NewCalendarFor("Tuijin")
	method, status := ics.MethodRequest, ics.ObjectStatusConfirmed
	if m.Status == StatusCancelled {
		method, status = ics.MethodCancel, ics.ObjectStatusCancelled
	}
	cal.SetMethod(method)
	ev := cal.AddEvent(m.ID + "@tuijin")
	ev.SetDtStampTime(stamp.UTC())
	ev.SetCreatedTime(m.CreatedAt.UTC())
	ev.SetStartAt(m.StartsAt.UTC())
	ev.SetEndAt(m.StartsAt.Add(2 * time.Hour).UTC())
	ev.SetSequence(m.Version)
	ev.SetSummary(m.Title)
	ev.SetLocation(m.Location)
	ev.SetStatus(status)
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
	ev.SetOrganizer(organizer)
	for _, a := range m.Attendees {
		name, addr := attendee(a)
		params := []ics.PropertyParameter{ics.WithCN(name), ics.ParticipationRoleReqParticipant, ics.CalendarUserTypeGroup}
		if strings.HasPrefix(addr, "mailto:") {
			// ics.WithRSVP writes "true"; RFC 5545 spells the BOOLEAN TRUE,
			// which every client reads.
			params = append(params, &ics.KeyValues{Key: string(ics.ParameterRsvp), Value: []string{"TRUE"}})
		}
		ev.AddProperty(ics.ComponentPropertyAttendee, addr, params...)
	}
	return Invite{Method: string(method), Body: cal.Serialize(ics.WithNewLineWindows)}
}

// Invite is an iTIP message: its method (REQUEST or CANCEL) and the text.
type Invite struct {
	Method string
	Body   string
}
