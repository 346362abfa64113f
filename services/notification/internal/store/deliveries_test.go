package store

import (
	"context"
	"errors"
	"sync"
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
			Status: status, Attempts: attempts, NotBefore: notBefore, CreatedAt: t0, Version: 1}
	}

	lease0 := t0.Add(lease)
	sending := mk("e1", "dept:zrzy", notification.StatusSending, 1, lease0)
	if err := st.InsertDelivery(ctx, sending); err != nil {
		t.Fatal(err)
	}
	t.Run("inserting is claiming attempt 1: a second insert is a duplicate; it is queued at its lease", func(t *testing.T) {
		if err := st.InsertDelivery(ctx, sending); !errors.Is(err, notification.ErrDuplicate) {
			t.Fatalf("got %v", err)
		}
		if ids, _ := st.Due(ctx, lease0.Add(-time.Millisecond), 10); len(ids) != 0 {
			t.Fatalf("due during its lease: %v", ids)
		}
		if ids, _ := st.Due(ctx, lease0, 10); len(ids) != 1 || ids[0] != sending.ID {
			t.Fatalf("due at the lease's end: %v", ids)
		}
		// Queuing again leaves the schedule alone.
		if err := st.EnsureQueued(ctx, sending.ID, t0); err != nil {
			t.Fatal(err)
		}
		if ids, _ := st.Due(ctx, t0, 10); len(ids) != 0 {
			t.Fatalf("EnsureQueued moved the schedule: %v", ids)
		}
	})
	t.Run("of writers that read one version exactly one records, and the delivery holds its write", func(t *testing.T) {
		for round := range 5 {
			cur, err := st.Delivery(ctx, sending.ID)
			if err != nil {
				t.Fatal(err)
			}
			var winners []int
			var mu sync.Mutex
			var wg sync.WaitGroup
			start := make(chan struct{})
			for g := range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					d := cur
					d.Attempts, d.NotBefore = cur.Attempts+1, t0.Add(time.Duration(g+1)*time.Minute)
					<-start
					err := st.Record(ctx, d)
					switch {
					case err == nil:
						mu.Lock()
						winners = append(winners, g)
						mu.Unlock()
					case !errors.Is(err, notification.ErrConflict):
						t.Error(err)
					}
				}()
			}
			close(start)
			wg.Wait()
			if len(winners) != 1 {
				t.Fatalf("round %d: writers %v won, want exactly one", round, winners)
			}
			got, err := st.Delivery(ctx, sending.ID)
			if err != nil || got.Version != cur.Version+1 || got.Attempts != cur.Attempts+1 ||
				!got.NotBefore.Equal(t0.Add(time.Duration(winners[0]+1)*time.Minute)) {
				t.Fatalf("round %d: stored %+v (%v), want the write of %d at version %d", round, got, err, winners[0], cur.Version+1)
			}
		}
		stale := sending // read at version 1, long gone
		if err := st.Record(ctx, stale); !errors.Is(err, notification.ErrConflict) {
			t.Fatalf("record on a stale version: %v", err)
		}
		missing := sending
		missing.ID = "no-such-delivery"
		if err := st.Record(ctx, missing); !errors.Is(err, notification.ErrNotFound) {
			t.Fatalf("record of a missing delivery: %v", err)
		}
		cur, err := st.Delivery(ctx, sending.ID)
		if err != nil {
			t.Fatal(err)
		}
		sending = cur
	})
	t.Run("record and schedule by _id", func(t *testing.T) {
		d := sending
		d.Status, d.Attempts, d.NotBefore, d.LastError = notification.StatusRetry, 2, t0.Add(30*time.Second), "smtp dial: refused"
		if err := st.Record(ctx, d); err != nil {
			t.Fatal(err)
		}
		d.Version++
		if err := st.Requeue(ctx, d.ID, d.NotBefore); err != nil {
			t.Fatal(err)
		}
		if ids, _ := st.Due(ctx, t0.Add(29*time.Second), 10); len(ids) != 0 {
			t.Fatalf("due before its time: %v", ids)
		}
		if ids, _ := st.Due(ctx, t0.Add(30*time.Second), 10); len(ids) != 1 {
			t.Fatalf("due %v", ids)
		}
		sent := t0.Add(time.Minute)
		d.Attempts, d.Status, d.SentAt, d.LastError = 3, notification.StatusSent, &sent, ""
		if err := st.Record(ctx, d); err != nil {
			t.Fatal(err)
		}
		if err := st.Dequeue(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
		if ids, _ := st.Due(ctx, t0.Add(24*time.Hour), 10); len(ids) != 0 {
			t.Fatalf("a sent delivery stays queued: %v", ids)
		}
		got, err := st.Delivery(ctx, d.ID)
		if err != nil || got.Status != notification.StatusSent || got.SentAt == nil || !got.SentAt.Equal(sent) || got.Attempts != 3 {
			t.Fatalf("after send %+v, %v", got, err)
		}
	})
	t.Run("a dead letter and its redelivery", func(t *testing.T) {
		stuck := mk("e2", "dept:fgw", notification.StatusSending, 1, t0.Add(lease))
		if err := st.InsertDelivery(ctx, stuck); err != nil {
			t.Fatal(err)
		}
		dead := t0.Add(lease)
		stuck.Attempts, stuck.Status, stuck.DeadAt, stuck.LastError = 2, notification.StatusDead, &dead, "550 no such user"
		if err := st.Record(ctx, stuck); err != nil {
			t.Fatal(err)
		}
		stuck.Version++
		if err := st.Dequeue(ctx, stuck.ID); err != nil {
			t.Fatal(err)
		}
		again := stuck
		again.Status, again.AttemptsBase, again.DeadAt = notification.StatusRetry, 2, nil
		if err := st.Record(ctx, again); err != nil {
			t.Fatal(err)
		}
		stuck.Version++
		got, _ := st.Delivery(ctx, stuck.ID)
		if got.DeadAt != nil || got.AttemptsBase != 2 || got.Status != notification.StatusRetry {
			t.Fatalf("redelivered %+v", got)
		}
		if err := st.Record(ctx, stuck); err != nil { // dead again, for the log test below
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
		pr := notification.Project{Code: "2024-370481-04-01-123456", Name: "城北物流园", OwnerOrganisation: "城北物流园开发有限公司",
			OwnerPhone: "13800000000", Officer: "wang"}
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
		if got, err := st.Project(ctx, pr.Code); err != nil || got.Officer != "li" || got.Name != "城北物流园二期" || got.OwnerPhone != pr.OwnerPhone ||
			got.OwnerOrganisation != pr.OwnerOrganisation {
			t.Fatalf("merged projection %+v, %v", got, err)
		}
		if _, err := st.Project(ctx, "2024-370481-04-01-000000"); !errors.Is(err, notification.ErrNotFound) {
			t.Fatalf("got %v", err)
		}
	})
}
