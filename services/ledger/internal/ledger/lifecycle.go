package ledger

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// Stages of a project's life (seed 003: 谋划一批、储备一批、审批一批、开工一批),
// plus 在建 and 竣工, in the order a project passes them.
const (
	StagePlanning  = "planning"
	StageReserve   = "reserve"
	StageApproving = "approving"
	StageStarted   = "started"
	StageBuilding  = "building"
	StageCompleted = "completed"
)

// Stages lists the stages in their order.
var Stages = []string{StagePlanning, StageReserve, StageApproving, StageStarted, StageBuilding, StageCompleted}

// StageNames are the stages as the seeds and the spreadsheets name them;
// an update may give either.
var StageNames = map[string]string{"谋划": StagePlanning, "储备": StageReserve, "审批": StageApproving,
	"开工": StageStarted, "在建": StageBuilding, "竣工": StageCompleted}

var stageLabels = map[string]string{StagePlanning: "谋划", StageReserve: "储备", StageApproving: "审批",
	StageStarted: "开工", StageBuilding: "在建", StageCompleted: "竣工"}

// ErrPermitRequired is in the chain of the refusal of 开工 before the
// construction permit is approved, without an override (409 permit_required).
var ErrPermitRequired = errors.New("construction permit required")

// stageRank is s's place in Stages; a ledger without a stage (older data)
// counts as approving, where registration used to put every project.
func stageRank(s string) int {
	if s == "" {
		s = StageApproving
	}
	return slices.Index(Stages, s)
}

// Holds reports whether a project in stage holds its items as planned:
// a 谋划 or 储备 project is on the list, not yet applying, so no department
// gets its items and no clock runs.
func Holds(stage string) bool { return stage == StagePlanning || stage == StageReserve }

// plannedReason says why the items of a project in stage wait.
func plannedReason(stage string) string {
	return fmt.Sprintf("项目处于%s阶段（%s）：事项暂不派发，项目转入审批阶段后交办", stageLabels[stage], stage)
}

// hold marks every item planned: listed in the ledger, dispatched to no one.
func (p *Project) hold(now time.Time) {
	reason := plannedReason(p.Stage)
	for i := range p.Items {
		it := &p.Items[i]
		it.Status, it.PlannedReason = StatusPlanned, reason
		it.Timeline = []TimelineEntry{{At: now, Action: "planned", Actor: "system", Status: StatusPlanned, Note: reason}}
	}
}

// release turns the planned items into waiting ones and assigns those
// that are ready, as registration does for an approving project.
func (p *Project) release(actor string, cal workday.Calendar, now time.Time) []Item {
	for i := range p.Items {
		it := &p.Items[i]
		if it.Status != StatusPlanned {
			continue
		}
		it.Status, it.PlannedReason = StatusWaiting, ""
		it.Timeline = append(slices.Clip(it.Timeline), TimelineEntry{At: now, Action: "release", Actor: actor,
			From: StatusPlanned, Status: StatusWaiting, Note: "项目转入审批阶段"})
	}
	return p.assignReady(cal, now)
}

// ProgressEntry records an update of a project's stage or 形象进度: the
// project's own timeline.
type ProgressEntry struct {
	At time.Time `json:"at"`
	// Actor made the update.
	Actor string `json:"actor"`
	// From is the stage before, when the update changed it.
	From          string `json:"from,omitempty"`
	Stage         string `json:"stage"`
	ImageProgress string `json:"image_progress,omitempty"`
	// Override is the reason given for 开工 without the construction permit.
	Override string `json:"override_reason,omitempty"`
	// Assigned are the items the move to 审批 dispatched.
	Assigned []string `json:"assigned,omitempty"`
	// PlannedStart is the planned start (计划开工) the update set.
	PlannedStart *Date `json:"planned_start,omitempty"`
}

// ProgressUpdate changes a project's stage and/or its 形象进度 (a short
// description of the visible construction progress).
type ProgressUpdate struct {
	Stage, ImageProgress, Actor string
	// OverrideReason lets the project start (开工) before the
	// construction permit is approved, and says why.
	OverrideReason string
	// PlannedStart sets the day the project plans to start (计划开工),
	// like 2027-03-01; empty leaves it as it is.
	PlannedStart string
	Version      int64
}

// StageChange is what an update did: the stage before and after, and the
// items it dispatched (a move out of 谋划/储备).
type StageChange struct {
	From, To string
	Assigned []Item
}

