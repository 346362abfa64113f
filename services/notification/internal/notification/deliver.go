package notification

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

func (s *Service) Notify(ctx context.Context, n Notice) error {
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
func (s *Service) deliverInbox(ctx context.Context, n Notice, recipient, title, body string) error {
	now := s.now()
	id := DeliveryID(n.EventID, recipient, ChannelInbox)
	err := s.Entries.InsertEntry(ctx, Entry{ID: id, Recipient: recipient, Channel: ChannelInbox, Title: title, Body: body,
		ProjectCode: n.ProjectCode, ItemID: n.ItemID, GreenChannel: n.GreenChannel, EventID: n.EventID, CreatedAt: now})
	if err != nil && !errors.Is(err, ErrDuplicate) {
		return fmt.Errorf("deliver %s to %s: %w", id, recipient, err)
	}
	err = s.Queue.InsertDelivery(ctx, Delivery{ID: id, EventID: n.EventID, EventType: n.EventType, Recipient: recipient,
		Channel: ChannelInbox, Title: title, Body: body, Status: StatusSent, Attempts: 1, NotBefore: now,
		CreatedAt: now, SentAt: &now, Version: 1})
	if err != nil && !errors.Is(err, ErrDuplicate) {
		return fmt.Errorf("log delivery %s: %w", id, err)
	}
	return nil
}

// deliver records the delivery, claimed by this very insert when it may go
// out now, and sends it; without inline it is queued for the worker, due at
// once. Quiet hours and digests hold it instead.
func (s *Service) deliver(ctx context.Context, n Notice, recipient, ch, addr, title, body string, prefs Preferences, inline bool) error {
	now := s.now()
	d := Delivery{ID: DeliveryID(n.EventID, recipient, ch), EventID: n.EventID, EventType: n.EventType,
		Recipient: recipient, Channel: ch, Address: addr, Title: title, Body: body,
		Status: StatusSending, Attempts: 1, NotBefore: now.Add(s.Config.Lease), CreatedAt: now, Version: 1}
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
	err := s.Queue.InsertDelivery(ctx, d)
	if errors.Is(err, ErrDuplicate) {
		// A redelivered event: the delivery exists. Whoever claimed it sends
		// it; make sure it is queued in case that claimant crashed.
		cur, err := s.Queue.Delivery(ctx, d.ID)
		if err != nil {
			return fmt.Errorf("delivery %s: %w", d.ID, err)
		}
		if Final(cur.Status) || cur.Status == StatusDigest {
			return nil
		}
		if err := s.Queue.EnsureQueued(ctx, d.ID, cur.NotBefore); err != nil {
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
	return s.send(ctx, d)
}

// attempt claims the next attempt of a queued delivery and sends it. A
// delivery that is final, not due, or whose attempt another worker holds is
// left alone (and its schedule put right). Attempt 1 is claimed by the
// delivery's insert and leased until its NotBefore; attempt n > 1 by
// moving the delivery, at the version read, to sending under a new lease:
// of the workers that read it, one wins. A delivery still sending when its
// lease ran out (its sender died or hangs) counts that attempt as made.
func (s *Service) attempt(ctx context.Context, id string) error {
	now := s.now()
	d, err := s.Queue.Delivery(ctx, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return s.Queue.Dequeue(ctx, id)
	case err != nil:
		return fmt.Errorf("delivery %s: %w", id, err)
	case Final(d.Status) || d.Status == StatusDigest:
		return s.Queue.Dequeue(ctx, id)
	case d.NotBefore.After(now):
		return s.Queue.Requeue(ctx, id, d.NotBefore)
	}
	lease := now.Add(s.Config.Lease)
	d.Status, d.NotBefore, d.Attempts = StatusSending, lease, d.Attempts+1
	err = s.Queue.Record(ctx, d)
	if errors.Is(err, ErrConflict) {
		return nil // another worker claimed it, or its sender settled it: they schedule it
	}
	if err != nil {
		return fmt.Errorf("claim attempt %d of %s: %w", d.Attempts, id, err)
	}
	d.Version++
	if err := s.Queue.Requeue(ctx, id, lease); err != nil {
		return err
	}
	return s.send(ctx, d)
}

// send makes attempt d.Attempts of delivery d, which the caller claimed,
// and records its outcome unless the delivery moved on meanwhile (this
// attempt outlived its lease and the next one was claimed).
func (s *Service) send(ctx context.Context, d Delivery) error {
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
	case IsPermanent(err) || d.Attempts-d.AttemptsBase >= s.Config.Retry.MaxAttempts:
		d.Status, d.DeadAt, d.LastError = StatusDead, &now, truncate(err.Error(), 500)
	default:
		d.Status, d.NotBefore, d.LastError = StatusRetry, now.Add(s.Config.Retry.Delay(d.Attempts-d.AttemptsBase)), truncate(err.Error(), 500)
	}
	// Recorded state first, the schedule after: a crash in between leaves
	// a queue entry whose next look finds the delivery final.
	switch err := s.Queue.Record(ctx, d); {
	case errors.Is(err, ErrConflict):
		s.Log.Warn("delivery taken over before its outcome was recorded", "id", d.ID, "attempt", d.Attempts)
		return nil
	case err != nil:
		return fmt.Errorf("settle delivery %s: %w", d.ID, err)
	}
	var qerr error
	if Final(d.Status) {
		qerr = s.Queue.Dequeue(ctx, d.ID)
	} else {
		qerr = s.Queue.Requeue(ctx, d.ID, d.NotBefore)
	}
	if qerr != nil {
		return fmt.Errorf("settle delivery %s: %w", d.ID, qerr)
	}
	switch d.Status {
	case StatusSent:
	case StatusDead:
		s.Log.Error("delivery dead-lettered", "id", d.ID, "channel", d.Channel, "recipient", d.Recipient,
			"attempts", d.Attempts, "err", d.LastError)
	default:
		s.Log.Warn("delivery failed, will retry", "id", d.ID, "channel", d.Channel, "attempt", d.Attempts,
			"retry_at", d.NotBefore, "err", d.LastError)
	}
	return nil
}

func (s *Service) RetryDue(ctx context.Context) (int, error) {
	ids, err := s.Queue.Due(ctx, s.now(), s.Config.DueBatch)
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
func RunWorker(ctx context.Context, svc Worker, interval time.Duration, log *slog.Logger) error {
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
