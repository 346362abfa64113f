package notification

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

func (s *service) Notify(ctx context.Context, n Notice) error {
	if err := n.Validate(); err != nil {
		return err
	}
	// A budget of running time, not of domain time: the wall clock.
	budget := time.Now().Add(s.Config.InlineBudget)
	for _, a := range n.To {
		prefs, err := s.effective(ctx, a)
		if err != nil {
			return err
		}
		title, body, err := s.Templates.Render(n.Template, n.For(a))
		if err != nil {
			return err // a template bug: retried, then dead-lettered by the bus
		}
		for _, ch := range prefs.Channels {
			if ch == ChannelInbox {
				if err := s.deliverInbox(ctx, n, a.Recipient, title, body); err != nil {
					return err
				}
				continue
			}
			addr := prefs.Address(ch)
			if addr == "" {
				s.Log.Warn("recipient has no address for channel", "recipient", a.Recipient, "channel", ch)
				continue
			}
			inline := time.Now().Before(budget)
			if err := s.deliver(ctx, n, a.Recipient, ch, addr, title, body, prefs, inline); err != nil {
				return err
			}
		}
	}
	return nil
}

// deliverInbox writes the entry under the delivery's id: the insert is the
// send, and a second one is a no-op.
func (s *service) deliverInbox(ctx context.Context, n Notice, recipient, title, body string) error {
	now := s.now()
	id := DeliveryID(n.EventID, recipient, ChannelInbox)
	err := s.Store.InsertEntry(ctx, Entry{ID: id, Recipient: recipient, Channel: ChannelInbox, Title: title, Body: body,
		ProjectCode: n.ProjectCode, ItemID: n.ItemID, GreenChannel: n.GreenChannel, EventID: n.EventID, CreatedAt: now})
	switch {
	case errors.Is(err, ErrDuplicate):
	case err != nil:
		return fmt.Errorf("deliver %s to %s: %w", id, recipient, err)
	default:
		s.Metrics.Delivered(ChannelInbox)
	}
	err = s.Store.InsertDelivery(ctx, Delivery{ID: id, EventID: n.EventID, EventType: n.EventType, Recipient: recipient,
		Channel: ChannelInbox, Title: title, Body: body, Status: StatusSent, Attempts: 1, NotBefore: now,
		CreatedAt: now, SentAt: &now})
	if err != nil && !errors.Is(err, ErrDuplicate) {
		return fmt.Errorf("log delivery %s: %w", id, err)
	}
	return nil
}

// deliver records the delivery, claimed by this very insert when it may go
// out now, and sends it; without inline it is queued for the worker, due at
// once. Quiet hours and digests hold it instead.
func (s *service) deliver(ctx context.Context, n Notice, recipient, ch, addr, title, body string, prefs Preferences, inline bool) error {
	now := s.now()
	d := Delivery{ID: DeliveryID(n.EventID, recipient, ch), EventID: n.EventID, EventType: n.EventType,
		Recipient: recipient, Channel: ch, Address: addr, Title: title, Body: body,
		Status: StatusSending, Attempts: 1, NotBefore: now.Add(s.Config.Lease), CreatedAt: now}
	quietEnd := now
	if ch == ChannelSMS {
		quietEnd = prefs.QuietUntil(now)
	}
	switch {
	case prefs.Digest:
		d.Status, d.Attempts, d.NotBefore = StatusDigest, 0, now
	case quietEnd.After(now):
		d.Status, d.Attempts, d.NotBefore = StatusPending, 0, quietEnd
	case !inline:
		d.Status, d.Attempts, d.NotBefore = StatusPending, 0, now
	}
	err := s.Store.InsertDelivery(ctx, d)
	if errors.Is(err, ErrDuplicate) {
		// A redelivered event: the delivery exists. Whoever claimed it sends
		// it; make sure it is queued in case that claimant crashed.
		cur, err := s.Store.Delivery(ctx, d.ID)
		if err != nil {
			return fmt.Errorf("delivery %s: %w", d.ID, err)
		}
		if Final(cur.Status) || cur.Status == StatusDigest {
			return nil
		}
		if err := s.Store.EnsureQueued(ctx, d.ID, cur.NotBefore); err != nil {
			return fmt.Errorf("queue delivery %s: %w", d.ID, err)
		}
		return s.attempt(ctx, d.ID)
	}
	if err != nil {
		return fmt.Errorf("record delivery %s: %w", d.ID, err)
	}
	if d.Status != StatusSending {
		return nil
	}
	return s.send(ctx, d, d.NotBefore)
}

