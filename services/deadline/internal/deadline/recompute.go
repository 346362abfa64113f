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
}

// Recomputer is the use case of a calendar that changed while the service
// runs: a year's official arrangement arrived.
type Recomputer interface {
	// Recompute recounts every provisional deadline not decided on the
	// calendar now in use; years are the years that changed (for the
	// note; nil when not known, as at start). A deadline whose due date
	// moved or that is no longer provisional gets its new due date, its
	// timer rescheduled and a tuijin.deadline.recomputed event. It reports
	// how many were recomputed.
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
	n := 0
	var errs []error
	for _, d := range ds {
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
		if !d.Provisional || d.State == StateStopped {
			return false, nil
		}
		next := d.withDue(cal)
		if next.DueAt.Equal(d.DueAt) && next.Provisional {
			return false, nil // nothing of its range was published yet
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
		err = r.Store.Update(ctx, next)
		if errors.Is(err, ErrConflict) && attempt < 5 {
			continue
		}
		if err != nil {
			return false, err
		}
		next.Version++
		return true, r.settle(ctx, next)
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
	fmt.Fprintf(&b, "%s已公布，按官方日历重新计算截止日期：", which)
	if was.DueDate == d.DueDate {
		fmt.Fprintf(&b, "%s不变", cnDate(parse(d.DueDate)))
	} else {
		fmt.Fprintf(&b, "由%s调整为%s", cnDate(parse(was.DueDate)), cnDate(parse(d.DueDate)))
	}
	if d.Provisional {
		b.WriteString("（仍有年份未公布，仍为暂定）")
	} else {
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
