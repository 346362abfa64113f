package deadline

import (
	"testing"
	"time"
)

// An acceptance re-bases the clock only when it is timely; a late one
// (行政许可法 §32: the application counted as accepted on receipt) keeps
// start, due date and level, so accepting late cannot clear a red list.
func TestAcceptLateKeepsTheClock(t *testing.T) {
	cal := official(t)
	assigned := at(2026, 11, 23, 9) // Monday
	base := ForItem(cal, item(assigned, 5, false))
	supervised := base
	supervised.Level, supervised.LevelAt = LevelSupervise, base.DueAt.AddDate(0, 0, 7)
	suspended, _ := base.Apply(cal, Change{Kind: ChangePause, At: at(2026, 11, 23, 10)})
	suspended, _ = suspended.Apply(cal, Change{Kind: ChangeResume, At: at(2026, 11, 25, 10)})
	if suspended.PausedDays != 2 {
		t.Fatalf("suspension counted %d working days, want 2", suspended.PausedDays)
	}

	tests := []struct {
		name     string
		d        Deadline
		accept   Change
		wantLate bool
	}{
		{"timely", base, Change{Kind: ChangeAccept, At: at(2026, 11, 25, 10)}, false},
		{"timely after a suspension counts from 受理 alone", suspended, Change{Kind: ChangeAccept, At: at(2026, 11, 26, 10)}, false},
		{"the ledger says late", base, Change{Kind: ChangeAccept, At: at(2026, 11, 25, 10), Late: true}, true},
		{"on the due instant", base, Change{Kind: ChangeAccept, At: base.DueAt}, true},
		{"at 督办, from a ledger that sent no flag", supervised, Change{Kind: ChangeAccept, At: supervised.LevelAt.Add(time.Hour)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed := tt.d.Apply(cal, tt.accept)
			if !changed || !got.AcceptedAt.Equal(tt.accept.At) || got.AcceptedLate != tt.wantLate {
				t.Fatalf("changed %v accepted at %s late %v, want late %v", changed, got.AcceptedAt, got.AcceptedLate, tt.wantLate)
			}
			if got.Level != tt.d.Level {
				t.Errorf("level %s after accept, was %s", got.Level, tt.d.Level)
			}
			if tt.wantLate {
				if !got.Start.Equal(tt.d.Start) || !got.DueAt.Equal(tt.d.DueAt) || got.DueDate != tt.d.DueDate || got.PausedDays != tt.d.PausedDays {
					t.Errorf("late acceptance moved the clock: start %s due %s, was %s due %s", got.Start, got.DueDate, tt.d.Start, tt.d.DueDate)
				}
				return
			}
			fresh := ForItem(cal, item(tt.accept.At, 5, false))
			if !got.Start.Equal(tt.accept.At) || got.PausedDays != 0 || !got.DueAt.Equal(fresh.DueAt) {
				t.Errorf("timely acceptance: start %s paused %d due %s, want the promised days from 受理 (due %s)",
					got.Start, got.PausedDays, got.DueDate, fresh.DueDate)
			}
		})
	}
}

// After a late acceptance the ladder goes on where it was: the next step is
// the one above the level reached, at the instant it had before.
func TestAcceptLateLadderGoesOn(t *testing.T) {
	cal := official(t)
	d := ForItem(cal, item(at(2026, 11, 23, 9), 5, false))
	d.Level = LevelSupervise
	before, ok := d.NextStep(cal, DefaultPolicy, d.Level)
	if !ok || before.Level != LevelInterview {
		t.Fatalf("next step before accept %+v %v", before, ok)
	}
	after, _ := d.Apply(cal, Change{Kind: ChangeAccept, At: before.At.Add(-time.Hour)})
	next, ok := after.NextStep(cal, DefaultPolicy, after.Level)
	if !ok || next != before {
		t.Errorf("next step after late accept %+v, want %+v", next, before)
	}
}

// A supplement (补正) received before acceptance is the acceptance: the
// promised days count from it. Received after acceptance, it resumes the
// clock with the owner's working days added.
func TestSupplementReceived(t *testing.T) {
	cal := official(t)
	assigned := at(2026, 11, 23, 9)
	received := at(2026, 11, 30, 9)
	before, _ := ForItem(cal, item(assigned, 5, false)).Apply(cal, Change{Kind: ChangePause, At: at(2026, 11, 24, 9)})
	got, ok := before.Apply(cal, Change{Kind: ChangeSupplied, At: received})
	if want := ForItem(cal, item(received, 5, false)); !ok || got.State != StateRunning || !got.AcceptedAt.Equal(received) ||
		!got.DueAt.Equal(want.DueAt) || got.PausedDays != 0 {
		t.Errorf("before acceptance: %+v, want accepted on receipt of the materials, due %s", got, want.DueDate)
	}
	accepted, _ := ForItem(cal, item(assigned, 5, false)).Apply(cal, Change{Kind: ChangeAccept, At: assigned.Add(time.Hour)})
	paused, _ := accepted.Apply(cal, Change{Kind: ChangePause, At: at(2026, 11, 24, 9)})
	got, ok = paused.Apply(cal, Change{Kind: ChangeSupplied, At: received})
	if !ok || got.PausedDays != 4 || !got.AcceptedAt.Equal(accepted.AcceptedAt) || !got.Start.Equal(accepted.Start) {
		t.Errorf("after acceptance: %+v, want the 4 working days Tue to Fri added", got)
	}
}
