package web

import (
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

// statusNames are the item statuses in the words of the service room.
var statusNames = map[string]string{
	"planned":    "谋划储备中",
	"waiting":    "等待前置事项",
	"assigned":   "待受理",
	"accepted":   "已受理",
	"supplement": "待补正",
	"suspended":  "已中止",
	"approved":   "已办结",
	"rejected":   "不予许可",
	"withdrawn":  "已撤回",
}

func statusName(s string) string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return s
}

// actionNames are the actions of the ledger, department ones first.
var actionNames = map[string]string{
	"accept":              "受理",
	"request_supplement":  "要求补正",
	"supplement_received": "补正材料已收到",
	"approve":             "办结（批准）",
	"reject":              "不予许可",
	"suspend":             "中止办理",
	"resume":              "恢复办理",
	"withdraw":            "撤回申请",
	"resubmit":            "重新申请",
	"verify":              "承诺核查",
	"planned":             "列入台账",
	"assign":              "交办",
	"recount":             "重算时限",
	"release":             "转入审批",
	"receive":             "收件",
}

func actionName(a string) string {
	if n, ok := actionNames[a]; ok {
		return n
	}
	return a
}

// stageNames are the project lifecycle stages.
var stageNames = map[string]string{
	"planning": "谋划", "reserve": "储备", "approving": "审批", "started": "开工",
	"building": "在建", "completed": "竣工",
}

func stageName(s string) string {
	if n, ok := stageNames[s]; ok {
		return n
	}
	return s
}

// departmentActions are the actions a department's clerk takes, in the
// order the item page offers them, with the statuses each may start from
// (the ledger's state machine; the ledger decides, this only chooses which
// buttons to show).
var departmentActions = []struct {
	action string
	from   []string
}{
	{"accept", []string{"assigned"}},
	{"request_supplement", []string{"assigned", "accepted"}},
	{"supplement_received", []string{"supplement", "accepted"}},
	{"approve", []string{"accepted", "assigned"}},
	{"reject", []string{"assigned", "accepted", "supplement"}},
	{"suspend", []string{"assigned", "accepted", "supplement"}},
	{"resume", []string{"suspended"}},
}

// needsNote are the actions the ledger refuses without a note.
var needsNote = map[string]bool{"request_supplement": true, "reject": true, "suspend": true}

// allowedActions are the department actions it makes sense to offer on it.
func allowedActions(it api.Item) []string {
	var out []string
	for _, a := range departmentActions {
		ok := false
		for _, f := range a.from {
			ok = ok || f == it.Status
		}
		switch {
		case !ok:
			continue
		case a.action == "supplement_received" && it.Status == "accepted" && (it.Supplement == nil || it.Supplement.ReceivedAt != nil):
			continue // nothing owed
		case a.action == "approve" && it.Status == "assigned" && !it.Immediate:
			continue // only a 即办件 is approved without acceptance
		}
		out = append(out, a.action)
	}
	return out
}

// problem is an error as the user reads it: what happened, and the form
// field it concerns, if any.
type problem struct {
	Status  int
	Message string
	Field   string
}

// illegalWhy turns the ledger's reasons for an illegal transition into
// Chinese; the ledger writes them for developers.
var illegalWhy = []struct {
	re *regexp.Regexp
	zh func(m []string) string
}{
	{regexp.MustCompile(`it is (\w+); (\w+) is allowed from (.+)$`), func(m []string) string {
		var from []string
		for _, s := range regexp.MustCompile(`\w+`).FindAllString(m[3], -1) {
			if s != "or" && s != "and" {
				from = append(from, "「"+statusName(s)+"」")
			}
		}
		return "该事项当前为「" + statusName(m[1]) + "」，「" + actionName(m[2]) + "」只能在事项为" + strings.Join(from, "或") + "时进行。"
	}},
	{regexp.MustCompile(`容缺受理 is not allowed for (.+)$`), func(m []string) string { return "「" + m[1] + "」不适用容缺受理。" }},
	{regexp.MustCompile(`no materials are owed`), func([]string) string { return "该事项没有待收的材料（既无补正，也无容缺）。" }},
	{regexp.MustCompile(`only a 即办件 is approved on the spot`), func([]string) string {
		return "该事项尚未受理：只有即办件可以当场办结，请先受理。"
	}},
	{regexp.MustCompile(`容缺 materials are still owed: (.+)$`), func(m []string) string {
		return "容缺材料尚未补齐（" + m[1] + "），暂不能办结。"
	}},
	{regexp.MustCompile(`告知承诺 is not allowed for (.+)$`), func(m []string) string { return "「" + m[1] + "」不适用告知承诺。" }},
	{regexp.MustCompile(`not approved on commitment`), func([]string) string { return "该事项不是按告知承诺办结的，无需核查。" }},
	{regexp.MustCompile(`follow-up check is already recorded`), func([]string) string { return "该事项的核查结果已经登记。" }},
}

