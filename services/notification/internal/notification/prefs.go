package notification

import (
	"bytes"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/phone"
)

// Preferences say how a recipient wants to be told and where it is reached.
type Preferences struct {
	Recipient  string      `json:"recipient" yaml:"-"`
	Email      string      `json:"email,omitempty" yaml:"email"`
	Webhook    string      `json:"webhook,omitempty" yaml:"webhook"`
	Phone      string      `json:"phone,omitempty" yaml:"phone"`
	Channels   []string    `json:"channels" yaml:"channels"`
	Digest     bool        `json:"digest" yaml:"digest"`
	QuietHours *QuietHours `json:"quiet_hours,omitempty" yaml:"quiet_hours"`
}

// QuietHours is a daily window, in China Standard Time, in which no SMS is
// sent; one due inside it waits for the window's end. Start after End spans
// midnight.
type QuietHours struct {
	Start string `json:"start" yaml:"start"`
	End   string `json:"end" yaml:"end"`
}

// CST is China Standard Time; China keeps no daylight saving, so a fixed
// zone needs no tz database on the host.
var CST = time.FixedZone("CST", 8*3600)

var hhmmRE = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d$`)

// DefaultPreferences are those of a recipient nobody configured: the inbox.
func DefaultPreferences(recipient string) Preferences {
	return Preferences{Recipient: recipient, Channels: []string{ChannelInbox}}
}

// Validate checks p; addresses are required for the channels chosen.
func (p Preferences) Validate() error {
	if len(p.Channels) == 0 {
		return apperr.Invalid("channels", "required", "channels must name at least one of "+strings.Join(Channels, ", "))
	}
	seen := map[string]bool{}
	for _, c := range p.Channels {
		if !slices.Contains(Channels, c) {
			return apperr.Invalid("channels", "invalid_channel", fmt.Sprintf("unknown channel %q; use %s", c, strings.Join(Channels, ", ")))
		}
		if seen[c] {
			return apperr.Invalid("channels", "duplicate_channel", fmt.Sprintf("channel %q is named twice", c))
		}
		seen[c] = true
	}
	if p.Email != "" {
		if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email {
			return apperr.Invalid("email", "invalid_email", "email must be a bare address such as ban@zrzy.example")
		}
	}
	if p.Webhook != "" {
		u, err := url.Parse(p.Webhook)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return apperr.Invalid("webhook", "invalid_url", "webhook must be an http or https URL")
		}
	}
	if p.Phone != "" {
		if n, err := phone.Parse(p.Phone); err != nil || !n.CanSMS() {
			return apperr.Invalid("phone", "invalid_phone",
				"phone must be a mobile number such as 13800138000: text messages cannot reach a landline")
		}
	}
	for _, need := range []struct{ channel, field, addr string }{
		{ChannelEmail, "email", p.Email}, {ChannelWebhook, "webhook", p.Webhook}, {ChannelSMS, "phone", p.Phone},
	} {
		if seen[need.channel] && need.addr == "" {
			return apperr.Invalid(need.field, "required", fmt.Sprintf("channel %s needs %s", need.channel, need.field))
		}
	}
	if q := p.QuietHours; q != nil {
		if !hhmmRE.MatchString(q.Start) || !hhmmRE.MatchString(q.End) || q.Start == q.End {
			return apperr.Invalid("quiet_hours", "invalid_quiet_hours", "quiet_hours needs start and end as different HH:MM times")
		}
	}
	return nil
}

// Wants reports whether channel c is chosen.
func (p Preferences) Wants(c string) bool { return slices.Contains(p.Channels, c) }

// Address is where p is reached on channel c ("" for the inbox).
func (p Preferences) Address(c string) string {
	switch c {
	case ChannelEmail:
		return p.Email
	case ChannelWebhook:
		return p.Webhook
	case ChannelSMS:
		return p.Phone
	}
	return ""
}

// QuietUntil returns the end of the quiet window t falls in, or t itself
// when it falls in none.
func (p Preferences) QuietUntil(t time.Time) time.Time {
	q := p.QuietHours
	if q == nil {
		return t
	}
	local := t.In(CST)
	at := func(hhmm string, day time.Time) time.Time {
		var h, m int
		fmt.Sscanf(hhmm, "%d:%d", &h, &m)
		return time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, CST)
	}
	start, end := at(q.Start, local), at(q.End, local)
	if start.Before(end) { // same-day window
		if !local.Before(start) && local.Before(end) {
			return end.UTC()
		}
		return t
	}
	// Spanning midnight: quiet from start to midnight and from midnight to end.
	switch {
	case !local.Before(start):
		return end.AddDate(0, 0, 1).UTC()
	case local.Before(end):
		return end.UTC()
	}
	return t
}

// Directory is the recipients file: addresses and preferences by recipient.
type Directory map[string]Preferences

// ParseDirectory reads a recipients YAML file:
//
//	recipients:
//	  dept:zrzy: {email: ..., webhook: ..., channels: [inbox, email, webhook]}
func ParseDirectory(b []byte) (Directory, error) {
	var f struct {
		Recipients map[string]Preferences `yaml:"recipients"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("recipients file: %w", err)
	}
	d := Directory{}
	for r, p := range f.Recipients {
		if !ValidRecipient(r) {
			return nil, fmt.Errorf("recipients file: %q is not a recipient", r)
		}
		p.Recipient = r
		if len(p.Channels) == 0 {
			p.Channels = []string{ChannelInbox}
		}
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("recipients file: %s: %w", r, err)
		}
		d[r] = p
	}
	return d, nil
}
