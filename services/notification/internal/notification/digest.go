package notification

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"
)

// StatusDigested marks a held message that went out inside a digest.
const StatusDigested = "digested"

// DigestEventType is the event type on digest deliveries in the log.
const DigestEventType = "tuijin.notification.digest"

// SendDigests sends each recipient, per channel, one message with what was
// held for its digest, and reports how many digests it sent. The digest's
// id names the day, recipient and channel: a day's digest goes out once;
// a held message that arrives after it waits for the next day's.
//
// The digest is recorded before the held messages are marked digested, so
// a crash in between repeats those messages in the next digest rather than
// dropping them.
func (s *Service) SendDigests(ctx context.Context) (int, error) {
	held, err := s.Queue.Deliveries(ctx, DeliveryQuery{Status: StatusDigest, Limit: 10000})
	if err != nil {
		return 0, fmt.Errorf("held deliveries: %w", err)
	}
	type key struct{ recipient, channel string }
	groups := map[key][]Delivery{}
	var keys []key
	for _, d := range held {
		k := key{d.Recipient, d.Channel}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], d)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].recipient+keys[i].channel < keys[j].recipient+keys[j].channel
	})
	now := s.now()
	day := now.In(CST).Format("2006-01-02")
	sent := 0
	for _, k := range keys {
		items := groups[k]
		sort.Slice(items, func(i, j int) bool { return items[i].CreatedAt.Before(items[j].CreatedAt) })
		eventID := "digest:" + day
		id := DeliveryID(eventID, k.recipient, k.channel)
		if _, err := s.Queue.Delivery(ctx, id); err == nil {
			continue // today's digest went out; these wait for tomorrow's
		} else if !errors.Is(err, ErrNotFound) {
			return sent, err
		}
		title, body, err := s.Templates.Render(TplDailyDigest, map[string]any{"Date": formatDay(now), "Items": items})
		if err != nil {
			return sent, err
		}
		lease := now.Add(s.Config.Lease)
		d := Delivery{ID: id, EventID: eventID, EventType: DigestEventType, Recipient: k.recipient, Channel: k.channel,
			Address: items[len(items)-1].Address, Title: title, Body: body, Status: StatusSending, Attempts: 1,
			NotBefore: lease, CreatedAt: now, Version: 1}
		err = s.Queue.InsertDelivery(ctx, d)
		if errors.Is(err, ErrDuplicate) {
			continue // another replica is sending it
		}
		if err != nil {
			return sent, fmt.Errorf("record digest %s: %w", id, err)
		}
		for _, h := range items {
			h.Status, h.LastError = StatusDigested, ""
			// A held message that changed meanwhile is judged afresh by
			// the next digest: at worst it is repeated there.
			if err := s.Queue.Record(ctx, h); err != nil && !errors.Is(err, ErrConflict) {
				return sent, err
			}
		}
		if err := s.send(ctx, d); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

// Schedule says when the periodic messages go out, in Beijing time.
type Schedule struct {
	// DigestAt is the daily digest's time of day, e.g. 18:00.
	DigestAt string
	// BulletinAt is the time on Mondays the weekly bulletin of the week
	// before goes out, e.g. 09:00.
	BulletinAt string
	// SummaryAt is the time of day every department gets its summary.
	SummaryAt string
}

// Periodic sends what is due: the daily digest once a day after DigestAt,
// the departments' summaries once a day after SummaryAt, the bulletin once
// a week after Monday's BulletinAt. Replicas may all
// call it: the messages' derived ids make each go out once.
func (s *Service) Periodic(ctx context.Context) error {
	now := s.now().In(CST)
	day := now.Format("2006-01-02")
	if due(now, s.Schedule.DigestAt) && s.lastDigest() != day {
		if _, err := s.SendDigests(ctx); err != nil {
			return err
		}
		s.setLastDigest(day)
	}
	if due(now, s.Schedule.SummaryAt) && s.lastSummary() != day {
		if err := s.SendSummaries(ctx); err != nil {
			return err
		}
		s.setLastSummary(day)
	}
	week := WeekStart(now)
	if now.Weekday() == time.Monday && due(now, s.Schedule.BulletinAt) && !s.lastBulletin().Equal(week) {
		if err := s.SendBulletin(ctx, week.AddDate(0, 0, -7)); err != nil {
			return err
		}
		s.setLastBulletin(week)
	}
	return nil
}

// due reports whether the time of day of now (Beijing time) reached hhmm;
// an empty hhmm never does.
func due(now time.Time, hhmm string) bool {
	if !hhmmRE.MatchString(hhmm) {
		return false
	}
	return now.Format("15:04") >= hhmm
}

// SendBulletin sends the weekly bulletin (通报) of the week from Monday
// from to every department.
func (s *Service) SendBulletin(ctx context.Context, from time.Time) error {
	stats, err := s.Stats.ItemStats(ctx)
	if err != nil {
		return fmt.Errorf("item statistics: %w", err)
	}
	rows := Bulletin(stats, s.Departments, from, from.AddDate(0, 0, 7), s.Names)
	n := BulletinNotice(rows, from)
	if s.Delays != nil {
		d, err := s.Delays.LatestCriticalDelays(ctx)
		switch {
		case err == nil:
			n = WithCriticalDelays(n, d, s.Names)
		case !errors.Is(err, ErrNotFound):
			return fmt.Errorf("critical delays: %w", err)
		}
	}
	return s.Notify(ctx, n)
}
