// Package deadline is Tuijin's clock: due dates in working days and the
// warning level of each running deadline. It is pure.
package deadline

import (
	"time"

	"github.com/tuijin/tuijin/pkg/workday"
)

// Level is how urgent a running deadline is.
type Level string

// Levels, from calm to overdue.
const (
	LevelGreen  Level = "green"
	LevelYellow Level = "yellow" // 黄灯: few working days left
	LevelRed    Level = "red"    // 红灯: overdue
)

// Valid reports whether l is a known level.
func (l Level) Valid() bool { return l == LevelGreen || l == LevelYellow || l == LevelRed }

// Deadline is the clock of one thing that must be done in time.
type Deadline struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	RefID       string    `json:"ref_id"`
	ProjectCode string    `json:"project_code"`
	ProjectName string    `json:"project_name,omitempty"`
	Title       string    `json:"title"`
	Department  string    `json:"department"`
	Start       time.Time `json:"start"`
	Days        int       `json:"working_days"`
	Immediate   bool      `json:"immediate,omitempty"`
	// DueAt is the instant the limit runs out (end of the last working day).
	DueAt time.Time `json:"due_at"`
	// DueDate is the last working day, as the officer reads it.
	DueDate string `json:"due_date"`
	// Level is computed when read.
	Level         Level `json:"level"`
	RemainingDays int   `json:"remaining_working_days"`
}

// ForItem returns the deadline of an assigned approval item: N working days
// from assignment for a 承诺件, the same working day for a 即办件.
func ForItem(cal workday.Calendar, itemID string, start time.Time, days int, immediate bool) Deadline {
	if immediate {
		days = 0
	}
	due := workday.DueAt(cal, start, days)
	return Deadline{
		ID: "item:" + itemID, Kind: "item", RefID: itemID, Start: start, Days: days, Immediate: immediate,
		DueAt: due, DueDate: due.AddDate(0, 0, -1).In(workday.Zone).Format(time.DateOnly),
	}
}

// Assess fills Level and RemainingDays as of now: red once due, yellow when
// at most yellowDays working days remain (counting today), green otherwise.
func (d Deadline) Assess(cal workday.Calendar, now time.Time, yellowDays int) Deadline {
	if !now.Before(d.DueAt) {
		d.Level, d.RemainingDays = LevelRed, 0
		return d
	}
	d.RemainingDays = workday.Count(cal, now, d.DueAt)
	d.Level = LevelGreen
	if d.RemainingDays <= yellowDays {
		d.Level = LevelYellow
	}
	return d
}
