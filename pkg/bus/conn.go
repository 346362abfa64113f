// Package bus is Tuijin's JetStream platform: stream definitions, a publisher
// that deduplicates by event id and carries trace context, and a consumer
// runner that settles every message exactly once (Ack, NakWithDelay or Term)
// and moves poison messages to a dead-letter stream.
package bus

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Auth is how a client proves who it is to NATS: a user and password, or a
// credentials file (JWT and nkey seed) on a cluster run with accounts. The
// values come from the environment, never from the repository.
type Auth struct {
	User     string
	Password string
	// CredsFile is the path of a NATS .creds file; User still names the
	// inbox prefix the user's permissions allow.
	CredsFile string
}

// Options are the connect options of a: the credentials and the user's own
// inbox prefix (see InboxPrefix). None when a is empty: a server without
// users.
func (a Auth) Options() []nats.Option {
	var opts []nats.Option
	if a.User != "" {
		opts = append(opts, nats.CustomInboxPrefix(InboxPrefix(a.User)))
		if a.Password != "" {
			opts = append(opts, nats.UserInfo(a.User, a.Password))
		}
	}
	if a.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(a.CredsFile))
	}
	return opts
}

// Connect opens a NATS connection that keeps reconnecting for ever: a service
// should ride out a NATS restart, not die with it. opts add credentials
// (Auth.Options).
func Connect(url, name string, log *slog.Logger, opts ...nats.Option) (*nats.Conn, jetstream.JetStream, error) {
	opts = append([]nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500 * time.Millisecond),
		nats.RetryOnFailedConnect(false),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("nats reconnected", "url", c.ConnectedUrlRedacted()) }),
		// A permissions violation reaches the client only here: a publish
		// or request beyond the user's permissions is otherwise a timeout.
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			if sub != nil {
				log.Error("nats error", "subject", sub.Subject, "err", err)
				return
			}
			log.Error("nats error", "err", err)
		}),
	}, opts...)
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("connect nats: %w", err)
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(publishTimeout))
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("jetstream: %w", err)
	}
	return nc, js, nil
}

// Ready is a readiness check for the connection.
func Ready(nc *nats.Conn) func(context.Context) error {
	return func(context.Context) error {
		if !nc.IsConnected() {
			return fmt.Errorf("nats not connected (status %v)", nc.Status())
		}
		return nil
	}
}
