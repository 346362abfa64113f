package ledger

import (
	"sort"
	"time"
)

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
	from, to := WeekOf(day)
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
