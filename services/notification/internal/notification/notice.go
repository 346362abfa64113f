package notification

import (
	"fmt"
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
)

// Notice is what one event asks to tell: one template for a set of
// recipients. The service renders it per recipient and plans a delivery per
// channel each recipient wants.
type Notice struct {
	EventID   string
	EventType string
	Template  string
	// Data is the template's data; per-recipient values are added by For.
	Data map[string]any
	To   []Addressee
	// ProjectCode and ItemID link the inbox entry back to the ledger.
	ProjectCode  string
	ItemID       string
	GreenChannel bool
}

// Addressee is a recipient with the addresses the event itself carries
// (an owner's phone on a request); preferences may add others.
type Addressee struct {
	Recipient string
	Phone     string
	Email     string
	// Data overrides the notice's data for this recipient.
	Data map[string]any
}

// For returns the template data for addressee a.
func (n Notice) For(a Addressee) map[string]any {
	out := make(map[string]any, len(n.Data)+len(a.Data))
	for k, v := range n.Data {
		out[k] = v
	}
	for k, v := range a.Data {
		out[k] = v
	}
	return out
}

// Validate reports a notice no retry can deliver.
func (n Notice) Validate() error {
	switch {
	case n.EventID == "":
		return apperr.Invalid("event_id", "required", "the event has no id")
	case n.Template == "":
		return apperr.Invalid("template", "required", "the notice names no template")
	}
	for _, a := range n.To {
		if !ValidRecipient(a.Recipient) {
			return apperr.Invalid("recipient", "invalid_recipient", fmt.Sprintf("%q is not a recipient", a.Recipient))
		}
	}
	return nil
}

// Names resolve organisation codes to Chinese names; the code stands in when
// the organisation file lags behind.
type Names struct {
	Department func(code string) (string, bool)
	Leader     func(code string) (string, bool)
	// Officer is the code of the officer a token names by code or by name
	// (wangfang or 王芳): officer:<code> recipients are by code.
	Officer func(codeOrName string) (string, bool)
}

// Dept is a department's name, or its code.
func (n Names) Dept(code string) string {
	if n.Department != nil {
		if name, ok := n.Department(code); ok && name != "" {
			return name
		}
	}
	return code
}

// LeaderOf is a department leader's title, or a generic one.
func (n Names) LeaderOf(code string) string {
	if n.Leader != nil {
		if name, ok := n.Leader(code); ok && name != "" {
			return name
		}
	}
	return n.Dept(code) + "负责同志"
}

// formatTime is how times read in messages: Beijing time to the minute.
// formatTime writes t as official documents do: 2026年3月2日（周一）09:00.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "未设定"
	}
	return formatDay(t) + t.In(CST).Format("15:04")
}

// formatDue writes a deadline: one at midnight is the end of the day
// before, which officials write as that day's 下班前 (2026年12月9日（周三）
// 下班前), never as 00:00 of the next day; any other time is written out.
func formatDue(t time.Time) string {
	if t.IsZero() {
		return "未设定"
	}
	c := t.In(CST)
	if c.Hour() == 0 && c.Minute() == 0 && c.Second() == 0 {
		return formatDay(c.Add(-time.Second)) + "下班前"
	}
	return formatTime(t)
}

var weekdayNames = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

func formatDay(t time.Time) string {
	c := t.In(CST)
	return fmt.Sprintf("%d年%d月%d日（%s）", c.Year(), int(c.Month()), c.Day(), weekdayNames[c.Weekday()])
}

func orDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}
