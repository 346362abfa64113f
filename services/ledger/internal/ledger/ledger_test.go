package ledger

import (
	"sort"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/services/ledger/internal/catalog"
)

func TestOpenAssignsItemsWithoutPrerequisites(t *testing.T) {
	cat, err := catalog.Demo(func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	p, assigned := Open(ProjectInfo{Code: "2026-370481-04-01-000001"}, cat, workday.Weekends{}, now)
	if len(p.Items) != len(cat.Items) {
		t.Fatalf("ledger has %d items, catalog %d", len(p.Items), len(cat.Items))
	}
	var got []string
	for _, it := range assigned {
		got = append(got, it.Type)
	}
	sort.Strings(got)
	want := []string{"huanping", "lixiang", "shuibao", "wenwu", "yongdi-yushen"}
	if len(got) != len(want) {
		t.Fatalf("assigned %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("assigned %v, want %v", got, want)
		}
	}
	for _, it := range p.Items {
		wantStatus := StatusWaiting
		if len(it.Prerequisites) == 0 {
			wantStatus = StatusAssigned
		}
		if it.Status != wantStatus {
			t.Errorf("%s: status %s, want %s", it.Type, it.Status, wantStatus)
		}
	}
}

func TestAssignReadyFollowsApprovals(t *testing.T) {
	cat, _ := catalog.Demo(func(string) bool { return true })
	now := time.Now()
	p, _ := Open(ProjectInfo{Code: "c"}, cat, workday.Weekends{}, now)
	approve := func(key string) []string {
		it, _ := p.Item(ItemID("c", key))
		it.Status = StatusApproved
		var keys []string
		for _, a := range p.assignReady(workday.Weekends{}, now) {
			keys = append(keys, a.Type)
		}
		sort.Strings(keys)
		return keys
	}
	steps := []struct {
		approve string
		want    []string
	}{
		{"yongdi-yushen", []string{"yongdi-guihua"}},
		{"yongdi-guihua", []string{"gongcheng-guihua"}},
		{"gongcheng-guihua", []string{"renfang", "shigongtu"}},
		{"shigongtu", nil}, // 施工许可 still waits for 人防报建
		{"renfang", []string{"shigong-xuke"}},
		{"lixiang", []string{"jieneng"}},
	}
	for _, s := range steps {
		got := approve(s.approve)
		if len(got) != len(s.want) {
			t.Fatalf("after approving %s assigned %v, want %v", s.approve, got, s.want)
		}
		for i := range got {
			if got[i] != s.want[i] {
				t.Fatalf("after approving %s assigned %v, want %v", s.approve, got, s.want)
			}
		}
	}
}

func TestSplitItemID(t *testing.T) {
	code, key, ok := SplitItemID(ItemID("2024-370481-04-01-123456", "shigong-xuke"))
	if !ok || code != "2024-370481-04-01-123456" || key != "shigong-xuke" {
		t.Fatalf("SplitItemID = %q %q %v", code, key, ok)
	}
	for _, bad := range []string{"", "nodot", ".x", "x."} {
		if _, _, ok := SplitItemID(bad); ok {
			t.Errorf("SplitItemID(%q) ok", bad)
		}
	}
}
