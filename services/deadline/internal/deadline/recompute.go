package deadline

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/event"
	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"
)

// ProvisionalStore is what recomputing needs of storage besides Store.
type ProvisionalStore interface {
	// Provisionals returns the deadlines not stopped that are marked
	// provisional.
	Provisionals(ctx context.Context) ([]Deadline, error)
	// Crossing returns the deadlines not stopped whose count runs over
	// [from, to): started before to and due after from.
	Crossing(ctx context.Context, from, to time.Time) ([]Deadline, error)
}

// Recomputer is the use case of a calendar that changed while the service
// runs: a year's official arrangement arrived.
type Recomputer interface {
	// Recompute recounts on the calendar now in use every provisional
	// deadline not decided, and every one not decided whose count runs
	// over one of years, the years whose arrangement changed (a file
	// arrived, or replaced one with a correction; nil when not known, as
	// at start). A deadline whose due date moved or whose provisional mark
	// changed gets its new due date, its timer rescheduled and a
	// tuijin.deadline.recomputed event. It reports how many were
	// recomputed.
	Recompute(ctx context.Context, years []int) (int, error)
}

// NewRecomputer returns the recomputation over cfg (the same store, timers
// and calendar as NewService's) and the store's provisional list.
func NewRecomputer(cfg Config, list ProvisionalStore) Recomputer {
	return &recomputer{service: &service{Config: cfg}, list: list}
}

type recomputer struct {
	*service
	list ProvisionalStore
}

func (r *recomputer) Recompute(ctx context.Context, years []int) (int, error) {
	ds, err := r.list.Provisionals(ctx)
	if err != nil {
		return 0, err
	}
	for _, y := range years {
		from := time.Date(y, time.January, 1, 0, 0, 0, 0, workday.Zone)
		crossing, err := r.list.Crossing(ctx, from, from.AddDate(1, 0, 0))
		if err != nil {
			return 0, err
		}
		ds = append(ds, crossing...)
	}
	n := 0
	var errs []error
	seen := map[string]bool{}
	for _, d := range ds {
		if seen[d.ID] {
			continue
		}
		seen[d.ID] = true
		done, err := r.recompute(ctx, d.ID, years)
		if err != nil {
			errs = append(errs, fmt.Errorf("recompute %s: %w", d.ID, err))
		}
		if done {
			n++
		}
	}
	return n, errors.Join(errs...)
}

// recompute recounts deadline id. The event goes out first under an id
// that is a function of the deadline and both due dates, then the new due
// date is recorded by a versioned write and the timer set, so a crash
// anywhere loses nothing and a second replica doing the same finds nothing
// left to do (or publishes the same id, which the stream drops).
func (r *recomputer) recompute(ctx context.Context, id string, years []int) (bool, error) {
	cal := r.Config.Calendar
	for attempt := 0; ; attempt++ {
		d, err := r.Store.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if d.State == StateStopped {
			return false, nil
		}
		next := d.withDue(cal)
		if next.DueAt.Equal(d.DueAt) && next.Provisional == d.Provisional {
			return false, nil // nothing of its range changed
		}
		next.Gen++
		next = next.WithNext(cal, r.Policy)
		msg, err := RecomputedEvent(ctx, d, next, years, r.Clock.Now())
		if err != nil {
			return false, err
		}
		if err := r.Publisher.Publish(ctx, msg); err != nil {
			return false, fmt.Errorf("publish recomputed %s: %w", id, err)
		}
		rev, err := r.update(ctx, next)
		if errors.Is(err, ErrConflict) && attempt < 5 {
			continue
		}
		if err != nil {
			return false, err
		}
		next.Version++
		return true, r.settle(ctx, next, rev)
	}
}

// RecomputedNote is the timeline's note of a due date recomputed from was
// to d's, once the arrangement of years was published.
func RecomputedNote(was, d Deadline, years []int) string {
	which := "节假日安排"
	last := d.DueAt
	if was.DueAt.After(last) {
		last = was.DueAt
	}
	var ys []string
	for _, y := range years {
		if y >= d.Start.In(workday.Zone).Year() && y <= last.Add(-time.Nanosecond).In(workday.Zone).Year() {
			ys = append(ys, strconv.Itoa(y)+"年")
		}
	}
	if len(ys) > 0 {
		which = strings.Join(ys, "、") + "节假日安排"
	}
	var b strings.Builder
	if was.Provisional {
		fmt.Fprintf(&b, "%s已公布，按官方日历重新计算截止日期：", which)
	} else {
		fmt.Fprintf(&b, "%s已更新，按官方日历重新计算截止日期：", which)
	}
	if was.DueDate == d.DueDate {
		fmt.Fprintf(&b, "%s不变", cnDate(parse(d.DueDate)))
	} else {
		fmt.Fprintf(&b, "由%s调整为%s", cnDate(parse(was.DueDate)), cnDate(parse(d.DueDate)))
	}
	switch {
	case d.Provisional:
		b.WriteString("（仍有年份未公布，仍为暂定）")
	case was.Provisional:
		b.WriteString("，不再为暂定")
	}
	b.WriteString("。")
	return b.String()
}

// RecomputedEvent is the event of was's due date recomputed into d's.
func RecomputedEvent(ctx context.Context, was, d Deadline, years []int, now time.Time) (event.Message, error) {
	payload := &deadlinev1.DeadlineEvent{
		TimerId: d.ID, Kind: d.Kind, RefId: d.RefID, ProjectCode: d.ProjectCode, Department: d.Department,
		DueAt: timestamppb.New(d.DueAt), FiredAt: timestamppb.New(now), Title: d.Title, ProjectName: d.ProjectName,
		DueDate: d.DueDate, Provisional: d.Provisional, PreviousDueDate: was.DueDate,
		Note: RecomputedNote(was, d, years),
	}
	env, err := event.New(event.TypeDeadlineRecomputed, Producer, event.Ref("deadline", d.ID), now, payload)
	if err != nil {
		return event.Message{}, err
	}
	env.Id = uuid.NewSHA1(eventIDSpace, []byte(d.ID+"|"+strconv.Itoa(d.Round)+"|recomputed|"+was.DueDate+"|"+d.DueDate+"|"+strconv.FormatBool(d.Provisional))).String()
	return event.Encode(ctx, event.ForDepartment(env.GetType(), d.Department), env)
}
