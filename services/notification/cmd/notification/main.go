// Command notification turns Tuijin's events into messages for people: the
// in-app inbox, e-mail, chat-robot webhooks and SMS.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/pkg/platform"
	"github.com/tuijin/tuijin/services/notification/internal/channel"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
	"github.com/tuijin/tuijin/services/notification/internal/store"
	"github.com/tuijin/tuijin/services/notification/internal/transport"
)

type config struct {
	platform.Config
	OrgFile        string `conf:"help:organisation YAML (empty: the demo organisation)"`
	RecipientsFile string `conf:"help:recipients YAML with addresses and preferences (empty: none)"`
	SMTP           struct {
		Addr     string `conf:"help:SMTP server host:port (empty: e-mail is not configured and e-mail deliveries are dead-lettered)"`
		From     string `conf:"default:tuijin@localhost"`
		FromName string `conf:"default:重点项目推进服务"`
		Username string
		Password string `conf:"mask"`
	}
	Webhook struct {
		AllowPrivate bool     `conf:"help:let webhooks reach loopback and private addresses (test rigs, robots on the internal network); off, a webhook that resolves to one is refused"`
		Hosts        []string `conf:"help:the hosts webhooks may call, comma-separated (*.example.cn for a domain's hosts); empty: any public host"`
	}
	SMS struct {
		Driver    string `conf:"default:log,help:SMS gateway driver (log writes messages to the log)"`
		Signature string `conf:"default:【重点项目推进】"`
	}
	Retry struct {
		Backoff     string        `conf:"help:waits after failed attempts 1 2 ... as a comma-separated list; the last repeats"`
		MaxAttempts int           `conf:"default:7,help:attempts before a delivery is dead-lettered"`
		Interval    time.Duration `conf:"default:2s,help:how often the retry queue is polled"`
	}
	DigestAt     string        `conf:"default:18:00,help:time of day (Beijing) the daily digests go out; off: never"`
	SummaryAt    string        `conf:"default:off,help:time of day (Beijing) every department gets its daily summary (e.g. 17:30); off: never"`
	BulletinAt   string        `conf:"default:off,help:time on Mondays (Beijing) the weekly bulletin of the week before goes out (e.g. 09:00); off: never"`
	Lease        time.Duration `conf:"default:2m,help:how long a claimed send may take before another worker takes over"`
	SendTimeout  time.Duration `conf:"default:10s"`
	InlineBudget time.Duration `conf:"default:5s,help:time an event's handler spends on first attempts before queuing the rest for the worker"`
}

func main() {
	cfg := newConfig()
	platform.Main("notification", cfg, setup(cfg))
}

func newConfig() *config {
	c := &config{Config: platform.Defaults("127.0.0.1:8085", "tuijin_notification")}
	// Preset rather than a tag default: conf tags split on commas.
	c.Retry.Backoff = "30s,2m,10m,30m,2h,6h"
	return c
}

func setup(cfg *config) platform.Setup {
	return func(ctx context.Context, app *platform.App) error {
		clk := app.Clock
		o, err := org.Load(cfg.OrgFile)
		if err != nil {
			return err
		}
		// Events naming another department are dead-lettered unread.
		departments := o.DepartmentCodes()
		app.Departments = departments
		dir := notification.Directory{}
		if cfg.RecipientsFile != "" {
			b, err := os.ReadFile(cfg.RecipientsFile)
			if err != nil {
				return fmt.Errorf("recipients file: %w", err)
			}
			if dir, err = notification.ParseDirectory(b); err != nil {
				return err
			}
		}
		backoff, err := notification.ParseBackoff(cfg.Retry.Backoff)
		if err != nil {
			return fmt.Errorf("retry backoff: %w", err)
		}
		if cfg.Lease <= cfg.SendTimeout {
			return fmt.Errorf("lease %s must exceed send timeout %s", cfg.Lease, cfg.SendTimeout)
		}
		tpl, err := notification.LoadTemplates()
		if err != nil {
			return err
		}
		guard := channel.Guard{AllowPrivate: cfg.Webhook.AllowPrivate, Hosts: cfg.Webhook.Hosts}
		if len(guard.Hosts) == 0 {
			app.Log.Warn("no webhook host allow-list (TUIJIN_WEBHOOK_HOSTS): a department's leader may point webhooks at any public host")
		}
		senders := map[string]notification.Sender{
			notification.ChannelWebhook: channel.NewWebhook(guard.Client(cfg.SendTimeout)),
		}
		switch cfg.SMS.Driver {
		case "log":
			senders[notification.ChannelSMS] = channel.SMS{Gateway: channel.LogGateway{Log: app.Log}, Signature: cfg.SMS.Signature}
		default:
			return fmt.Errorf("unknown SMS driver %q", cfg.SMS.Driver)
		}
		if cfg.SMTP.Addr != "" {
			m, err := channel.NewMailer(channel.SMTPConfig{Addr: cfg.SMTP.Addr, From: cfg.SMTP.From, FromName: cfg.SMTP.FromName,
				Username: cfg.SMTP.Username, Password: cfg.SMTP.Password}, clk.Now)
			if err != nil {
				return err
			}
			senders[notification.ChannelEmail] = m
		} else {
			app.Log.Warn("no SMTP server configured: e-mail deliveries will be dead-lettered")
		}

		st := store.New(app.DB)
		if err := st.EnsureIndexes(ctx); err != nil {
			return err
		}
		transport.QueueGauge(app.Registry, st.QueueLength)
		names := notification.Names{
			Department: func(code string) (string, bool) { d, ok := o.Department(code); return d.Name, ok },
			Leader:     func(code string) (string, bool) { d, ok := o.Department(code); return d.Leader, ok },
			Officer:    officerCode(o),
		}
		// The delivery counters count what the service writes of its
		// deliveries: a decorator of the stores, not a dependency of the
		// domain.
		dl := transport.Instrument(transport.Deliveries{Entries: st, Queue: st}, transport.NewMetrics(app.Registry))
		svc := notification.NewService(notification.Deps{
			Entries: dl.Entries, Queue: dl.Queue, Prefs: st, Projects: st, Stats: st, Delays: store.NewDelays(app.DB), Templates: tpl, Names: names, Directory: dir, Senders: senders, CheckWebhook: guard.CheckURL, Clock: clk, Log: app.Log,
			Config: notification.Config{Retry: notification.RetryPolicy{MaxAttempts: cfg.Retry.MaxAttempts, Backoff: backoff},
				Lease: cfg.Lease, SendTimeout: cfg.SendTimeout, InlineBudget: cfg.InlineBudget},
			Departments: departments,
			Schedule:    notification.Schedule{DigestAt: cfg.DigestAt, BulletinAt: cfg.BulletinAt, SummaryAt: cfg.SummaryAt},
		})
		transport.Routes(app.HTTP.Mux, svc, app.Log)
		for _, c := range append(transport.Consumers(svc), transport.BriefingConsumer(svc)) {
			if err := app.Consume(ctx, c.Spec, c.Handler); err != nil {
				return err
			}
		}
		app.Go(func(ctx context.Context) error {
			return notification.RunWorker(ctx, svc, cfg.Retry.Interval, app.Log)
		})
		return nil
	}
}

// officerCode finds the officer a token names by code or by name.
func officerCode(o *org.Org) func(string) (string, bool) {
	return func(s string) (string, bool) {
		for _, of := range o.Officers {
			if of.Code == s || of.Name == s {
				return of.Code, true
			}
		}
		return "", false
	}
}
