package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

func TestDeliveriesAgainstFerretDB(t *testing.T) {
	ctx := context.Background()
	st := New(testenv.Mongo(t).Database("tuijin_notification_test"))
	if err := st.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	lease := 2 * time.Minute
	mk := func(event, recipient, status string, attempts int, notBefore time.Time) notification.Delivery {
		return notification.Delivery{ID: notification.DeliveryID(event, recipient, "email"), EventID: event, EventType: "t",
			Recipient: recipient, Channel: "email", Address: "a@b.example", Title: "标题", Body: "正文",
			Status: status, Attempts: attempts, NotBefore: notBefore, CreatedAt: t0}
	}

	lease0 := t0.Add(lease)
	sending := mk("e1", "dept:zrzy", notification.StatusSending, 1, lease0)
	if err := st.InsertDelivery(ctx, sending); err != nil {
		t.Fatal(err)
	}
	t.Run("inserting is claiming: a second insert is a duplicate, the queue holds the lease", func(t *testing.T) {
		if err := st.InsertDelivery(ctx, sending); !errors.Is(err, notification.ErrDuplicate) {
			t.Fatalf("got %v", err)
		}
		if err := st.Claim(ctx, sending.ID, t0, t0.Add(lease)); !errors.Is(err, notification.ErrNotFound) {
			t.Fatalf("claim during the lease: %v", err)
		}
		if held, err := st.Holds(ctx, sending.ID, lease0); err != nil || !held {
			t.Fatalf("the inserting claimant does not hold its claim: %v %v", held, err)
		}
		// Queuing again leaves the claim alone.
		if err := st.EnsureQueued(ctx, sending.ID, t0); err != nil {
			t.Fatal(err)
		}
		if held, _ := st.Holds(ctx, sending.ID, lease0); !held {
			t.Fatal("EnsureQueued overwrote a claim")
		}
	})
	t.Run("a failed attempt is queued for its retry", func(t *testing.T) {
		d := sending
		d.Status, d.NotBefore, d.LastError = notification.StatusRetry, t0.Add(30*time.Second), "smtp dial: refused"
		if err := st.Record(ctx, d); err != nil {
			t.Fatal(err)
		}
		if err := st.Release(ctx, d.ID, false, d.NotBefore); err != nil {
			t.Fatal(err)
		}
		if ids, _ := st.Due(ctx, t0.Add(29*time.Second), 10); len(ids) != 0 {
			t.Fatalf("due before its time: %v", ids)
		}
		ids, err := st.Due(ctx, t0.Add(30*time.Second), 10)
		if err != nil || len(ids) != 1 || ids[0] != d.ID {
			t.Fatalf("due %v, %v", ids, err)
		}
		if held, _ := st.Holds(ctx, d.ID, lease0); held {
			t.Fatal("the claim holds after its release")
		}
	})
	t.Run("claim takes a due retry once", func(t *testing.T) {
		now := t0.Add(31 * time.Second)
		if err := st.Claim(ctx, sending.ID, t0.Add(10*time.Second), t0.Add(lease)); !errors.Is(err, notification.ErrNotFound) {
			t.Fatalf("claim before due: %v", err)
		}
		l := now.Add(lease)
		if err := st.Claim(ctx, sending.ID, now, l); err != nil {
			t.Fatal(err)
		}
		if err := st.Claim(ctx, sending.ID, now, now.Add(lease+time.Second)); !errors.Is(err, notification.ErrNotFound) {
			t.Fatalf("second claim: %v", err)
		}
		d, err := st.Delivery(ctx, sending.ID)
		if err != nil || d.Status != notification.StatusRetry || d.LastError == "" {
			t.Fatalf("before the attempt %+v, %v", d, err)
		}
		sent := now.Add(time.Second)
		d.Attempts, d.Status, d.SentAt, d.LastError = 2, notification.StatusSent, &sent, ""
		if err := st.Record(ctx, d); err != nil {
			t.Fatal(err)
		}
		if err := st.Release(ctx, d.ID, true, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if ids, _ := st.Due(ctx, now.Add(24*time.Hour), 10); len(ids) != 0 {
			t.Fatalf("a sent delivery stays queued: %v", ids)
		}
		got, err := st.Delivery(ctx, d.ID)
		if err != nil || got.Status != notification.StatusSent || got.SentAt == nil || !got.SentAt.Equal(sent) || got.Attempts != 2 {
			t.Fatalf("after send %+v, %v", got, err)
		}
	})
	t.Run("a claimant that died is taken over after its lease; it no longer holds", func(t *testing.T) {
		stuck := mk("e2", "dept:fgw", notification.StatusSending, 1, t0.Add(lease))
		if err := st.InsertDelivery(ctx, stuck); err != nil {
			t.Fatal(err)
		}
		l2 := t0.Add(2 * lease)
		if err := st.Claim(ctx, stuck.ID, t0.Add(lease), l2); err != nil {
			t.Fatalf("takeover: %v", err)
		}
		if held, _ := st.Holds(ctx, stuck.ID, t0.Add(lease)); held {
			t.Fatal("the dead claimant still holds")
		}
		if held, _ := st.Holds(ctx, stuck.ID, l2); !held {
			t.Fatal("the new claimant does not hold")
		}
		dead := t0.Add(lease)
		stuck.Attempts, stuck.Status, stuck.DeadAt, stuck.LastError = 2, notification.StatusDead, &dead, "550 no such user"
		if err := st.Record(ctx, stuck); err != nil {
			t.Fatal(err)
		}
		if err := st.Release(ctx, stuck.ID, true, time.Time{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("pending deliveries are queued on insert, digests are not", func(t *testing.T) {
		p := mk("e3", "leader:zrzy", notification.StatusPending, 0, t0.Add(6*time.Hour))
		if err := st.InsertDelivery(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := st.InsertDelivery(ctx, mk("e4", "leader:fgw", notification.StatusDigest, 0, t0)); err != nil {
			t.Fatal(err)
		}
		if ids, _ := st.Due(ctx, t0.Add(6*time.Hour), 10); len(ids) != 1 || ids[0] != p.ID {
			t.Fatalf("due %v", ids)
		}
		if n, err := st.QueueLength(ctx); err != nil || n != 1 {
			t.Fatalf("queue length %d, %v", n, err)
		}
	})
	t.Run("the log filters by status, recipient and event", func(t *testing.T) {
		for _, tt := range []struct {
			q    notification.DeliveryQuery
			want int
		}{
			{notification.DeliveryQuery{Limit: 10}, 4},
			{notification.DeliveryQuery{Status: notification.StatusDead, Limit: 10}, 1},
			{notification.DeliveryQuery{Recipient: "dept:zrzy", Limit: 10}, 1},
			{notification.DeliveryQuery{EventID: "e3", Limit: 10}, 1},
			{notification.DeliveryQuery{EventID: "e3", Status: notification.StatusSent, Limit: 10}, 0},
			{notification.DeliveryQuery{Limit: 2}, 2},
		} {
			ds, err := st.Deliveries(ctx, tt.q)
			if err != nil || len(ds) != tt.want {
				t.Errorf("%+v: %d deliveries (%v), want %d", tt.q, len(ds), err, tt.want)
			}
		}
		dead, _ := st.Deliveries(ctx, notification.DeliveryQuery{Status: notification.StatusDead, Limit: 10})
		if len(dead) == 1 && (dead[0].LastError != "550 no such user" || dead[0].DeadAt == nil || dead[0].Recipient != "dept:fgw") {
			t.Errorf("dead letter %+v", dead[0])
		}
	})
	t.Run("preferences and projects round-trip by _id", func(t *testing.T) {
		if _, err := st.Preferences(ctx, "dept:zrzy"); !errors.Is(err, notification.ErrNotFound) {
			t.Fatalf("got %v", err)
		}
		p := notification.Preferences{Recipient: "dept:zrzy", Email: "a@b.example", Channels: []string{"inbox", "email"},
			Digest: true, QuietHours: &notification.QuietHours{Start: "22:00", End: "07:00"}}
		for range 2 {
			if err := st.PutPreferences(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		got, err := st.Preferences(ctx, "dept:zrzy")
		if err != nil || got.Email != p.Email || len(got.Channels) != 2 || !got.Digest || got.QuietHours == nil || got.QuietHours.End != "07:00" {
			t.Fatalf("got %+v, %v", got, err)
		}
		pr := notification.Project{Code: "2024-370481-04-01-123456", Name: "城北物流园", OwnerPhone: "13800000000", Officer: "wang"}
		if err := st.PutProject(ctx, pr); err != nil {
			t.Fatal(err)
		}
		if got, err := st.Project(ctx, pr.Code); err != nil || got != pr {
			t.Fatalf("got %+v, %v", got, err)
		}
		// An assignment naming another officer, then a re-registration without one.
		if err := st.PutProject(ctx, notification.Project{Code: pr.Code, Officer: "li"}); err != nil {
			t.Fatal(err)
		}
		if err := st.PutProject(ctx, notification.Project{Code: pr.Code, Name: "城北物流园二期"}); err != nil {
			t.Fatal(err)
		}
		if got, err := st.Project(ctx, pr.Code); err != nil || got.Officer != "li" || got.Name != "城北物流园二期" || got.OwnerPhone != pr.OwnerPhone {
			t.Fatalf("merged projection %+v, %v", got, err)
		}
		if _, err := st.Project(ctx, "2024-370481-04-01-000000"); !errors.Is(err, notification.ErrNotFound) {
			t.Fatalf("got %v", err)
		}
	})
}
