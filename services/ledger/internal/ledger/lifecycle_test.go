package ledger

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/services/ledger/internal/catalog"
)

const permit = "shigong-xuke"

func projectIn(t *testing.T, stage string) Project {
	t.Helper()
	cat, err := catalog.Demo(func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	p, assigned := Open(ProjectInfo{Code: code, Name: "城北物流园", Stage: stage}, cat, workday.Weekends{}, monday)
	if Holds(stage) && len(assigned) != 0 {
		t.Fatalf("a %s project assigned %d items at registration", stage, len(assigned))
	}
	return p
}

func TestHeldProjectPlansEveryItem(t *testing.T) {
	for _, stage := range []string{StagePlanning, StageReserve} {
		p := projectIn(t, stage)
		for _, it := range p.Items {
			if it.Status != StatusPlanned || it.AssignedAt != nil || it.Due != nil ||
				!strings.Contains(it.PlannedReason, stage) || it.Status.Pending() {
				t.Fatalf("%s: item %s %+v", stage, it.Type, it)
			}
			if len(it.Timeline) != 1 || it.Timeline[0].Status != StatusPlanned || it.Timeline[0].Note != it.PlannedReason {
				t.Fatalf("%s: timeline of %s %+v", stage, it.Type, it.Timeline)
			}
		}
		// Department actions find nothing to act on.
		if _, err := p.Apply(ItemID(code, "lixiang"), ActionRequest{Action: ActAccept, Actor: "x", Version: p.Version},
			workday.Weekends{}, monday); !errors.Is(err, ErrIllegalTransition) {
			t.Fatalf("%s: accept of a planned item: %v", stage, err)
		}
	}
}

func TestStageChanges(t *testing.T) {
	ready := []string{"huanping", "lixiang", "shuibao", "wenwu", "yongdi-yushen"}
	later := monday.AddDate(0, 0, 2)
	tests := []struct {
		name     string
		from     string
		approved []string // items approved before the update
		u        ProgressUpdate
		to       string
		assigned []string
	}{
		{"planning to reserve holds", StagePlanning, nil, ProgressUpdate{Stage: StageReserve}, StageReserve, nil},
		{"reserve to approving dispatches the ready items", StageReserve, nil, ProgressUpdate{Stage: "审批"}, StageApproving, ready},
		{"planning to approving too", StagePlanning, nil, ProgressUpdate{Stage: StageApproving}, StageApproving, ready},
		{"reserve straight to started on an override", StageReserve, nil,
			ProgressUpdate{Stage: StageStarted, OverrideReason: "县政府专题会议纪要〔2026〕12号同意先行开工"}, StageStarted, ready},
		{"started with the permit", StageApproving, []string{permit}, ProgressUpdate{Stage: "开工"}, StageStarted, nil},
		{"building after started", StageStarted, nil, ProgressUpdate{Stage: StageBuilding}, StageBuilding, nil},
		{"image progress only", StageReserve, nil, ProgressUpdate{ImageProgress: "完成可研编制"}, StageReserve, nil},
		{"same stage with image progress", StageApproving, nil, ProgressUpdate{Stage: StageApproving, ImageProgress: "场地平整"}, StageApproving, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := projectIn(t, tt.from)
			for _, k := range tt.approved {
				it, _ := p.Item(ItemID(code, k))
				it.Status = StatusApproved
			}
			tt.u.Actor, tt.u.Version = "王芳", p.Version
			ch, err := p.UpdateProgress(tt.u, permit, workday.Weekends{}, later)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range ch.Assigned {
				got = append(got, it.Type)
				if it.Status != StatusAssigned || it.AssignedAt == nil || !it.AssignedAt.Equal(later) || it.Due == nil {
					t.Errorf("dispatched %s %+v", it.Type, it)
				}
			}
			slices.Sort(got)
			if p.Stage != tt.to || ch.From != tt.from || ch.To != tt.to || !slices.Equal(got, tt.assigned) || p.Version != 2 {
				t.Fatalf("stage %s (change %+v), assigned %v; want %s, %v", p.Stage, ch, got, tt.to, tt.assigned)
			}
			last := p.Progress[len(p.Progress)-1]
			wantFrom := tt.from
			if tt.to == tt.from {
				wantFrom = ""
			}
			if len(p.Progress) != 1 || last.From != wantFrom || last.Stage != tt.to || last.Actor != "王芳" ||
				last.Override != tt.u.OverrideReason || !slices.Equal(slices.Sorted(slices.Values(last.Assigned)), tt.assigned) {
				t.Fatalf("timeline entry %+v", last)
			}
			for _, it := range p.Items {
				if Holds(p.Stage) != (it.Status == StatusPlanned) {
					t.Errorf("in %s item %s is %s", p.Stage, it.Type, it.Status)
				}
				if it.Status == StatusWaiting && len(it.Prerequisites) == 0 {
					t.Errorf("ready item %s left waiting", it.Type)
				}
			}
		})
	}
}

