package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

func TestStoreAgainstFerretDB(t *testing.T) {
	ctx := context.Background()
	st := New(testenv.Mongo(t).Database("tuijin_notification_test"))
	if err := st.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	entry := func(n int, recipient string) notification.Entry {
		return notification.Entry{
			ID: notification.EntryID(fmt.Sprint("event-", n), recipient, notification.ChannelInbox), Recipient: recipient,
			Channel: notification.ChannelInbox, Title: fmt.Sprint("title ", n), Body: "body", ProjectCode: "p", ItemID: "i",
			EventID: fmt.Sprint("event-", n), CreatedAt: t0.Add(time.Duration(n) * time.Minute),
		}
	}
	var zrzy []notification.Entry
	for n := 1; n <= 4; n++ {
		e := entry(n, "dept:zrzy")
		zrzy = append(zrzy, e)
		if err := st.InsertEntry(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.InsertEntry(ctx, entry(9, "dept:fgw")); err != nil {
		t.Fatal(err)
	}

	t.Run("a second insert of an id is a duplicate", func(t *testing.T) {
		e := zrzy[0]
		e.Title = "changed"
		if err := st.InsertEntry(ctx, e); !errors.Is(err, notification.ErrDuplicate) {
			t.Fatalf("got %v, want ErrDuplicate", err)
		}
		items, _, _ := st.Inbox(ctx, notification.InboxQuery{Recipient: "dept:zrzy", Limit: 50})
		if len(items) != 4 || items[3].Title != "title 1" {
			t.Fatalf("duplicate insert changed the inbox: %+v", items)
		}
	})

	t.Run("inbox pages newest first and counts unread", func(t *testing.T) {
		items, unread, err := st.Inbox(ctx, notification.InboxQuery{Recipient: "dept:zrzy", Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if unread != 4 || len(items) != 3 {
			t.Fatalf("unread %d, %d items; want 4 and 3", unread, len(items))
		}
		for i, want := range []int{4, 3, 2} {
			if items[i].ID != zrzy[want-1].ID {
				t.Fatalf("item %d is %q, want title %d", i, items[i].Title, want)
			}
		}
		if !items[0].CreatedAt.Equal(zrzy[3].CreatedAt) || items[0].Recipient != "dept:zrzy" || items[0].Read {
			t.Fatalf("round trip lost fields: %+v", items[0])
		}
	})

	t.Run("mark read is idempotent and keeps the first read time", func(t *testing.T) {
		first := t0.Add(time.Hour)
		e, err := st.MarkRead(ctx, zrzy[3].ID, first)
		if err != nil {
			t.Fatal(err)
		}
		if !e.Read || e.ReadAt == nil || !e.ReadAt.Equal(first) {
			t.Fatalf("after mark read: %+v", e)
		}
		e, err = st.MarkRead(ctx, zrzy[3].ID, first.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if !e.Read || !e.ReadAt.Equal(first) {
			t.Fatalf("second mark read changed the entry: %+v", e)
		}
		items, unread, err := st.Inbox(ctx, notification.InboxQuery{Recipient: "dept:zrzy", UnreadOnly: true, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		if unread != 3 || len(items) != 3 || items[0].ID != zrzy[2].ID {
			t.Fatalf("unread %d, items %+v", unread, items)
		}
	})

	t.Run("readers marking one entry at once agree on the first read time", func(t *testing.T) {
		var wg sync.WaitGroup
		got := make([]notification.Entry, 6)
		for g := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e, err := st.MarkRead(ctx, zrzy[2].ID, t0.Add(time.Duration(g+1)*time.Hour))
				if err != nil {
					t.Error(err)
				}
				got[g] = e
			}()
		}
		wg.Wait()
		stored, _, err := st.Inbox(ctx, notification.InboxQuery{Recipient: "dept:zrzy", Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var first *time.Time
		for _, e := range stored {
			if e.ID == zrzy[2].ID {
				first = e.ReadAt
			}
		}
		if first == nil {
			t.Fatal("entry not read after six marks")
		}
		for g, e := range got {
			if !e.Read || e.ReadAt == nil || !e.ReadAt.Equal(*first) {
				t.Errorf("reader %d saw %+v, stored first read at %v", g, e, first)
			}
		}
	})

	t.Run("mark read of an unknown id is not found", func(t *testing.T) {
		if _, err := st.MarkRead(ctx, "no-such-entry", t0); !errors.Is(err, notification.ErrNotFound) {
			t.Fatalf("got %v, want ErrNotFound", err)
		}
	})

	t.Run("recipients do not see each other's entries", func(t *testing.T) {
		items, unread, err := st.Inbox(ctx, notification.InboxQuery{Recipient: "dept:fgw", Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		if unread != 1 || len(items) != 1 || items[0].Recipient != "dept:fgw" {
			t.Fatalf("unread %d, items %+v", unread, items)
		}
		items, unread, err = st.Inbox(ctx, notification.InboxQuery{Recipient: "dept:sthj", Limit: 50})
		if err != nil || unread != 0 || len(items) != 0 {
			t.Fatalf("empty inbox: unread %d, items %+v, err %v", unread, items, err)
		}
	})
}
