package ledger

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/services/ledger/internal/catalog"
)

func TestRongqueAcceptanceOwesMaterialsUntilSupplied(t *testing.T) {
	p := demoProject(t)
	ch := act(t, &p, "yongdi-yushen", ActAccept, func(r *ActionRequest) {
		r.MissingMaterials = []string{"不动产权籍调查报告"}
		r.SupplementDays = 5
	})
	sup := ch.Item.Supplement
	if ch.Item.Status != StatusAccepted || !sup.Open() || !sup.Due.Equal(workday.DueAt(workday.Weekends{}, monday, 5)) {
		t.Fatalf("容缺 accept gave %+v %+v", ch.Item.Status, sup)
	}
	_, err := p.Apply(ch.Item.ID, ActionRequest{Action: ActApprove, Actor: "a", Version: p.Version}, workday.Weekends{}, monday)
	if e, ok := apperr.As(err); !ok || e.Code != "illegal_transition" || !strings.Contains(e.Message, "不动产权籍调查报告") {
		t.Fatalf("approve with materials owed: %v", err)
	}
	ch = act(t, &p, "yongdi-yushen", ActSupplementReceived)
	if ch.Item.Status != StatusAccepted || ch.Item.Supplement.Open() {
		t.Fatalf("after supplement %+v", ch.Item.Supplement)
	}
	act(t, &p, "yongdi-yushen", ActApprove)
}

func TestRongqueOnlyWhereTheCatalogAllowsIt(t *testing.T) {
	p := demoProject(t)
	// 环评 allows green channel and 告知承诺, not 容缺.
	_, err := p.Apply(ItemID(code, "huanping"), ActionRequest{Action: ActAccept, Actor: "a", Version: p.Version,
		MissingMaterials: []string{"x"}, SupplementDays: 3}, workday.Weekends{}, monday)
	if e, ok := apperr.As(err); !ok || e.Code != "illegal_transition" || !strings.Contains(e.Message, "容缺") {
		t.Fatalf("容缺 on 环评: %v", err)
	}
}

func TestGaozhiApprovalRecordsTheFollowUpCheck(t *testing.T) {
	p := demoProject(t)
	setStatus(t, &p, "huanping", StatusAccepted)
	ch := act(t, &p, "huanping", ActApprove, func(r *ActionRequest) {
		r.Commitment = "承诺按环评报告落实污染防治措施"
		r.CheckDays = 20
	})
	c := ch.Item.Commitment
	if ch.Item.Status != StatusApproved || c == nil || c.CheckedAt != nil || !c.CheckDue.Equal(workday.DueAt(workday.Weekends{}, monday, 20)) {
		t.Fatalf("告知承诺 approval: %+v", c)
	}
	ch = act(t, &p, "huanping", ActVerify, func(r *ActionRequest) { r.CheckResult = CheckPassed; r.Note = "现场核查一致" })
	if c := ch.Item.Commitment; c.CheckResult != CheckPassed || c.CheckedAt == nil || c.CheckNote != "现场核查一致" {
		t.Fatalf("verify: %+v", c)
	}
	_, err := p.Apply(ch.Item.ID, ActionRequest{Action: ActVerify, Actor: "a", Version: p.Version, CheckResult: CheckFailed},
		workday.Weekends{}, monday)
	if e, ok := apperr.As(err); !ok || e.Code != "illegal_transition" {
		t.Fatalf("second verify: %v", err)
	}
}

