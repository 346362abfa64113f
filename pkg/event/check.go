package event

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/event/v1"
)

// ErrInvalid marks an event whose content no consumer may act on: a value
// out of range, a text too long, a date decades away, an unknown
// department. Like an undecodable one it can never succeed, and goes to the
// dead-letter stream with the reason.
var ErrInvalid = errors.New("invalid event")

// The bounds every event is held to before any handler sees it, whoever
// published it: an event, even from a service's own credentials, must not
// make a consumer run unbounded work or store unbounded data.
const (
	// MaxTimeSkew is how far from now an instant of an event may lie.
	MaxTimeSkew = 10 * 366 * 24 * time.Hour
	// MaxDays bounds every count of days (promised, normal, overdue): ten
	// years of working days; each consumer may bound its own tighter.
	MaxDays = 3650
	// MaxRefBytes bounds ids, codes and departments.
	MaxRefBytes = 128
	// MaxTextBytes bounds names, notes and descriptions.
	MaxTextBytes = 8 << 10
	// MaxListLen bounds repeated fields (materials, attendees, agenda).
	MaxListLen = 1000
)

var deptCode = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// Checker checks events against the bounds above and, when Departments is
// set, that every department they name is one of them.
type Checker struct {
	// Departments are the known department codes; nil accepts any
	// well-formed code.
	Departments map[string]bool
}

// NewChecker returns a checker knowing depts (none: any well-formed code).
func NewChecker(depts []string) Checker {
	if len(depts) == 0 {
		return Checker{}
	}
	known := make(map[string]bool, len(depts))
	for _, d := range depts {
		known[d] = true
	}
	return Checker{Departments: known}
}

// Check refuses, with ErrInvalid and every problem named, an event env
// received on subject whose type does not match the subject, whose
// department differs from the subject's, or whose content is out of bounds.
// The payload is checked if its type is known to this program.
func (c Checker) Check(subject string, env *eventv1.Envelope, now time.Time) error {
	payload, _ := UnpackKnown(env)
	return c.CheckPayload(subject, env, payload, now)
}

// UnpackKnown is env's payload as a message of its own type, or nil with
// an error when that type is unknown to this program or the payload does
// not decode as it.
func UnpackKnown(env *eventv1.Envelope) (proto.Message, error) {
	return env.GetPayload().UnmarshalNew()
}

// CheckPayload is Check of an envelope whose payload the caller has
// unpacked already (UnpackKnown; nil when it could not): a consumer
// decodes it once for the check and for its handler.
func (c Checker) CheckPayload(subject string, env *eventv1.Envelope, payload proto.Message, now time.Time) error {
	var p problems
	routed, ok := strings.CutPrefix(subject, env.GetType())
	switch {
	case !ok || (routed != "" && (routed[0] != '.' || strings.Contains(routed[1:], "."))):
		p.add("type %q does not match subject %q", env.GetType(), subject)
	case routed != "":
		routed = routed[1:]
		c.department(&p, "subject", routed)
	}
	p.ref("id", env.GetId())
	p.text("producer", env.GetProducer(), MaxRefBytes)
	p.ref("subject.id", env.GetSubject().GetId())
	p.instant("time", env.GetTime(), now)
	if payload != nil {
		c.walk(&p, "", payload.ProtoReflect(), now, routed)
	}
	return p.err()
}

func (c Checker) department(p *problems, field, code string) {
	switch {
	case !deptCode.MatchString(code):
		p.add("%s: %q is not a department code", field, truncate(code))
	case c.Departments != nil && !c.Departments[code]:
		p.add("%s: unknown department %q", field, code)
	}
}

// walk checks every field of m by its kind and name: strings by length
// (ids and codes shorter), instants by distance from now, day counts by
// range, a department by the known ones and the subject's.
func (c Checker) walk(p *problems, prefix string, m protoreflect.Message, now time.Time, routed string) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		name := prefix + string(fd.Name())
		switch {
		case fd.IsList():
			l := v.List()
			if l.Len() > MaxListLen {
				p.add("%s: %d entries, at most %d", name, l.Len(), MaxListLen)
				return true
			}
			for i := 0; i < l.Len(); i++ {
				c.value(p, fmt.Sprintf("%s[%d]", name, i), fd, l.Get(i), now, "")
			}
		case fd.IsMap():
			// No event has maps; refusing them keeps the walk bounded.
			p.add("%s: unexpected map", name)
		default:
			c.value(p, name, fd, v, now, routed)
		}
		return true
	})
}

func (c Checker) value(p *problems, name string, fd protoreflect.FieldDescriptor, v protoreflect.Value, now time.Time, routed string) {
	short := string(fd.Name())
	switch fd.Kind() {
	case protoreflect.StringKind:
		s := v.String()
		switch {
		case short == "department":
			c.department(p, name, s)
			if routed != "" && s != routed {
				p.add("%s: %q, but the subject routes it to %q", name, s, routed)
			}
		case isRef(short):
			p.ref(name, s)
		default:
			p.text(name, s, MaxTextBytes)
		}
	case protoreflect.Int32Kind, protoreflect.Int64Kind, protoreflect.Sint32Kind, protoreflect.Sint64Kind:
		if n := v.Int(); strings.HasSuffix(short, "_days") && (n < 0 || n > MaxDays) {
			p.add("%s: %d, must be 0 to %d", name, n, MaxDays)
		}
	case protoreflect.MessageKind:
		msg := v.Message()
		if msg.Descriptor().FullName() == "google.protobuf.Timestamp" {
			ts, _ := msg.Interface().(*timestamppb.Timestamp)
			p.instant(name, ts, now)
			return
		}
		c.walk(p, name+".", msg, now, "")
	}
}

func isRef(field string) bool {
	return field == "id" || field == "code" || strings.HasSuffix(field, "_id") || strings.HasSuffix(field, "_code")
}

// maxProblems bounds what one refusal names: its text travels in a header
// of the dead letter.
const maxProblems = 10

type problems []string

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

func (p *problems) ref(field, s string) { p.text(field, s, MaxRefBytes) }

func (p *problems) text(field, s string, max int) {
	if len(s) > max {
		p.add("%s: %d bytes, at most %d", field, len(s), max)
	}
}

func (p *problems) instant(field string, ts *timestamppb.Timestamp, now time.Time) {
	if ts == nil {
		return
	}
	if err := ts.CheckValid(); err != nil {
		p.add("%s: %v", field, err)
		return
	}
	if d := ts.AsTime().Sub(now); d > MaxTimeSkew || d < -MaxTimeSkew {
		p.add("%s: %s is more than ten years from now", field, ts.AsTime().Format(time.DateOnly))
	}
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	if len(p) > maxProblems {
		p = append(p[:maxProblems:maxProblems], fmt.Sprintf("and %d more", len(p)-maxProblems))
	}
	return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(p, "; "))
}

// truncate shortens s to 40 runes for a message.
func truncate(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
