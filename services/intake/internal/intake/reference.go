package intake

import (
	"strings"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/org"
)

// Reference is the organisation file's officers and work groups. A
// registration names them by code or by name; they are checked and kept
// as codes, the form every other service and every event uses.
type Reference struct{ org *org.Org }

// NewReference checks registrations against o.
func NewReference(o *org.Org) Reference { return Reference{org: o} }

// Resolve replaces p's officer and work group, given by code or name, by
// their codes, or names the field and the allowed values. Either may be
// left empty.
func (r Reference) Resolve(p *Project) error {
	if p.Officer != "" {
		code, ok := r.officer(p.Officer)
		if !ok {
			return apperr.Invalid("officer", "unknown_officer",
				"officer must be one of the organisation's officers: "+r.officers())
		}
		p.Officer = code
	}
	if p.WorkGroup != "" {
		code, ok := r.workGroup(p.WorkGroup)
		if !ok {
			return apperr.Invalid("work_group", "unknown_work_group",
				"work_group must be one of the organisation's work groups: "+r.workGroups())
		}
		p.WorkGroup = code
	}
	return nil
}

func (r Reference) officer(s string) (string, bool) {
	for _, o := range r.org.Officers {
		if o.Code == s || o.Name == s {
			return o.Code, true
		}
	}
	return "", false
}

func (r Reference) workGroup(s string) (string, bool) {
	for _, g := range r.org.WorkGroups {
		if g.Code == s || g.Name == s {
			return g.Code, true
		}
	}
	return "", false
}

func (r Reference) officers() string {
	names := make([]string, len(r.org.Officers))
	for i, o := range r.org.Officers {
		names[i] = o.Code + "（" + o.Name + "）"
	}
	return strings.Join(names, ", ")
}

func (r Reference) workGroups() string {
	names := make([]string, len(r.org.WorkGroups))
	for i, g := range r.org.WorkGroups {
		names[i] = g.Code + "（" + g.Name + "）"
	}
	return strings.Join(names, ", ")
}
