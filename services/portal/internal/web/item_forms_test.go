package web

import (
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

func TestActionOfTheItemForms(t *testing.T) {
	for name, tc := range map[string]struct {
		form    url.Values
		want    api.Action
		refused string // the field the portal refuses itself, sending nothing
	}{
		"plain accept": {
			form: url.Values{"action": {"accept"}, "note": {" 材料齐全 "}, "version": {"4"}},
			want: api.Action{Action: "accept", Note: "材料齐全", Actor: "李科长", Version: 4},
		},
		"容缺受理: one material a line, blank lines dropped": {
			form: url.Values{"action": {"accept"}, "mode": {"rongque"}, "version": {"4"},
				"missing_materials": {"不动产权籍调查报告\r\n\r\n  地质灾害评估报告 \n"}, "supplement_days": {" 5 "}},
			want: api.Action{Action: "accept", Actor: "李科长", Version: 4,
				MissingMaterials: []string{"不动产权籍调查报告", "地质灾害评估报告"}, SupplementDays: 5},
		},
		"容缺受理 whatever the button said": {
			form: url.Values{"action": {"approve"}, "mode": {"rongque"}, "version": {"4"},
				"missing_materials": {"不动产权籍调查报告"}, "supplement_days": {"5"}},
			want: api.Action{Action: "accept", Actor: "李科长", Version: 4,
				MissingMaterials: []string{"不动产权籍调查报告"}, SupplementDays: 5},
		},
		"容缺受理 without days: the ledger says the range": {
			form: url.Values{"action": {"accept"}, "mode": {"rongque"}, "version": {"4"}, "missing_materials": {"不动产权籍调查报告"}},
			want: api.Action{Action: "accept", Actor: "李科长", Version: 4, MissingMaterials: []string{"不动产权籍调查报告"}},
		},
		"容缺受理 without materials would be a plain acceptance": {
			form:    url.Values{"action": {"accept"}, "mode": {"rongque"}, "version": {"4"}, "missing_materials": {" \n "}, "supplement_days": {"5"}},
			refused: "missing_materials",
		},
		"容缺受理 with days in words": {
			form:    url.Values{"action": {"accept"}, "mode": {"rongque"}, "version": {"4"}, "missing_materials": {"报告"}, "supplement_days": {"五天"}},
			refused: "supplement_days",
		},
		"告知承诺": {
			form: url.Values{"action": {"approve"}, "mode": {"gaozhi"}, "version": {"5"}, "note": {"同意"},
				"commitment": {" 按批复落实污染防治措施 "}, "check_days": {"20"}},
			want: api.Action{Action: "approve", Note: "同意", Actor: "李科长", Version: 5,
				Commitment: "按批复落实污染防治措施", CheckDays: 20},
		},
		"告知承诺 without the commitment would be a plain approval": {
			form:    url.Values{"action": {"approve"}, "mode": {"gaozhi"}, "version": {"5"}, "check_days": {"20"}},
			refused: "commitment",
		},
		"告知承诺 with a check in words": {
			form:    url.Values{"action": {"approve"}, "mode": {"gaozhi"}, "version": {"5"}, "commitment": {"承诺"}, "check_days": {"二十"}},
			refused: "check_days",
		},
		"承诺核查": {
			form: url.Values{"action": {"verify"}, "version": {"6"}, "check_result": {"passed"}, "note": {"现场核查一致"}},
			want: api.Action{Action: "verify", Note: "现场核查一致", Actor: "李科长", Version: 6, CheckResult: "passed"},
		},
		"承诺核查 without a result: the ledger refuses it": {
			form: url.Values{"action": {"verify"}, "version": {"6"}},
			want: api.Action{Action: "verify", Actor: "李科长", Version: 6},
		},
		"a result only goes with verify": {
			form: url.Values{"action": {"approve"}, "version": {"6"}, "check_result": {"passed"}},
			want: api.Action{Action: "approve", Actor: "李科长", Version: 6},
		},
		"a page without its version": {
			form: url.Values{"action": {"accept"}},
			want: api.Action{Action: "accept", Actor: "李科长"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			got, p := actionOf(tc.form, "李科长")
			if tc.refused != "" {
				if p == nil || p.Field != tc.refused || p.Status != http.StatusUnprocessableEntity || p.Message == "" {
					t.Fatalf("refusal %+v, want one of %s", p, tc.refused)
				}
				return
			}
			if p != nil {
				t.Fatalf("refused: %+v", p)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("request\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestItemModesOffered(t *testing.T) {
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, beijing)
	for name, tc := range map[string]struct {
		item api.Item
		want itemModes
	}{
		"assigned, 容缺 allowed":           {api.Item{Status: "assigned", Modes: []string{"green_channel", "rongque"}}, itemModes{Rongque: true}},
		"assigned, no 容缺 in the catalog": {api.Item{Status: "assigned", Modes: []string{"gaozhi"}}, itemModes{}},
		"accepted, 告知承诺 allowed":         {api.Item{Status: "accepted", Modes: []string{"gaozhi"}}, itemModes{Gaozhi: true}},
		"accepted, 容缺 materials owed": {api.Item{Status: "accepted", Modes: []string{"gaozhi"},
			Supplement: &api.Supplement{Materials: []string{"报告"}}}, itemModes{}},
		"accepted, 容缺 materials in": {api.Item{Status: "accepted", Modes: []string{"gaozhi"},
			Supplement: &api.Supplement{Materials: []string{"报告"}, ReceivedAt: &now}}, itemModes{Gaozhi: true}},
		"assigned 即办件, 告知承诺 allowed": {api.Item{Status: "assigned", Immediate: true, Modes: []string{"rongque", "gaozhi"}},
			itemModes{Rongque: true, Gaozhi: true}},
		"approved on commitment, not checked": {api.Item{Status: "approved", Commitment: &api.Commitment{Text: "承诺"}}, itemModes{Verify: true}},
		"approved on commitment, checked": {api.Item{Status: "approved",
			Commitment: &api.Commitment{Text: "承诺", CheckedAt: &now, CheckResult: "passed"}}, itemModes{}},
		"approved plainly":      {api.Item{Status: "approved", Modes: []string{"gaozhi"}}, itemModes{}},
		"suspended, 容缺 allowed": {api.Item{Status: "suspended", Modes: []string{"rongque", "gaozhi"}}, itemModes{}},
	} {
		if got := modesOf(tc.item); got != tc.want {
			t.Errorf("%s: %+v, want %+v", name, got, tc.want)
		}
	}
}

func TestLedgerRefusalsOfTheItemForms(t *testing.T) {
	for _, tc := range []struct {
		err         *api.Error
		field, want string
	}{
		{&api.Error{Status: 422, Code: "invalid_days", Field: "supplement_days", Message: "supplement_days (the owner's deadline) must be 1-60 working days"},
			"supplement_days", "补齐期限须为 1 至 60 个工作日。"},
		{&api.Error{Status: 422, Code: "invalid_days", Field: "check_days", Message: "check_days (the follow-up check) must be 1-250 working days"},
			"check_days", "核查期限须为 1 至 250 个工作日。"},
		{&api.Error{Status: 422, Code: "invalid_materials", Field: "missing_materials", Message: "each missing material is a non-empty name of at most 200 bytes"},
			"missing_materials", "请逐行填写尚缺的材料：每行一项，最多 50 项，每项不超过 200 字节。"},
		{&api.Error{Status: 422, Code: "invalid_check_result", Field: "check_result", Message: "verify needs check_result passed or failed"},
			"check_result", "请选择核查结果：核查通过或核查未通过。"},
		{&api.Error{Status: 409, Code: "illegal_transition", Message: "cannot accept item x.jianshe: 容缺受理 is not allowed for 建设用地规划许可证"},
			"", "「建设用地规划许可证」不适用容缺受理。"},
		{&api.Error{Status: 409, Code: "illegal_transition", Message: "cannot approve item x.huanping: 告知承诺 is not allowed for 环评"},
			"", "「环评」不适用告知承诺。"},
	} {
		p := explainAction(tc.err, "accept")
		if p.Field != tc.field || p.Message != tc.want || p.Status != tc.err.Status {
			t.Errorf("%s: %+v, want %q on %q", tc.err.Message, p, tc.want, tc.field)
		}
	}
}
