package notification

import (
	"context"
	"errors"
)

// Message is what a channel sender transmits: one delivery, rendered.
type Message struct {
	DeliveryID string
	Recipient  string
	Address    string
	Title      string
	Body       string
}

// Sender transmits messages on one external channel. DeliveryID travels
// with the message (Message-ID, a header) so the far side can recognise the
// rare resend after a crash between its acceptance and our record of it.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks a send failure no retry can cure (a refused address, a
// webhook that answers 404); the delivery goes to the dead-letter list at
// once.
func Permanent(err error) error { return permanentError{err} }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