// UpdateProgress applies u. permit is the catalog key of the construction
// permit (施工许可), which must be approved before the project reaches 开工
// unless u gives an override reason. A project leaving 谋划/储备 dispatches
// its ready items. Stages only move forward.
func (p *Project) UpdateProgress(u ProgressUpdate, permit string, cal workday.Calendar, now time.Time) (StageChange, error) {
	if err := checkActor(u.Actor); err != nil {
		return StageChange{}, err
	}
	to := strings.TrimSpace(u.Stage)
	if code, ok := StageNames[to]; ok {
		to = code
	}
	if to != "" && !slices.Contains(Stages, to) {
		return StageChange{}, apperr.Invalid("stage", "invalid_stage",
			fmt.Sprintf("unknown stage %q; one of %s (or 谋划, 储备, 审批, 开工, 在建, 竣工)", u.Stage, strings.Join(Stages, ", ")))
	}
	image := strings.TrimSpace(u.ImageProgress)
	if len(image) > maxNote {
		return StageChange{}, apperr.Invalid("image_progress", "too_long", fmt.Sprintf("image_progress exceeds %d bytes", maxNote))
	}
	override := strings.TrimSpace(u.OverrideReason)
	if len(override) > maxNote {
		return StageChange{}, apperr.Invalid("override_reason", "too_long", fmt.Sprintf("override_reason exceeds %d bytes", maxNote))
	}
	var plan *Date
	if strings.TrimSpace(u.PlannedStart) != "" {
		d, err := ParseDate("planned_start", u.PlannedStart)
		if err != nil {
			return StageChange{}, err
		}
		plan = &d
	}
	if u.Version != p.Version {
		return StageChange{}, staleVersion(u.Version, p.Version)
	}
	from := p.Stage
	if to == from {
		to = ""
	}
	if plan != nil && p.PlannedStart != nil && plan.Equal(p.PlannedStart.Time) {
		plan = nil
	}
	if to == "" && image == "" && plan == nil {
		return StageChange{}, apperr.Invalid("stage", "nothing_to_change",
			fmt.Sprintf("give a new stage (the project is %s), an image_progress, a planned_start or more", from))
	}
	starts := to != "" && stageRank(from) < stageRank(StageStarted) && stageRank(to) >= stageRank(StageStarted)
	if override != "" && !starts {
		return StageChange{}, apperr.Invalid("override_reason", "not_applicable",
			"override_reason only goes with the move to started (开工) before the construction permit")
	}
	if to != "" && stageRank(to) < stageRank(from) {
		return StageChange{}, conflict(ErrIllegalTransition, "illegal_transition",
			fmt.Sprintf("stage cannot go back from %s to %s", from, to))
	}
	if starts && override == "" && !p.permitted(permit) {
		return StageChange{}, conflict(ErrPermitRequired, "permit_required", p.permitMessage(permit, to))
	}

	ch := StageChange{From: from, To: p.Stage}
	entry := ProgressEntry{At: now, Actor: u.Actor, Override: override}
	if to != "" {
		p.Stage, ch.To, entry.From = to, to, from
		if Holds(from) && !Holds(to) {
			ch.Assigned = p.release(u.Actor, cal, now)
			for _, it := range ch.Assigned {
				entry.Assigned = append(entry.Assigned, it.Type)
			}
		}
	}
	if image != "" {
		p.ImageProgress = image
	}
	if plan != nil {
		p.PlannedStart, entry.PlannedStart = plan, plan
	}
	entry.Stage, entry.ImageProgress = p.Stage, p.ImageProgress
	p.Progress = append(slices.Clip(p.Progress), entry)
	p.Version++
	return ch, nil
}

// permitted reports whether the construction permit is approved.
func (p *Project) permitted(permit string) bool {
	it, ok := p.Item(ItemID(p.Code, permit))
	return permit != "" && ok && it.Status == StatusApproved
}

func (p *Project) permitMessage(permit, to string) string {
	it, ok := p.Item(ItemID(p.Code, permit))
	if permit == "" || !ok {
		return fmt.Sprintf("cannot move to %s (开工): the catalog names no construction permit (施工许可) for this ledger; "+
			"give override_reason to start anyway", to)
	}
	return fmt.Sprintf("cannot move to %s (开工): the construction permit %s (%s) is %s, not approved; "+
		"approve it first or give override_reason to start anyway", to, it.Name, it.ID, it.Status)
}
