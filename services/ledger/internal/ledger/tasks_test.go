package ledger

import (
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/services/ledger/internal/catalog"
)

func demoCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Demo(func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func TestTaskLifecycle(t *testing.T) {
	p := demoProject(t)
	p.Officer = "wangfang"
	cal := workday.Weekends{}
	if !p.AddTask(NewTask{ID: "r1", Kind: "agency", Title: "代办施工许可", ReceivedAt: monday}, cal) {
		t.Fatal("task not filed")
	}
	if p.AddTask(NewTask{ID: "r1", Kind: "agency", Title: "again", ReceivedAt: monday}, cal) {
		t.Fatal("a redelivered request was filed twice")
	}
	if tk := p.Tasks[0]; tk.Officer != "wangfang" || tk.Status != TaskReceived || !tk.Due.Equal(workday.DueAt(cal, monday, TaskLimitDays)) {
		t.Fatalf("filed task %+v", tk)
	}
	cat := demoCatalog(t)
	step := func(action string, mod ...func(*TaskAction)) (Task, error) {
		a := TaskAction{Action: action, Actor: "王芳", Version: p.Version}
		for _, m := range mod {
			m(&a)
		}
		return p.ApplyTask("r1", a, cat, monday.Add(time.Hour))
	}
	if _, err := step(TaskActClose); !isConflict(err, "illegal_transition") {
		t.Fatalf("close before take: %v", err)
	}
	tk, err := step(TaskActTake)
	if err != nil || tk.Status != TaskTaken || len(tk.Notice) != len(p.Items) {
		t.Fatalf("take: %v %+v", err, tk)
	}
	var yushen NoticeItem
	for _, n := range tk.Notice {
		if n.Item == "用地预审与选址意见书" {
			yushen = n
		}
	}
	if yushen.TimeLimit != "10个工作日" || len(yushen.Materials) == 0 || yushen.Department != "zrzy" {
		t.Fatalf("one-time notice of 用地预审: %+v", yushen)
	}
	if _, err := step(TaskActHandle); err != nil {
		t.Fatal(err)
	}
	if tk, err = step(TaskActClose); err != nil || !tk.OnTime() {
		t.Fatalf("close: %v %+v", err, tk)
	}
	if _, err := step(TaskActVisit); !isInvalid(err, "satisfaction") {
		t.Fatalf("visit without satisfaction: %v", err)
	}
	if _, err := step(TaskActVisit, func(a *TaskAction) { a.Satisfaction = 6 }); !isInvalid(err, "satisfaction") {
		t.Fatalf("satisfaction 6: %v", err)
	}
	tk, err = step(TaskActVisit, func(a *TaskAction) { a.Satisfaction = 5; a.Comment = "服务周到" })
	if err != nil || tk.Status != TaskVisited || tk.Satisfaction != 5 || len(tk.History) != 5 {
		t.Fatalf("visit: %v %+v", err, tk)
	}
	if _, err := step(TaskActTake, func(a *TaskAction) { a.Version-- }); !isConflict(err, "stale_version") {
		t.Fatalf("stale: %v", err)
	}
	if _, err := p.ApplyTask("nope", TaskAction{Action: TaskActTake, Actor: "a", Version: p.Version}, cat, monday); apperr.KindOf(err) != apperr.KindNotFound {
		t.Fatalf("unknown task: %v", err)
	}
}

func isConflict(err error, code string) bool {
	e, ok := apperr.As(err)
	return ok && e.Kind == apperr.KindConflict && e.Code == code
}

func isInvalid(err error, field string) bool {
	e, ok := apperr.As(err)
	return ok && e.Kind == apperr.KindInvalid && e.Field == field
}

func TestAssignOfficerMovesOpenTasks(t *testing.T) {
	p := demoProject(t)
	known := func(c string) bool { return c == "wangfang" || c == "lijun" }
	p.AddTask(NewTask{ID: "open", ReceivedAt: monday}, workday.Weekends{})
	if err := p.AssignOfficer("nobody", "主任", "", p.Version, known, monday); !isInvalid(err, "officer") {
		t.Fatalf("unknown officer: %v", err)
	}
	if err := p.AssignOfficer("wangfang", "主任", "", p.Version-1, known, monday); !isConflict(err, "stale_version") {
		t.Fatalf("stale: %v", err)
	}
	if err := p.AssignOfficer("wangfang", "主任", "一项目一专员", p.Version, known, monday); err != nil {
		t.Fatal(err)
	}
	if err := p.AssignOfficer("wangfang", "主任", "", p.Version, known, monday); !isConflict(err, "already_assigned") {
		t.Fatalf("same officer again: %v", err)
	}
	if err := p.AssignOfficer("lijun", "主任", "调整分工", p.Version, known, monday); err != nil {
		t.Fatal(err)
	}
	if p.Officer != "lijun" || p.Tasks[0].Officer != "lijun" || len(p.OfficerHistory) != 2 {
		t.Fatalf("after reassignment: officer %s, task officer %s, history %v", p.Officer, p.Tasks[0].Officer, p.OfficerHistory)
	}
}

func TestMonthlyStatistics(t *testing.T) {
	cal := workday.Weekends{}
	cat := demoCatalog(t)
	nov := time.Date(2026, 11, 2, 9, 0, 0, 0, workday.Zone) // a Monday
	p, _ := Open(ProjectInfo{Code: code, Officer: "wangfang"}, cat, cal, nov)
	at := func(d int) time.Time { return nov.AddDate(0, 0, d) }
	do := func(key string, a Action, when time.Time) {
		t.Helper()
		if _, err := p.Apply(ItemID(code, key), ActionRequest{Action: a, Actor: "x", Note: "n", Version: p.Version}, cal, when); err != nil {
			t.Fatal(err)
		}
	}
	// 立项 (5 days) approved after 2 working days: on time.
	do("lixiang", ActAccept, at(1))
	do("lixiang", ActApprove, at(2))
	// 用地预审 (10 days) approved after 3 weeks: late.
	do("yongdi-yushen", ActAccept, at(1))
	do("yongdi-yushen", ActApprove, at(21))
	// 环评 rejected in December: not in November.
	do("huanping", ActReject, time.Date(2026, 12, 1, 10, 0, 0, 0, workday.Zone))

	p.AddTask(NewTask{ID: "a", ReceivedAt: at(0)}, cal)
	p.AddTask(NewTask{ID: "b", ReceivedAt: at(0)}, cal)
	for _, id := range []string{"a", "b"} {
		closeOn := at(1)
		if id == "b" {
			closeOn = at(14) // beyond five working days
		}
		for _, a := range []string{TaskActTake, TaskActHandle, TaskActClose} {
			if _, err := p.ApplyTask(id, TaskAction{Action: a, Actor: "王芳", Version: p.Version}, cat, closeOn); err != nil {
				t.Fatal(err)
			}
		}
		sat := map[string]int{"a": 5, "b": 3}[id]
		if _, err := p.ApplyTask(id, TaskAction{Action: TaskActVisit, Actor: "王芳", Satisfaction: sat, Version: p.Version}, cat, closeOn); err != nil {
			t.Fatal(err)
		}
	}
	st, err := Monthly([]Project{p}, "2026-11", cal)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Officers) != 1 {
		t.Fatalf("officers %+v", st.Officers)
	}
	o := st.Officers[0]
	if o.Officer != "wangfang" || o.Received != 2 || o.Closed != 2 || o.ClosedOnTime != 1 || o.OnTimeRate != 0.5 ||
		o.Visits != 2 || o.SatisfactionMean != 4 {
		t.Fatalf("officer stats %+v", o)
	}
	var fgw, zrzy, sthj DepartmentStats
	for _, d := range st.Departments {
		switch d.Department {
		case "fgw":
			fgw = d
		case "zrzy":
			zrzy = d
		case "sthj":
			sthj = d
		}
	}
	// fgw: 立项 on time; 节能 was assigned in November and is pending.
	if fgw.Completed != 1 || fgw.CompletedOnTime != 1 || fgw.OnTimeRate != 1 || fgw.Assigned != 2 || fgw.PendingNow != 1 {
		t.Fatalf("fgw %+v", fgw)
	}
	if zrzy.Completed != 1 || zrzy.CompletedOnTime != 0 || zrzy.MeanHandlingDays != 15 {
		t.Fatalf("zrzy %+v", zrzy)
	}
	if sthj.Completed != 0 || sthj.Assigned != 1 {
		t.Fatalf("sthj %+v", sthj)
	}
	if _, err := Monthly(nil, "November", cal); !isInvalid(err, "month") {
		t.Fatalf("bad month: %v", err)
	}
}