// attempt claims a queued delivery and sends it. A delivery that is not
// due or claimed by another worker is left alone; a queue entry left over
// by a crash after the outcome was recorded is dropped.
func (s *service) attempt(ctx context.Context, id string) error {
	now := s.now()
	lease := now.Add(s.Config.Lease)
	err := s.Store.Claim(ctx, id, now, lease)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	d, err := s.Store.Delivery(ctx, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return s.Store.Release(ctx, id, true, time.Time{})
	case err != nil:
		return fmt.Errorf("delivery %s: %w", id, err)
	case Final(d.Status) || d.Status == StatusDigest:
		return s.Store.Release(ctx, id, true, time.Time{})
	}
	d.Status, d.NotBefore = StatusSending, lease
	d.Attempts++
	if err := s.Store.Record(ctx, d); err != nil {
		return err
	}
	return s.send(ctx, d, lease)
}

// send makes one attempt of delivery d, claimed until lease, and records
// its outcome if the claim still holds.
func (s *service) send(ctx context.Context, d Delivery, lease time.Time) error {
	var err error
	if sender, ok := s.Senders[d.Channel]; ok {
		sctx, cancel := context.WithTimeout(ctx, s.Config.SendTimeout)
		err = sender.Send(sctx, Message{DeliveryID: d.ID, Recipient: d.Recipient, Address: d.Address, Title: d.Title, Body: d.Body})
		cancel()
	} else {
		err = Permanent(fmt.Errorf("channel %s is not configured", d.Channel))
	}
	now := s.now()
	switch {
	case err == nil:
		d.Status, d.SentAt, d.LastError = StatusSent, &now, ""
	case IsPermanent(err) || d.Attempts >= s.Config.Retry.MaxAttempts:
		d.Status, d.DeadAt, d.LastError = StatusDead, &now, truncate(err.Error(), 500)
	default:
		d.Status, d.NotBefore, d.LastError = StatusRetry, now.Add(s.Config.Retry.Delay(d.Attempts)), truncate(err.Error(), 500)
	}
	// Recorded state first, the claim released after: a crash in between
	// leaves a queue entry whose next claim finds the delivery final.
	held, serr := s.Store.Holds(ctx, d.ID, lease)
	if serr != nil {
		return fmt.Errorf("settle delivery %s: %w", d.ID, serr)
	}
	if !held {
		s.Log.Warn("delivery claim lost before its outcome was recorded", "id", d.ID, "attempt", d.Attempts)
		return nil
	}
	if err := s.Store.Record(ctx, d); err != nil {
		return fmt.Errorf("settle delivery %s: %w", d.ID, err)
	}
	if err := s.Store.Release(ctx, d.ID, Final(d.Status), d.NotBefore); err != nil {
		return fmt.Errorf("settle delivery %s: %w", d.ID, err)
	}
	switch d.Status {
	case StatusSent:
		s.Metrics.Delivered(d.Channel)
	case StatusDead:
		s.Metrics.Failed(d.Channel)
		s.Metrics.Dead(d.Channel)
		s.Log.Error("delivery dead-lettered", "id", d.ID, "channel", d.Channel, "recipient", d.Recipient,
			"attempts", d.Attempts, "err", d.LastError)
	default:
		s.Metrics.Failed(d.Channel)
		s.Log.Warn("delivery failed, will retry", "id", d.ID, "channel", d.Channel, "attempt", d.Attempts,
			"retry_at", d.NotBefore, "err", d.LastError)
	}
	return nil
}

func (s *service) RetryDue(ctx context.Context) (int, error) {
	ids, err := s.Store.Due(ctx, s.now(), s.Config.DueBatch)
	if err != nil {
		return 0, fmt.Errorf("due deliveries: %w", err)
	}
	for _, id := range ids {
		if err := s.attempt(ctx, id); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// RunWorker retries due deliveries and sends the periodic messages every
// interval until ctx is done; a busy queue is drained without waiting.
func RunWorker(ctx context.Context, svc Service, interval time.Duration, log *slog.Logger) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := svc.RetryDue(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("retrying deliveries failed", "err", err)
		}
		if err := svc.Periodic(ctx); err != nil && ctx.Err() == nil {
			log.Warn("periodic messages failed", "err", err)
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
