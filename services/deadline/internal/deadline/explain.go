package deadline

import (
	"fmt"
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// Explanation is why a deadline is due when it is, as data and as one
// sentence, so that a department can check the date by hand: the date the
// count starts from (not counted itself), the working days counted (the
// promised ones and those paused), the days off skipped by name, the
// make-up working days (调休) counted, and the pauses.
type Explanation struct {
	Start       string      `json:"start"`      // YYYY-MM-DD, the date the count runs from; not counted
	StartedBy   string      `json:"started_by"` // what that date is: 交办, 受理, 提出问题, 会议布置, 重新申请
	Days        int         `json:"working_days"`
	PausedDays  int         `json:"paused_working_days"`
	CountedDays int         `json:"counted_working_days"` // Days + PausedDays (1 for 即办件: the same working day)
	FirstDay    string      `json:"first_day"`            // the working day counted as day 1
	DueDate     string      `json:"due_date"`
	DaysOff     []DaysOff   `json:"days_off_skipped"`
	MakeUpDays  []MakeUpDay `json:"make_up_days_counted"`
	Pauses      []PauseNote `json:"pauses"`
	// ProvisionalYears are the years the count runs into whose official
	// arrangement is not published: counted on weekends only there.
	ProvisionalYears []int  `json:"provisional_years,omitempty"`
	Sentence         string `json:"sentence"`
}

// DaysOff is a stretch of days off the count skipped, all of one name
// (国庆节, 春节, 周末).
type DaysOff struct {
	Name string `json:"name"`
	From string `json:"from"`
	To   string `json:"to"`
	Days int    `json:"days"`
}

// MakeUpDay is a make-up working day (调休) the count took as a working day.
type MakeUpDay struct {
	Date string `json:"date"`
	Name string `json:"name"` // the holiday it makes up for
}

// PauseNote is one pause of the clock: from its date up to, not including,
// the resume's date; an open one has no To and its days are not yet added.
type PauseNote struct {
	Reason      string `json:"reason"` // 补正 or 中止
	From        string `json:"from"`
	To          string `json:"to,omitempty"`
	WorkingDays int    `json:"working_days"`
}

var pauseReasons = map[string]string{"supplement": "补正", "suspended": "中止"}

func pauseReason(r string) string {
	if z, ok := pauseReasons[r]; ok {
		return z
	}
	return "暂停"
}

// Explain returns why d is due on its due date on cal.
func (d Deadline) Explain(cal workday.Calendar) Explanation {
	sp := workday.Explain(cal, d.Start, d.Days+d.PausedDays)
	e := Explanation{Start: iso(sp.Start), StartedBy: d.startedBy(), Days: d.Days, PausedDays: d.PausedDays,
		CountedDays: sp.Counted, FirstDay: iso(sp.First), DueDate: iso(sp.Last),
		DaysOff: []DaysOff{}, MakeUpDays: []MakeUpDay{}, Pauses: []PauseNote{},
		ProvisionalYears: workday.ProvisionalYears(cal, sp.Start, sp.Last)}
	for _, r := range sp.Skipped {
		e.DaysOff = append(e.DaysOff, DaysOff{Name: r.Name, From: iso(r.From), To: iso(r.To), Days: r.Days})
	}
	for _, m := range sp.MakeUp {
		e.MakeUpDays = append(e.MakeUpDays, MakeUpDay{Date: iso(m.Date), Name: m.Name})
	}
	for _, p := range d.Pauses {
		e.Pauses = append(e.Pauses, PauseNote{Reason: pauseReason(p.Reason), From: iso(p.From), To: iso(p.To), WorkingDays: p.WorkingDays})
	}
	if d.State == StatePaused {
		e.Pauses = append(e.Pauses, PauseNote{Reason: pauseReason(d.PauseReason), From: iso(d.PausedAt)})
	}
	e.Sentence = e.sentence(d.Immediate || d.Days == 0)
	return e
}

func (d Deadline) startedBy() string {
	switch {
	case d.Kind == "problem":
		return "提出问题"
	case d.Kind == "action":
		return "会议布置"
	case d.Kind == KindSupplement:
		return "容缺受理"
	case d.Kind == KindCheck:
		return "告知承诺审批"
	case !d.AcceptedAt.IsZero() && d.Start.Equal(d.AcceptedAt):
		return "受理"
	case d.Round > 1:
		return "重新申请"
	}
	return "交办"
}

// sentence is the explanation as an official would write it, e.g.
// 自2026年9月24日（交办）起算，当日不计入，计5个工作日：自9月28日起，跳过中秋节9月25日至9月27日（3天）、国庆节10月1日至10月7日（7天），至2026年10月9日届满。
func (e Explanation) sentence(immediate bool) string {
	var b strings.Builder
	start, first, due := parse(e.Start), parse(e.FirstDay), parse(e.DueDate)
	if immediate {
		fmt.Fprintf(&b, "即办件，自%s（%s）起当日办结", cnDate(start), e.StartedBy)
		if !first.Equal(start) {
			fmt.Fprintf(&b, "，当日非工作日，顺延至下一工作日")
		}
	} else {
		fmt.Fprintf(&b, "自%s（%s）起算，当日不计入，计%d个工作日", cnDate(start), e.StartedBy, e.CountedDays)
		if e.PausedDays > 0 {
			fmt.Fprintf(&b, "（承诺时限%d个工作日，另加暂停%d个工作日）", e.Days, e.PausedDays)
		}
		fmt.Fprintf(&b, "：自%s起", cnShort(first, start))
	}
	if len(e.DaysOff) > 0 {
		parts := make([]string, len(e.DaysOff))
		for i, r := range e.DaysOff {
			from, to := parse(r.From), parse(r.To)
			if r.Days == 1 {
				parts[i] = fmt.Sprintf("%s%s（1天）", r.Name, cnShort(from, start))
			} else {
				parts[i] = fmt.Sprintf("%s%s至%s（%d天）", r.Name, cnShort(from, start), cnShort(to, from), r.Days)
			}
		}
		b.WriteString("，跳过" + strings.Join(parts, "、"))
	}
	if len(e.MakeUpDays) > 0 {
		parts := make([]string, len(e.MakeUpDays))
		for i, m := range e.MakeUpDays {
			parts[i] = fmt.Sprintf("%s（%s调休）", cnShort(parse(m.Date), start), m.Name)
		}
		b.WriteString("，计入调休上班日" + strings.Join(parts, "、"))
	}
	for _, p := range e.Pauses {
		if p.To == "" {
			fmt.Fprintf(&b, "，自%s起因%s暂停计时，恢复后顺延", cnShort(parse(p.From), start), p.Reason)
			continue
		}
		fmt.Fprintf(&b, "，%s暂停%s至%s（不含），计%d个工作日", p.Reason, cnShort(parse(p.From), start), cnShort(parse(p.To), start), p.WorkingDays)
	}
	fmt.Fprintf(&b, "，至%s届满", cnDate(due))
	for _, y := range e.ProvisionalYears {
		fmt.Fprintf(&b, "；%d年节假日安排尚未公布，该年暂按周末计算，截止日期可能变动", y)
	}
	b.WriteString("。")
	return b.String()
}

func iso(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(workday.Zone).Format(time.DateOnly)
}

func parse(s string) time.Time {
	t, _ := time.ParseInLocation(time.DateOnly, s, workday.Zone)
	return t
}

func cnDate(t time.Time) string {
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

// cnShort writes t without its year when it is ref's year.
func cnShort(t, ref time.Time) string {
	if t.Year() != ref.Year() {
		return cnDate(t)
	}
	return fmt.Sprintf("%d月%d日", t.Month(), t.Day())
}
