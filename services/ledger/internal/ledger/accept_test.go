package ledger

import (
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// A timely acceptance counts the promised days from 受理; a late one (after
// the acceptance window, or once the item is due) keeps the due date and is
// recorded as late, in the item and its timeline (行政许可法 §32).
func TestAcceptWithinWindowOrLate(t *testing.T) {
	cal := workday.Weekends{}
	// huanping: 15 promised days, no prerequisite, assigned Monday 23 Nov.
	tests := []struct {
		name       string
		acceptDays int
		at         time.Time
		wantLate   bool
	}{
		{"on the second day", 0, monday.AddDate(0, 0, 1), false},
		// The day of receipt does not count: the five days are Tue 24 to Mon 30.
		{"on the last day of the statutory window", 0, time.Date(2026, 11, 30, 17, 0, 0, 0, workday.Zone), false},
		{"the day after the window", 0, time.Date(2026, 12, 1, 9, 0, 0, 0, workday.Zone), true},
		{"after a shorter catalog window", 2, monday.AddDate(0, 0, 3), true},
		{"once the item is due", 0, monday.AddDate(0, 1, 0), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := demoProject(t)
			it, _ := p.Item(ItemID(code, "huanping"))
			it.AcceptDays = tt.acceptDays
			due := *it.Due
			req := ActionRequest{Action: ActAccept, Actor: "李科长", Version: p.Version}
			ch, err := p.Apply(it.ID, req, cal, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			got := ch.Item
			if got.AcceptedAt == nil || !got.AcceptedAt.Equal(tt.at) || got.AcceptedLate != tt.wantLate {
				t.Fatalf("accepted at %v late %v, want %s late %v", got.AcceptedAt, got.AcceptedLate, tt.at, tt.wantLate)
			}
			if last := got.Timeline[len(got.Timeline)-1]; last.Action != "accept" || last.Late != tt.wantLate {
				t.Errorf("timeline entry %+v, want accept late %v", last, tt.wantLate)
			}
			want := due
			if !tt.wantLate {
				want = workday.DueAt(cal, tt.at, got.PromisedDays).UTC()
			}
			if !got.Due.Equal(want) || !got.AssignedAt.Equal(monday) {
				t.Errorf("due %s assigned %s, want due %s and the assignment kept", got.Due, got.AssignedAt, want)
			}
		})
	}
}

// Resuming a suspension extends the limit past its last working day by the
// working days suspended, the way the clock (deadline) extends it.
func TestResumeExtendsPastTheLastDay(t *testing.T) {
	cal := workday.Weekends{}
	p := demoProject(t)
	id := ItemID(code, "lixiang") // 5 days from Mon 23 Nov: due end of Mon 30 Nov
	suspend := ActionRequest{Action: ActSuspend, Actor: "李科长", Note: "听证", Version: p.Version}
	if _, err := p.Apply(id, suspend, cal, monday); err != nil {
		t.Fatal(err)
	}
	resume := ActionRequest{Action: ActResume, Actor: "李科长", Version: p.Version}
	ch, err := p.Apply(id, resume, cal, monday.AddDate(0, 0, 7)) // Mon to Mon: 5 working days
	if err != nil {
		t.Fatal(err)
	}
	if want := workday.DueAt(cal, monday, 5+5).UTC(); !ch.Item.Due.Equal(want) {
		t.Errorf("due after resume %s, want %s", ch.Item.Due, want)
	}
}

// A supplement (补正) received before acceptance is the acceptance: the
// promised days count from it. After acceptance, the owner's working days
// are added, the way the clock (deadline) counts them.
func TestSupplementReceivedBeforeAndAfterAcceptance(t *testing.T) {
	cal := workday.Weekends{}
	tuesday, nextMonday := monday.AddDate(0, 0, 1), monday.AddDate(0, 0, 7)
	run := func(accept bool) Item {
		p := demoProject(t)
		id := ItemID(code, "huanping")
		steps := []ActionRequest{{Action: ActRequestSupplement, Note: "缺图纸"}, {Action: ActSupplementReceived}}
		at := []time.Time{tuesday, nextMonday}
		if accept {
			steps = append([]ActionRequest{{Action: ActAccept}}, steps...)
			at = append([]time.Time{monday}, at...)
		}
		var ch Change
		for i, req := range steps {
			req.Actor, req.Version = "李科长", p.Version
			var err error
			if ch, err = p.Apply(id, req, cal, at[i]); err != nil {
				t.Fatalf("%s: %v", req.Action, err)
			}
		}
		return ch.Item
	}
	if it := run(false); it.AcceptedAt == nil || !it.AcceptedAt.Equal(nextMonday) || !it.Due.Equal(workday.DueAt(cal, nextMonday, 15).UTC()) {
		t.Errorf("before acceptance: accepted %v due %s, want accepted on receipt and 15 days from it", it.AcceptedAt, it.Due)
	}
	if it := run(true); !it.AcceptedAt.Equal(monday) || !it.Due.Equal(workday.DueAt(cal, monday, 15+4).UTC()) {
		t.Errorf("after acceptance: accepted %v due %s, want the 4 working days Tue to Fri added", it.AcceptedAt, it.Due)
	}
}

// A suspension during an open 补正 is part of the one pause the owner's
// supplement makes: the days are added once, when the supplement arrives.
func TestSuspensionDuringSupplementCountsOnce(t *testing.T) {
	cal := workday.Weekends{}
	p := demoProject(t)
	id := ItemID(code, "huanping")
	for _, s := range []struct {
		a    Action
		at   time.Time
		note string
	}{
		{ActAccept, monday, ""},
		{ActRequestSupplement, monday.AddDate(0, 0, 1), "缺图纸"}, // Tue
		{ActSuspend, monday.AddDate(0, 0, 2), "听证"},            // Wed
		{ActResume, monday.AddDate(0, 0, 3), ""},               // Thu
		{ActSupplementReceived, monday.AddDate(0, 0, 7), ""},   // next Mon: Tue to Fri owed
	} {
		req := ActionRequest{Action: s.a, Actor: "李科长", Note: s.note, Version: p.Version}
		if _, err := p.Apply(id, req, cal, s.at); err != nil {
			t.Fatalf("%s: %v", s.a, err)
		}
	}
	it, _ := p.Item(id)
	if want := workday.DueAt(cal, monday, 15+4).UTC(); !it.Due.Equal(want) {
		t.Errorf("due %s, want %s: the 4 working days Tue to Fri added once", it.Due, want)
	}
}