func TestImmediateItemIsDueTheSameWorkingDayAndApprovedOnTheSpot(t *testing.T) {
	cat, err := catalog.Parse([]byte(`items:
  - {key: beian, name: 备案, department: fgw, immediate: true}
  - {key: next, name: 后续, department: zrzy, promised_days: 3, prerequisites: [beian]}
`), func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	saturday := time.Date(2026, 11, 28, 10, 0, 0, 0, workday.Zone)
	p, assigned := Open(ProjectInfo{Code: code}, cat, workday.Weekends{}, saturday)
	if len(assigned) != 1 {
		t.Fatalf("assigned %v", assigned)
	}
	// Registered on a Saturday: due at the end of Monday.
	if want := time.Date(2026, 12, 1, 0, 0, 0, 0, workday.Zone); !assigned[0].Due.Equal(want) {
		t.Fatalf("即办件 due %s, want %s", assigned[0].Due, want)
	}
	ch, err := p.Apply(ItemID(code, "beian"), ActionRequest{Action: ActApprove, Actor: "窗口", Version: p.Version},
		workday.Weekends{}, saturday)
	if err != nil || ch.Item.Status != StatusApproved || len(ch.Assigned) != 1 {
		t.Fatalf("即办 approve: %v %+v", err, ch)
	}
}

func TestStaleVersionAndUnknownItemChangeNothing(t *testing.T) {
	p := demoProject(t)
	before := clone(p)
	_, err := p.Apply(ItemID(code, "huanping"), ActionRequest{Action: ActAccept, Actor: "a", Version: p.Version - 1},
		workday.Weekends{}, monday)
	if e, ok := apperr.As(err); !ok || e.Code != "stale_version" || e.Kind != apperr.KindConflict {
		t.Fatalf("stale: %v", err)
	}
	_, err = p.Apply(ItemID(code, "nope"), ActionRequest{Action: ActAccept, Actor: "a", Version: p.Version},
		workday.Weekends{}, monday)
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindNotFound {
		t.Fatalf("unknown item: %v", err)
	}
	if !reflect.DeepEqual(p, before) {
		t.Fatal("refused actions changed the project")
	}
}

func TestActionRequestValidation(t *testing.T) {
	ok := ActionRequest{Action: ActAccept, Actor: "a"}
	tests := map[string]struct {
		mod   func(*ActionRequest)
		field string
	}{
		"unknown action":         {func(r *ActionRequest) { r.Action = "bless" }, "action"},
		"no actor":               {func(r *ActionRequest) { r.Actor = " " }, "actor"},
		"negative version":       {func(r *ActionRequest) { r.Version = -1 }, "version"},
		"reject without note":    {func(r *ActionRequest) { r.Action = ActReject }, "note"},
		"supplement without why": {func(r *ActionRequest) { r.Action = ActRequestSupplement }, "note"},
		"materials without days": {func(r *ActionRequest) { r.MissingMaterials = []string{"x"} }, "supplement_days"},
		"days without materials": {func(r *ActionRequest) { r.SupplementDays = 3 }, "missing_materials"},
		"materials on approve": {func(r *ActionRequest) {
			r.Action, r.MissingMaterials, r.SupplementDays = ActApprove, []string{"x"}, 3
		}, "missing_materials"},
		"commitment on accept":     {func(r *ActionRequest) { r.Commitment, r.CheckDays = "c", 5 }, "commitment"},
		"commitment without check": {func(r *ActionRequest) { r.Action, r.Commitment = ActApprove, "c" }, "check_days"},
		"verify without result":    {func(r *ActionRequest) { r.Action = ActVerify }, "check_result"},
		"long note":                {func(r *ActionRequest) { r.Note = strings.Repeat("x", 2001) }, "note"},
	}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			r := ok
			tt.mod(&r)
			e, isApp := apperr.As(r.Validate())
			if !isApp || e.Kind != apperr.KindInvalid || e.Field != tt.field {
				t.Fatalf("Validate = %v, want invalid %s", e, tt.field)
			}
		})
	}
}

func TestWithdrawalBlocksLikeARejection(t *testing.T) {
	p := demoProject(t)
	setStatus(t, &p, "yongdi-yushen", StatusApproved)
	act(t, &p, "yongdi-guihua", ActSuspend, func(r *ActionRequest) { r.Note = "等待补充测绘" })
	act(t, &p, "yongdi-guihua", ActWithdraw, func(r *ActionRequest) { r.Actor = "建设单位" })
	for _, key := range []string{"gongcheng-guihua", "renfang", "shigongtu", "shigong-xuke"} {
		if it, _ := p.Item(ItemID(code, key)); !slices.Equal(it.BlockedBy, []string{"yongdi-guihua"}) {
			t.Errorf("%s blocked by %v after the withdrawal", key, it.BlockedBy)
		}
	}
	// 施工许可 waits on two chains; rejecting 立项 does not touch it, but a
	// second blocker on its own chain shows up next to the first.
	act(t, &p, "lixiang", ActReject)
	if it, _ := p.Item(ItemID(code, "jieneng")); !slices.Equal(it.BlockedBy, []string{"lixiang"}) {
		t.Errorf("节能 blocked by %v", it.BlockedBy)
	}
	if it, _ := p.Item(ItemID(code, "shigong-xuke")); !slices.Equal(it.BlockedBy, []string{"yongdi-guihua"}) {
		t.Errorf("施工许可 blocked by %v", it.BlockedBy)
	}
	ch := act(t, &p, "yongdi-guihua", ActResubmit)
	if ch.Item.Status != StatusAssigned || ch.Item.SuspendedFrom != "" {
		t.Fatalf("resubmitted %+v", ch.Item)
	}
	if it, _ := p.Item(ItemID(code, "shigong-xuke")); len(it.BlockedBy) != 0 {
		t.Errorf("施工许可 still blocked by %v", it.BlockedBy)
	}
}
