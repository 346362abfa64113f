package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

// itemFields are the inputs of the item page's forms, named as the ledger
// names them, so that its refusals land next to them.
var itemFields = []string{"note", "missing_materials", "supplement_days", "commitment", "check_days", "check_result"}

// The item page's special forms: 容缺受理 (accept with materials still
// owed), 告知承诺 (approve on the owner's commitment).
const (
	modeRongque = "rongque"
	modeGaozhi  = "gaozhi"
)

// modeNames are the special forms' actions in words.
var modeNames = map[string]string{modeRongque: "容缺受理", modeGaozhi: "告知承诺办结"}

// itemModes says which of the special forms an item's page offers: the
// catalog's modes of the item and the state machine decide, as the ledger
// will.
type itemModes struct {
	Rongque, Gaozhi, Verify bool
}

func modesOf(it api.Item) itemModes {
	allowed := allowedActions(it)
	return itemModes{
		Rongque: slices.Contains(allowed, "accept") && slices.Contains(it.Modes, modeRongque),
		Gaozhi: slices.Contains(allowed, "approve") && slices.Contains(it.Modes, modeGaozhi) &&
			(it.Supplement == nil || it.Supplement.ReceivedAt != nil),
		Verify: it.Status == "approved" && it.Commitment != nil && it.Commitment.CheckedAt == nil,
	}
}

// checkResults are the follow-up check's results, as the verify form
// offers them.
var checkResults = []option{{Value: "", Label: "请选择"}, {Value: "passed", Label: "核查通过（与承诺一致）"},
	{Value: "failed", Label: "核查未通过（与承诺不符）"}}

func checkResultName(r string) string {
	switch r {
	case "passed":
		return "核查通过"
	case "failed":
		return "核查未通过"
	}
	return r
}

// actionOf is the ledger's action request of an item form as posted. It
// refuses, sending nothing, only what the ledger would take for something
// else: a 容缺 form without materials would be a plain acceptance, a 告知承诺
// form without the commitment a plain approval, and a number of days that
// is no number cannot be sent. Every other rule is the ledger's, which names
// the field it refuses.
func actionOf(v url.Values, actor string) (api.Action, *problem) {
	a := api.Action{Action: v.Get("action"), Note: strings.TrimSpace(v.Get("note")), Actor: actor}
	version, err := strconv.ParseInt(v.Get("version"), 10, 64)
	if err == nil {
		a.Version = version // else 0: the ledger explains a missing version
	}
	var p *problem
	switch v.Get("mode") {
	case modeRongque:
		a.Action = "accept"
		a.MissingMaterials = lines(v.Get("missing_materials"))
		if len(a.MissingMaterials) == 0 {
			return a, &problem{Status: http.StatusUnprocessableEntity, Field: "missing_materials", Message: "请填写尚缺的材料，每行一项。"}
		}
		a.SupplementDays, p = days(v, "supplement_days")
	case modeGaozhi:
		a.Action = "approve"
		a.Commitment = strings.TrimSpace(v.Get("commitment"))
		if a.Commitment == "" {
			return a, &problem{Status: http.StatusUnprocessableEntity, Field: "commitment", Message: "请填写建设单位的承诺内容。"}
		}
		a.CheckDays, p = days(v, "check_days")
	}
	if a.Action == "verify" {
		a.CheckResult = v.Get("check_result")
	}
	return a, p
}

// lines are the non-empty lines of s, trimmed: one material a line.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// days reads a number of working days; left empty it is 0, which the
// ledger refuses with the range it allows.
func days(v url.Values, field string) (int, *problem) {
	s := strings.TrimSpace(v.Get(field))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, &problem{Status: http.StatusUnprocessableEntity, Field: field, Message: "请填写工作日天数（整数）。"}
	}
	return n, nil
}

// itemRefusals are the ledger's refusals of the special forms' fields, in
// words, by field and code.
var itemRefusals = map[string]string{
	"missing_materials/invalid_materials": "请逐行填写尚缺的材料：每行一项，最多 50 项，每项不超过 200 字节。",
	"supplement_days/invalid_days":        "补齐期限须为 1 至 60 个工作日。",
	"commitment/invalid_commitment":       "请填写承诺内容（不超过 2000 字节）。",
	"check_days/invalid_days":             "核查期限须为 1 至 250 个工作日。",
	"check_result/invalid_check_result":   "请选择核查结果：核查通过或核查未通过。",
}

// explainAction is the ledger's refusal of action in words, next to the
// field it names when a form of the page has it.
func explainAction(err error, action string) problem {
	p := explain(err, action)
	var e *api.Error
	if errors.As(err, &e) {
		if words, ok := itemRefusals[e.Field+"/"+e.Code]; ok {
			p.Message = words
		}
	}
	return p
}