// byCode are the contract's error codes the portal explains in words.
var byCode = map[string]string{
	"stale_version":    "该事项刚被他人更新过，页面已显示最新状态，请核对后重新操作。",
	"version_required": "页面已过期，请刷新后重新操作。",
	"invalid_version":  "页面已过期，请刷新后重新操作。",
	"actor_required":   "缺少经办人姓名，请重新登录后再试。",
	"too_long":         "填写的内容过长，请精简后再提交。",
	"unknown_action":   "不支持该操作。",
	"item_not_found":   "没有找到该事项。",
	"not_found":        "没有找到您要的内容。",
	"forbidden":        "您没有权限查看或办理此项内容。",
	"unauthenticated":  "登录已失效，请重新登录。",
	"rate_limited":     "操作过于频繁，请稍后再试。",
}

// explain is err in the user's words. An upstream's error is explained by
// its code (and, for the ledger's state machine, its reason); anything else
// is a fault of the system, told without its details.
func explain(err error, action string) problem {
	var e *api.Error
	if errors.As(err, &e) {
		p := problem{Status: e.Status, Field: e.Field}
		switch {
		case e.Code == "note_required":
			p.Message = "「" + actionName(action) + "」需要填写说明（理由或需补正的材料）。"
			p.Field = "note"
		case e.Code == "illegal_transition":
			p.Message = "当前状态下不能进行此操作。"
			for _, w := range illegalWhy {
				if m := w.re.FindStringSubmatch(e.Message); m != nil {
					p.Message = w.zh(m)
					break
				}
			}
		case strings.HasSuffix(e.Code, "_not_found"):
			p.Message = "没有找到您要的项目或事项。"
		case byCode[e.Code] != "":
			p.Message = byCode[e.Code]
		default:
			p.Message = byStatus(e.Status)
		}
		return p
	}
	var u *api.Unavailable
	if errors.As(err, &u) {
		return problem{Status: http.StatusBadGateway, Message: serviceName(u.Service) + "暂时无法访问，请稍后再试。"}
	}
	return problem{Status: http.StatusInternalServerError, Message: "系统出现故障，请稍后再试。如果问题持续，请联系运维值班。"}
}

func byStatus(status int) string {
	switch {
	case status == http.StatusBadRequest:
		return "提交的内容格式有误，请检查后重试。"
	case status == http.StatusForbidden:
		return byCode["forbidden"]
	case status == http.StatusNotFound:
		return byCode["not_found"]
	case status == http.StatusConflict:
		return "该操作与当前状态冲突，请刷新后重试。"
	case status == http.StatusUnprocessableEntity:
		return "填写的内容不符合要求，请检查后重试。"
	case status == http.StatusTooManyRequests:
		return byCode["rate_limited"]
	case status >= 500:
		return "服务暂时出现故障，请稍后再试。"
	}
	return "操作没有成功，请稍后再试。"
}

func serviceName(s api.Service) string {
	switch s {
	case api.ServiceIssuer:
		return "登录服务"
	case api.ServiceIntake:
		return "项目受理服务"
	case api.ServiceLedger:
		return "台账服务"
	case api.ServiceDeadline:
		return "时限服务"
	case api.ServiceMeeting:
		return "会议服务"
	case api.ServiceNotification:
		return "消息服务"
	}
	return "后台服务"
}

// roleNames are the roles as the header names the user.
var roleNames = map[string]string{
	"owner": "企业", "officer": "推进专员", "clerk": "经办人", "leader": "负责人",
	"supervisor": "督导", "secretary": "会议秘书", "operations": "运维",
}

// levelMark is how the queue marks a deadline level: red or yellow, and the
// words that say it (colour is never the only sign).
func levelMark(level string) (class, words string) {
	switch level {
	case "yellow":
		return "yellow", "黄灯·临近时限"
	case "red":
		return "red", "红灯·已超期"
	case "urge":
		return "red", "红灯·催办"
	case "supervise":
		return "red", "红灯·督办"
	case "interview":
		return "red", "红灯·约谈"
	case "escalate":
		return "red", "红灯·提级"
	}
	return "", ""
}
