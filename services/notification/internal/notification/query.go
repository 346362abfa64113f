package notification

import (
	"strconv"

	"github.com/tuijin/tuijin/pkg/apperr"
)

// Limits of an inbox page.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// InboxQuery selects a page of a recipient's inbox, newest first.
type InboxQuery struct {
	Recipient  string
	UnreadOnly bool
	Limit      int
}

// Inbox is a page of a recipient's inbox with the count of unread messages.
type Inbox struct {
	Recipient string  `json:"recipient"`
	Unread    int     `json:"unread"`
	Items     []Entry `json:"items"`
}

// ParseInboxQuery reads a query from its text form; empty unread and limit
// take their defaults.
func ParseInboxQuery(recipient, unread, limit string) (InboxQuery, error) {
	r, err := ParseRecipient("recipient", recipient)
	if err != nil {
		return InboxQuery{}, err
	}
	q := InboxQuery{Recipient: r, Limit: DefaultLimit}
	if unread != "" {
		b, err := strconv.ParseBool(unread)
		if err != nil {
			return InboxQuery{}, apperr.Invalid("unread", "invalid_bool", "unread must be true or false")
		}
		q.UnreadOnly = b
	}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 || n > MaxLimit {
			return InboxQuery{}, apperr.Invalid("limit", "invalid_limit", "limit must be a whole number from 1 to "+strconv.Itoa(MaxLimit))
		}
		q.Limit = n
	}
	return q, nil
}