func TestStageChangeRefusals(t *testing.T) {
	tests := []struct {
		name  string
		from  string
		u     ProgressUpdate
		kind  error  // matched with errors.Is, for conflicts
		field string // for invalid values
	}{
		{"unknown stage", StageReserve, ProgressUpdate{Stage: "dreaming"}, nil, "stage"},
		{"nothing", StageReserve, ProgressUpdate{}, nil, "stage"},
		{"the stage it is in", StageReserve, ProgressUpdate{Stage: "储备"}, nil, "stage"},
		{"no actor", StageReserve, ProgressUpdate{Stage: StageApproving, Actor: " "}, nil, "actor"},
		{"override without a start", StageReserve, ProgressUpdate{Stage: StageApproving, OverrideReason: "急"}, nil, "override_reason"},
		{"override too long", StageApproving, ProgressUpdate{Stage: StageStarted, OverrideReason: strings.Repeat("急", 700)}, nil, "override_reason"},
		{"back from approving to reserve", StageApproving, ProgressUpdate{Stage: StageReserve}, ErrIllegalTransition, ""},
		{"back from started to approving", StageStarted, ProgressUpdate{Stage: StageApproving}, ErrIllegalTransition, ""},
		{"started without the permit", StageApproving, ProgressUpdate{Stage: StageStarted}, ErrPermitRequired, ""},
		{"started with a blank override", StageApproving, ProgressUpdate{Stage: StageStarted, OverrideReason: "  "}, ErrPermitRequired, ""},
		{"completed without the permit", StageApproving, ProgressUpdate{Stage: StageCompleted}, ErrPermitRequired, ""},
		{"reserve to started without the permit", StageReserve, ProgressUpdate{Stage: StageStarted}, ErrPermitRequired, ""},
		{"stale", StageReserve, ProgressUpdate{Stage: StageApproving, Version: -1}, ErrStale, ""},
		{"planned start not a day", StageApproving, ProgressUpdate{PlannedStart: "2027-3"}, nil, "planned_start"},
		{"planned start out of range", StageApproving, ProgressUpdate{PlannedStart: "1927-03-01"}, nil, "planned_start"},
		{"bad planned start with a good stage", StageReserve, ProgressUpdate{Stage: StageApproving, PlannedStart: "soon"}, nil, "planned_start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := projectIn(t, tt.from)
			if tt.u.Actor == "" {
				tt.u.Actor = "王芳"
			}
			if tt.u.Version == 0 {
				tt.u.Version = p.Version
			}
			before := projectIn(t, tt.from)
			_, err := p.UpdateProgress(tt.u, permit, workday.Weekends{}, monday)
			switch {
			case tt.kind != nil && !errors.Is(err, tt.kind):
				t.Fatalf("err %v, want %v", err, tt.kind)
			case tt.kind == nil && !isInvalid(err, tt.field):
				t.Fatalf("err %v, want invalid %s", err, tt.field)
			}
			if p.Stage != before.Stage || p.Version != before.Version || len(p.Progress) != 0 ||
				!slices.EqualFunc(p.Items, before.Items, func(a, b Item) bool { return a.Status == b.Status }) {
				t.Fatalf("a refused update changed the project: %s v%d %+v", p.Stage, p.Version, p.Progress)
			}
		})
	}
	// The message says what is missing and how to go on.
	p := projectIn(t, StageApproving)
	_, err := p.UpdateProgress(ProgressUpdate{Stage: StageStarted, Actor: "王芳", Version: p.Version}, permit, workday.Weekends{}, monday)
	if !isConflict(err, "permit_required") || !strings.Contains(err.Error(), "建筑工程施工许可证") || !strings.Contains(err.Error(), "override_reason") {
		t.Fatalf("message %v", err)
	}
	// A catalog that marks no permit can only start on an override.
	_, err = p.UpdateProgress(ProgressUpdate{Stage: StageStarted, Actor: "王芳", Version: p.Version}, "", workday.Weekends{}, monday)
	if !errors.Is(err, ErrPermitRequired) || !strings.Contains(err.Error(), "names no construction permit") {
		t.Fatalf("no permit in the catalog: %v", err)
	}
}

func TestPlannedItemsCountNowhere(t *testing.T) {
	held, open := projectIn(t, StageReserve), projectIn(t, StageApproving)
	st, err := Monthly([]Project{held}, "2026-11", workday.Weekends{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range st.Departments {
		if d.PendingNow != 0 || d.Assigned != 0 {
			t.Errorf("planned items counted for %s: %+v", d.Department, d)
		}
	}
	st, _ = Monthly([]Project{held, open}, "2026-11", workday.Weekends{})
	pending := 0
	for _, d := range st.Departments {
		pending += d.PendingNow
	}
	if pending != 5 {
		t.Fatalf("%d pending with one approving project, want its 5 ready items", pending)
	}
	if w := Weekly([]Project{held}, monday, monday).Projects[0]; len(w.Assigned) != 0 || w.Stage != StageReserve {
		t.Fatalf("weekly of a held project %+v", w)
	}
}

func TestExportShowsPlannedItems(t *testing.T) {
	rows := ExportRows([]Project{projectIn(t, StageReserve)}, "", func(c string) string { return c })
	if len(rows) != 11 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		if r.Progress != "谋划储备中，未交办" || !r.LastDay.IsZero() {
			t.Fatalf("row of a planned item %+v", r)
		}
	}
}
