package ledger

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/workday"
)

// Stages of a project's life (seed 003: 谋划一批、储备一批、审批一批、开工一批),
// plus 在建 and 竣工.
var Stages = []string{"planning", "reserve", "approving", "started", "building", "completed"}

// ProgressEntry records an update of a project's stage or 形象进度.
type ProgressEntry struct {
	At            time.Time `json:"at"`
	Actor         string    `json:"actor"`
	Stage         string    `json:"stage"`
	ImageProgress string    `json:"image_progress,omitempty"`
}

// ProgressUpdate changes a project's stage and/or its 形象进度 (a short
// description of the visible construction progress).
type ProgressUpdate struct {
	Stage, ImageProgress, Actor string
	Version                     int64
}

// UpdateProgress applies u.
func (p *Project) UpdateProgress(u ProgressUpdate, now time.Time) error {
	if err := checkActor(u.Actor); err != nil {
		return err
	}
	if u.Stage == "" && strings.TrimSpace(u.ImageProgress) == "" {
		return apperr.Invalid("stage", "nothing_to_change", "give a stage, an image_progress or both")
	}
	if u.Stage != "" && !slices.Contains(Stages, u.Stage) {
		return apperr.Invalid("stage", "invalid_stage", "stage is one of "+strings.Join(Stages, ", "))
	}
	if len(u.ImageProgress) > maxNote {
		return apperr.Invalid("image_progress", "too_long", fmt.Sprintf("image_progress exceeds %d bytes", maxNote))
	}
	if u.Version != p.Version {
		return staleVersion(u.Version, p.Version)
	}
	if u.Stage != "" {
		p.Stage = u.Stage
	}
	if ip := strings.TrimSpace(u.ImageProgress); ip != "" {
		p.ImageProgress = ip
	}
	p.Progress = append(slices.Clone(p.Progress), ProgressEntry{At: now, Actor: u.Actor, Stage: p.Stage, ImageProgress: p.ImageProgress})
	p.Version++
	return nil
}

// WeeklyProject is one project's week in the weekly update (周报).
type WeeklyProject struct {
	Code           string   `json:"code"`
	Name           string   `json:"name"`
	Stage          string   `json:"stage"`
	ImageProgress  string   `json:"image_progress,omitempty"`
	Assigned       []string `json:"assigned"`
	Approved       []string `json:"approved"`
	Rejected       []string `json:"rejected"`
	Overdue        []string `json:"overdue"`
	ProblemsRaised int      `json:"problems_raised"`
	ProblemsSolved int      `json:"problems_resolved"`
	OpenProblems   int      `json:"open_problems"`
}

// WeeklySnapshot is the weekly update: what moved in the week starting
// Monday From, and what stands overdue at its end.
type WeeklySnapshot struct {
	From     time.Time       `json:"from"`
	To       time.Time       `json:"to"`
	Projects []WeeklyProject `json:"projects"`
}

// Weekly builds the snapshot of the week containing day (Monday to Monday
// in Zone). An item is overdue when it is pending past its due date at the
// week's end (or now, for the current week).
func Weekly(ps []Project, day, now time.Time) WeeklySnapshot {
	d := workday.Day(day)
	from := d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	to := from.AddDate(0, 0, 7)
	cut := to
	if now.Before(cut) {
		cut = now
	}
	snap := WeeklySnapshot{From: from, To: to, Projects: []WeeklyProject{}}
	for _, p := range ps {
		w := WeeklyProject{Code: p.Code, Name: p.Name, Stage: p.Stage, ImageProgress: p.ImageProgress,
			Assigned: []string{}, Approved: []string{}, Rejected: []string{}, Overdue: []string{}}
		for _, it := range p.Items {
			if within(it.AssignedAt, from, to) {
				w.Assigned = append(w.Assigned, it.Name)
			}
			if within(it.CompletedAt, from, to) {
				switch it.Status {
				case StatusApproved:
					w.Approved = append(w.Approved, it.Name)
				case StatusRejected:
					w.Rejected = append(w.Rejected, it.Name)
				}
			}
			if it.Status.Pending() && it.Due != nil && it.Due.Before(cut) {
				w.Overdue = append(w.Overdue, it.Name)
			}
		}
		for _, pr := range p.Problems {
			raised := pr.RaisedAt
			if within(&raised, from, to) {
				w.ProblemsRaised++
			}
			if within(pr.ResolvedAt, from, to) {
				w.ProblemsSolved++
			}
			if pr.Status != ProblemResolved {
				w.OpenProblems++
			}
		}
		snap.Projects = append(snap.Projects, w)
	}
	sort.Slice(snap.Projects, func(i, j int) bool { return snap.Projects[i].Code < snap.Projects[j].Code })
	return snap
}
