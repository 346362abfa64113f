package deadline

import "testing"

func TestClassifyActionChange(t *testing.T) {
	for _, tt := range []struct {
		from, to string
		want     ChangeKind
	}{
		{"open", "done", ChangeStop},
		{"done", "confirmed", ChangeNone},
		{"done", "open", ChangeReopen},
		{"confirmed", "open", ChangeReopen},
		{"open", "open", ChangeNone},
	} {
		if got := ClassifyActionChange(tt.from, tt.to); got != tt.want {
			t.Errorf("%s → %s: %q, want %q", tt.from, tt.to, got, tt.want)
		}
	}
}

// An action reported done stops its clock: no next step. Reopened, it runs
// on with its due date, round and level, and the ladder goes on from there.
func TestActionDoneAndReopened(t *testing.T) {
	cal := official(t)
	d := ForAction(cal, ActionItem{ActionID: "a1", Department: "zrzy", CreatedAt: at(2026, 11, 23, 9), DueBy: at(2026, 11, 27, 18)})
	d.Level = LevelRed
	done, changed := d.Apply(cal, Change{Kind: ChangeStop, At: at(2026, 11, 30, 10), Outcome: "done"})
	if !changed || done.State != StateStopped || done.WithNext(cal, DefaultPolicy).NextLevel != "" {
		t.Fatalf("done: changed %v %+v", changed, done)
	}
	if _, again := done.Apply(cal, Change{Kind: ChangeStop, At: at(2026, 11, 30, 11)}); again {
		t.Error("a second done changed the clock")
	}
	if _, early := done.Apply(cal, Change{Kind: ChangeReopen, At: at(2026, 11, 30, 9)}); early {
		t.Error("a reopen older than the done was applied")
	}
	open, changed := done.Apply(cal, Change{Kind: ChangeReopen, At: at(2026, 12, 1, 10)})
	if !changed || open.State != StateRunning || !open.StoppedAt.IsZero() || open.Round != d.Round ||
		open.Level != LevelRed || !open.DueAt.Equal(d.DueAt) {
		t.Fatalf("reopened: %+v", open)
	}
	if next := open.WithNext(cal, DefaultPolicy); next.NextLevel != LevelUrge {
		t.Errorf("next step after reopen %s, want urge", next.NextLevel)
	}
	if _, ok := d.Apply(cal, Change{Kind: ChangeReopen, At: at(2026, 11, 30, 10)}); ok {
		t.Error("reopened a running clock")
	}
}
