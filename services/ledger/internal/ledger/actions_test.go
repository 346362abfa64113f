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

const code = "2026-370481-04-01-000001"

// monday 09:00 in Shanghai.
var monday = time.Date(2026, 11, 23, 9, 0, 0, 0, workday.Zone)

func demoProject(t *testing.T) Project {
	t.Helper()
	cat, err := catalog.Demo(func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	p, _ := Open(ProjectInfo{Code: code, Name: "城北物流园"}, cat, workday.Weekends{}, monday)
	return p
}

// act applies one action at version p.Version and fails the test on error.
func act(t *testing.T, p *Project, key string, a Action, mod ...func(*ActionRequest)) Change {
	t.Helper()
	req := ActionRequest{Action: a, Actor: "张科长", Note: "意见", Version: p.Version}
	for _, m := range mod {
		m(&req)
	}
	ch, err := p.Apply(ItemID(code, key), req, workday.Weekends{}, monday)
	if err != nil {
		t.Fatalf("%s %s: %v", a, key, err)
	}
	return ch
}

// setStatus drives an item to status along legal actions.
func setStatus(t *testing.T, p *Project, key string, s Status) {
	t.Helper()
	paths := map[Status][]Action{
		StatusAssigned:   nil,
		StatusAccepted:   {ActAccept},
		StatusSupplement: {ActRequestSupplement},
		StatusSuspended:  {ActSuspend},
		StatusApproved:   {ActAccept, ActApprove},
		StatusRejected:   {ActReject},
		StatusWithdrawn:  {ActWithdraw},
	}
	for _, a := range paths[s] {
		act(t, p, key, a)
	}
}

func TestStateMachineTransitions(t *testing.T) {
	type tc struct {
		from Status
		act  Action
		to   Status // "" means illegal
	}
	tests := []tc{
		{StatusAssigned, ActAccept, StatusAccepted},
		{StatusAssigned, ActRequestSupplement, StatusSupplement},
		{StatusAccepted, ActRequestSupplement, StatusSupplement},
		{StatusSupplement, ActSupplementReceived, StatusAccepted},
		{StatusAccepted, ActApprove, StatusApproved},
		{StatusAssigned, ActReject, StatusRejected},
		{StatusAccepted, ActReject, StatusRejected},
		{StatusSupplement, ActReject, StatusRejected},
		{StatusAssigned, ActSuspend, StatusSuspended},
		{StatusAccepted, ActSuspend, StatusSuspended},
		{StatusSupplement, ActSuspend, StatusSuspended},
		{StatusSuspended, ActResume, StatusAssigned},
		{StatusAssigned, ActWithdraw, StatusWithdrawn},
		{StatusAccepted, ActWithdraw, StatusWithdrawn},
		{StatusSupplement, ActWithdraw, StatusWithdrawn},
		{StatusSuspended, ActWithdraw, StatusWithdrawn},
		{StatusRejected, ActResubmit, StatusAssigned},
		{StatusWithdrawn, ActResubmit, StatusAssigned},

		{StatusAssigned, ActApprove, ""}, // only a 即办件
		{StatusAssigned, ActSupplementReceived, ""},
		{StatusAccepted, ActSupplementReceived, ""}, // nothing owed
		{StatusAccepted, ActAccept, ""},
		{StatusSupplement, ActApprove, ""},
		{StatusSuspended, ActApprove, ""},
		{StatusSuspended, ActAccept, ""},
		{StatusSuspended, ActSuspend, ""},
		{StatusAssigned, ActResume, ""},
		{StatusApproved, ActReject, ""},
		{StatusApproved, ActApprove, ""},
		{StatusApproved, ActSuspend, ""},
		{StatusApproved, ActResubmit, ""},
		{StatusApproved, ActVerify, ""}, // not on commitment
		{StatusRejected, ActApprove, ""},
		{StatusRejected, ActAccept, ""},
		{StatusAssigned, ActResubmit, ""},
		{StatusWaiting, ActAccept, ""},
		{StatusWaiting, ActApprove, ""},
	}
	// Every action from every status must be covered by the table.
	covered := map[Status]map[Action]bool{}
	for _, tt := range tests {
		if covered[tt.from] == nil {
			covered[tt.from] = map[Action]bool{}
		}
		covered[tt.from][tt.act] = true
	}
	for _, s := range Statuses {
		for _, a := range Actions {
			if covered[s][a] {
				continue
			}
			legal := slices.Contains(transitions[a].from, s)
			if legal {
				t.Errorf("legal transition %s --%s--> not in the table", s, a)
			}
			tests = append(tests, tc{s, a, ""})
		}
	}
	for _, tt := range tests {
		t.Run(string(tt.from)+"/"+string(tt.act), func(t *testing.T) {
			p := demoProject(t)
			key := "yongdi-yushen"
			if tt.from == StatusWaiting {
				key = "yongdi-guihua"
			} else if tt.from == StatusPlanned {
				p = projectIn(t, StageReserve)
			} else {
				setStatus(t, &p, key, tt.from)
			}
			before := clone(p)
			req := ActionRequest{Action: tt.act, Actor: "张科长", Note: "意见", Version: p.Version}
			if tt.act == ActVerify {
				req.CheckResult = CheckPassed
			}
			ch, err := p.Apply(ItemID(code, key), req, workday.Weekends{}, monday)
			if tt.to == "" {
				e, ok := apperr.As(err)
				if !ok || e.Kind != apperr.KindConflict || e.Code != "illegal_transition" {
					t.Fatalf("err = %v, want illegal_transition conflict", err)
				}
				if !strings.Contains(e.Message, string(tt.act)) || !strings.Contains(e.Message, key) {
					t.Errorf("message %q does not name the action and the item", e.Message)
				}
				if !reflect.DeepEqual(p, before) {
					t.Fatal("a refused action changed the project")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ch.Item.Status != tt.to || ch.From != tt.from {
				t.Fatalf("%s --%s--> %s, want %s", ch.From, tt.act, ch.Item.Status, tt.to)
			}
			if p.Version != before.Version+1 {
				t.Errorf("version %d, want %d", p.Version, before.Version+1)
			}
			last := ch.Item.Timeline[len(ch.Item.Timeline)-1]
			if last.Action != string(tt.act) || last.From != tt.from || last.Status != tt.to || last.Actor != "张科长" || last.Note != "意见" {
				t.Errorf("timeline entry %+v", last)
			}
		})
	}
}

func clone(p Project) Project {
	c := p
	c.Items = make([]Item, len(p.Items))
	for i, it := range p.Items {
		it.Timeline = slices.Clone(it.Timeline)
		c.Items[i] = it
	}
	c.Problems = slices.Clone(p.Problems)
	return c
}

func TestResumeReturnsToTheSuspendedStatus(t *testing.T) {
	for _, from := range []Status{StatusAssigned, StatusAccepted, StatusSupplement} {
		p := demoProject(t)
		setStatus(t, &p, "huanping", from)
		act(t, &p, "huanping", ActSuspend)
		if ch := act(t, &p, "huanping", ActResume); ch.Item.Status != from {
			t.Errorf("suspended from %s resumed to %s", from, ch.Item.Status)
		}
	}
}

func TestResumeExtendsTheDueDateBySuspendedWorkingDays(t *testing.T) {
	p := demoProject(t)
	cal := workday.Weekends{}
	it, _ := p.Item(ItemID(code, "huanping"))
	due := *it.Due
	req := ActionRequest{Action: ActSuspend, Actor: "a", Note: "等待专家评审", Version: p.Version}
	if _, err := p.Apply(it.ID, req, cal, monday); err != nil {
		t.Fatal(err)
	}
	// Suspended Monday to next Monday: five working days.
	req = ActionRequest{Action: ActResume, Actor: "a", Version: p.Version}
	ch, err := p.Apply(it.ID, req, cal, monday.AddDate(0, 0, 7))
	if err != nil {
		t.Fatal(err)
	}
	if want := workday.Add(cal, due, 5); !ch.Item.Due.Equal(want) {
		t.Fatalf("due after resume %s, want %s", ch.Item.Due, want)
	}
}

func TestApprovalAssignsEveryUnlockedItemAtOnce(t *testing.T) {
	p := demoProject(t)
	setStatus(t, &p, "yongdi-yushen", StatusApproved)
	setStatus(t, &p, "yongdi-guihua", StatusAccepted)
	ch := act(t, &p, "yongdi-guihua", ActApprove)
	if len(ch.Assigned) != 1 || ch.Assigned[0].Type != "gongcheng-guihua" {
		t.Fatalf("assigned %v", ch.Assigned)
	}
	setStatus(t, &p, "gongcheng-guihua", StatusAccepted)
	ch = act(t, &p, "gongcheng-guihua", ActApprove)
	var keys []string
	for _, it := range ch.Assigned {
		keys = append(keys, it.Type)
		if it.Status != StatusAssigned || it.Due == nil || it.AssignedAt == nil {
			t.Errorf("%s assigned as %+v", it.Type, it)
		}
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"renfang", "shigongtu"}) {
		t.Fatalf("approving 建设工程规划许可 assigned %v, want renfang and shigongtu in parallel", keys)
	}
	if !ch.Completed {
		t.Error("approval not reported as completion")
	}
}

func TestRejectionBlocksDependantsVisiblyUntilResubmission(t *testing.T) {
	p := demoProject(t)
	act(t, &p, "yongdi-yushen", ActReject, func(r *ActionRequest) { r.Note = "选址不符合国土空间规划" })
	blocked := map[string][]string{}
	for _, it := range p.Items {
		if len(it.BlockedBy) > 0 {
			blocked[it.Type] = it.BlockedBy
		}
	}
	// The whole chain behind 用地预审 is blocked by it, directly or further up.
	want := map[string][]string{
		"yongdi-guihua": {"yongdi-yushen"}, "gongcheng-guihua": {"yongdi-yushen"},
		"renfang": {"yongdi-yushen"}, "shigongtu": {"yongdi-yushen"}, "shigong-xuke": {"yongdi-yushen"},
	}
	if !reflect.DeepEqual(blocked, want) {
		t.Fatalf("blocked = %v, want %v", blocked, want)
	}
	ch := act(t, &p, "yongdi-yushen", ActResubmit)
	if ch.Item.Status != StatusAssigned || ch.Item.Resubmissions != 1 {
		t.Fatalf("resubmitted item %+v", ch.Item)
	}
	for _, it := range p.Items {
		if len(it.BlockedBy) > 0 {
			t.Errorf("%s still blocked by %v after resubmission", it.Type, it.BlockedBy)
		}
	}
	setStatus(t, &p, "yongdi-yushen", StatusApproved)
	if it, _ := p.Item(ItemID(code, "yongdi-guihua")); it.Status != StatusAssigned {
		t.Fatalf("after approval of the resubmission 建设用地规划许可 is %s", it.Status)
	}
}
