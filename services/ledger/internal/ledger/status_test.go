package ledger

import (
	"testing"
)

func TestProjectStatus(t *testing.T) {
	p := demoProject(t)
	setStatus(t, &p, "lixiang", StatusApproved)
	setStatus(t, &p, "huanping", StatusSupplement)
	setStatus(t, &p, "wenwu", StatusSuspended)
	st := p.Status(monday)
	var assigned, waiting, planned int
	for _, it := range p.Items {
		switch it.Status {
		case StatusAssigned, StatusAccepted:
			assigned++
		case StatusWaiting:
			waiting++
		case StatusPlanned:
			planned++
		}
	}
	if st.Done != 1 || st.UnderWay != assigned+2 || st.Waiting != waiting || st.Planned != planned || st.Refused != 0 {
		t.Fatalf("counts %+v; want done 1, under way %d, waiting %d", st, assigned+2, waiting)
	}
	var byDept, byOwner int
	for i, o := range st.Owed {
		switch o.By {
		case "department":
			byDept++
			if o.Due == nil || o.What != "办结" {
				t.Errorf("owed %+v", o)
			}
			if i > 0 && st.Owed[i-1].Due != nil && st.Owed[i-1].Due.After(*o.Due) {
				t.Errorf("owed not by due date: %+v before %+v", st.Owed[i-1], o)
			}
		case "owner":
			byOwner++
			if o.Item != ItemID(code, "huanping") || o.What != "补正材料" || o.Due != nil || i != len(st.Owed)-1 {
				t.Errorf("the owner's 补正 %+v at %d, want last, undated", o, i)
			}
		}
	}
	if byDept != assigned || byOwner != 1 {
		t.Fatalf("owed %d by departments, %d by the owner; want %d and 1 (the suspended item owes nothing)", byDept, byOwner, assigned)
	}
	if st.NextDue == nil || !st.NextDue.Equal(*st.Owed[0].Due) {
		t.Errorf("next due %v, want the first owed %v", st.NextDue, st.Owed[0].Due)
	}
	if later := p.Status(monday.AddDate(1, 0, 0)); later.NextDue != nil || !later.Owed[0].Overdue {
		t.Errorf("a year on: next due %v, first owed %+v; want none due ahead, overdue", later.NextDue, later.Owed[0])
	}
}
