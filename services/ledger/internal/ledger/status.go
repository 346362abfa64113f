package ledger

import (
	"sort"
	"time"
)

// ProjectStatus is a project as its owner follows it: how many items are
// done, under way, waiting or planned, who owes what by when, and the next
// date something is due.
type ProjectStatus struct {
	Code     string     `json:"code"`
	Name     string     `json:"name"`
	Stage    string     `json:"stage"`
	Done     int        `json:"done"`
	UnderWay int        `json:"under_way"`
	Waiting  int        `json:"waiting"`
	Planned  int        `json:"planned"`
	Refused  int        `json:"refused"`
	Owed     []Owed     `json:"owed"`
	NextDue  *time.Time `json:"next_due,omitempty"`
	// Forecast is the start-date forecast (预计开工日), when the ledger has
	// a construction permit.
	Forecast *StatusForecast `json:"forecast,omitempty"`
	Version  int64           `json:"version"`
}

// Owed is one thing someone owes on a project: a department its decision
// on an item, or the owner the materials of a 容缺 acceptance.
type Owed struct {
	Item     string `json:"item"`
	ItemName string `json:"item_name"`
	// By is "department" or "owner"; Department names the department.
	By         string     `json:"by"`
	Department string     `json:"department"`
	What       string     `json:"what"`
	Due        *time.Time `json:"due,omitempty"` // none for 补正: the department's clock waits
	Overdue    bool       `json:"overdue,omitempty"`
}

func owedBy(by string, it Item, what string, due *time.Time, now time.Time) Owed {
	return Owed{Item: it.ID, ItemName: it.Name, By: by, Department: it.Department, What: what, Due: due,
		Overdue: due != nil && now.After(*due)}
}

// Status is p as its owner follows it at now: what is owed sorted by due
// date, the owner's materials before a department's decision on the same
// day.
func (p Project) Status(now time.Time) ProjectStatus {
	st := ProjectStatus{Code: p.Code, Name: p.Name, Stage: p.Stage, Owed: []Owed{}, Version: p.Version}
	for _, it := range p.Items {
		switch {
		case it.Status == StatusApproved:
			st.Done++
		case it.Status.Blocking():
			st.Refused++
		case it.Status == StatusPlanned:
			st.Planned++
		case it.Status == StatusWaiting:
			st.Waiting++
		case it.Status.Pending():
			st.UnderWay++
			if it.Supplement.Open() {
				due := it.Supplement.Due
				st.Owed = append(st.Owed, owedBy("owner", it, "补齐容缺材料", &due, now))
			}
			switch it.Status {
			case StatusSupplement:
				st.Owed = append(st.Owed, owedBy("owner", it, "补正材料", nil, now))
			case StatusSuspended:
			default:
				st.Owed = append(st.Owed, owedBy("department", it, "办结", it.Due, now))
			}
		}
	}
	// Earliest due first, the owner's before a department's on one day,
	// what has no date (补正) last.
	sort.SliceStable(st.Owed, func(i, j int) bool {
		a, b := st.Owed[i], st.Owed[j]
		switch {
		case a.Due == nil || b.Due == nil:
			return a.Due != nil && b.Due == nil
		case !a.Due.Equal(*b.Due):
			return a.Due.Before(*b.Due)
		}
		return a.By == "owner" && b.By != "owner"
	})
	for _, o := range st.Owed {
		if o.Due != nil && !o.Overdue {
			st.NextDue = o.Due
			break
		}
	}
	return st
}
