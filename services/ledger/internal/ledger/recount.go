package ledger

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
)

// DueRecount is a due date the deadline service counted again when a year's
// official arrangement arrived (tuijin.deadline.recomputed): the item's
// limit had run into a year counted on weekends only.
type DueRecount struct {
	ItemID string
	Due    time.Time
	Note   string
	At     time.Time
}

// RecountDue gives item r.ItemID its recounted due date, with a timeline
// entry carrying the note, so that ledger and clock show the same date. A
// decided item, or one already at that date, is left alone (a repeat, or
// a recount that came after the decision).
func (p *Project) RecountDue(r DueRecount) bool {
	i := slices.IndexFunc(p.Items, func(it Item) bool { return it.ID == r.ItemID })
	if i < 0 {
		return false
	}
	it := &p.Items[i]
	if !it.Status.Pending() || it.Due == nil || it.Due.Equal(r.Due) {
		return false
	}
	due := r.Due.UTC()
	it.Due = &due
	it.Timeline = append(slices.Clip(it.Timeline), TimelineEntry{At: r.At.UTC(), Action: "recount", Actor: "系统",
		Status: it.Status, Note: r.Note})
	p.Version++
	return true
}

// RecountDue applies a recount to the item's ledger, once however often it
// is delivered.
func (s *Service) RecountDue(ctx context.Context, r DueRecount) error {
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
			return fmt.Errorf("recount %s: %w", r.ItemID, err)
		}
		base := p.Version
		if !p.RecountDue(r) {
			return nil
		}
		err = s.store.Update(ctx, p, base, nil)
		if !errors.Is(err, ErrVersionConflict) {
			return err
		}
	}
	return fmt.Errorf("recount %s: the ledger kept changing", r.ItemID)
}
