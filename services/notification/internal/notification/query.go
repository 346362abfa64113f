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

// Check trims the query's recipient and checks it and the page size.
func (q InboxQuery) Check() (InboxQuery, error) {
	r, err := ParseRecipient("recipient", q.Recipient)
	if err != nil {
		return InboxQuery{}, err
	}
	q.Recipient = r
	if q.Limit < 1 || q.Limit > MaxLimit {
		return InboxQuery{}, LimitError(MaxLimit)
	}
	return q, nil
}

// LimitError is the error of a page size that is not a whole number from 1
// to max.
func LimitError(max int) error {
	return apperr.Invalid("limit", "invalid_limit", "limit must be a whole number from 1 to "+strconv.Itoa(max))
}
