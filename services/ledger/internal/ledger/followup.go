package ledger

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// SupplementMiss is the deadline service's report that an owner did not
// deliver the 容缺 materials by the date the department set
// (tuijin.deadline.supplement.missed).
type SupplementMiss struct {
	ItemID string
	// Due is the instant the materials were due, At when the miss was
	// reported.
	Due, At time.Time
}

// ActSupplementMissed is the timeline's entry of a 容缺 deadline the owner
// missed; it is the system's, not an action anyone may take.
const ActSupplementMissed = "supplement_missed"

// RecordSupplementMissed marks item r.ItemID's 容缺 materials as missed,
// with a timeline entry naming what is owed and saying that the
// department's time limit is not charged: its status and due date stay as
// they are. An item whose materials arrived meanwhile, one no longer under
// way, or one already marked is left alone (a late or repeated report).
func (p *Project) RecordSupplementMissed(r SupplementMiss) bool {
	i := slices.IndexFunc(p.Items, func(it Item) bool { return it.ID == r.ItemID })
	if i < 0 {
		return false
	}
	it := &p.Items[i]
	sup := it.Supplement
	if !it.Status.Pending() || !sup.Open() || sup.MissedAt != nil {
		return false
	}
	at := r.At.UTC()
	it.Supplement = &Supplement{Materials: sup.Materials, Due: sup.Due, MissedAt: &at}
	note := fmt.Sprintf("建设单位未在%s前补齐容缺受理承诺补交的材料（%s），逾期责任在建设单位，不计入承办部门的办理时限。",
		cnDay(sup.Due.Add(-time.Nanosecond)), strings.Join(sup.Materials, "、"))
	it.Timeline = append(slices.Clip(it.Timeline), TimelineEntry{At: at, Action: ActSupplementMissed, Actor: "系统",
		Status: it.Status, Note: note})
	p.Version++
	return true
}

// cnDay writes t's day as officials do in a sentence: 2026年12月9日.
func cnDay(t time.Time) string {
	c := t.In(workday.Zone)
	return fmt.Sprintf("%d年%d月%d日", c.Year(), int(c.Month()), c.Day())
}

// RecordSupplementMissed applies a missed 容缺 deadline to the item's
// ledger, once however often it is delivered.
func (s *Service) RecordSupplementMissed(ctx context.Context, r SupplementMiss) error {
	code, _, ok := SplitItemID(r.ItemID)
	if !ok {
		return apperr.Invalid("ref_id", "invalid_item", "no item "+r.ItemID)
	}
	for range fileAttempts {
		p, err := s.store.Project(ctx, code)
		if errors.Is(err, ErrNotFound) {
			return apperr.NotFound("project_not_found", "no ledger for project "+code)
		}
		if err != nil {
			return fmt.Errorf("supplement missed %s: %w", r.ItemID, err)
		}
		base := p.Version
		if !p.RecordSupplementMissed(r) {
			return nil
		}
		err = s.store.Update(ctx, p, base, nil)
		if !errors.Is(err, ErrVersionConflict) {
			return err
		}
	}
	return fmt.Errorf("supplement missed %s: the ledger kept changing", r.ItemID)
}
