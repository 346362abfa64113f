package deadline

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// The explanation of a due date must let a department recount it by hand:
// the start, the days counted, the days off by name, the make-up days and
// the pauses, over the 2026 National Day and Spring Festival.
func TestExplanationOverNationalDayAndSpringFestival(t *testing.T) {
	cal := workday.Shipped()
	item := func(assigned time.Time, days int) Deadline {
		return ForItem(cal, ItemAssignment{ItemID: "i", ItemName: "环评", Department: "sthj", AssignedAt: assigned, PromisedDays: days})
	}
	apply := func(d Deadline, cs ...Change) Deadline {
		for _, c := range cs {
			var ok bool
			if d, ok = d.Apply(cal, c); !ok {
				t.Fatalf("change %v not applied", c)
			}
		}
		return d
	}
	for _, tt := range []struct {
		name     string
		d        Deadline
		want     string // the JSON of the explanation's data
		sentence string
	}{
		{
			name: "国庆: 5 days from 09-24",
			d:    item(at(2026, 9, 24, 10), 5),
			want: `{"start":"2026-09-24","started_by":"交办","working_days":5,"paused_working_days":0,"counted_working_days":5,"first_day":"2026-09-28","due_date":"2026-10-09",` +
				`"days_off_skipped":[{"name":"中秋节","from":"2026-09-25","to":"2026-09-27","days":3},{"name":"国庆节","from":"2026-10-01","to":"2026-10-07","days":7}],"make_up_days_counted":[],"pauses":[]`,
			sentence: "自2026年9月24日（交办）起算，当日不计入，计5个工作日：自9月28日起，跳过中秋节9月25日至9月27日（3天）、国庆节10月1日至10月7日（7天），至2026年10月9日届满。",
		},
		{
			name: "国庆: accepted 09-29, 10 days, the make-up Saturday 10-10 counted",
			d:    apply(item(at(2026, 9, 28, 9), 10), Change{Kind: ChangeAccept, At: at(2026, 9, 29, 9)}),
			want: `{"start":"2026-09-29","started_by":"受理","working_days":10,"paused_working_days":0,"counted_working_days":10,"first_day":"2026-09-30","due_date":"2026-10-19",` +
				`"days_off_skipped":[{"name":"国庆节","from":"2026-10-01","to":"2026-10-07","days":7},{"name":"周末","from":"2026-10-11","to":"2026-10-11","days":1},{"name":"周末","from":"2026-10-17","to":"2026-10-18","days":2}],` +
				`"make_up_days_counted":[{"date":"2026-10-10","name":"国庆节"}],"pauses":[]`,
			sentence: "自2026年9月29日（受理）起算，当日不计入，计10个工作日：自9月30日起，跳过国庆节10月1日至10月7日（7天）、周末10月11日（1天）、周末10月17日至10月18日（2天），计入调休上班日10月10日（国庆节调休），至2026年10月19日届满。",
		},
		{
			name: "春节: accepted 02-10, 补正 02-12 to 02-25 extends by the working days paused",
			d: apply(item(at(2026, 2, 9, 9), 5), Change{Kind: ChangeAccept, At: at(2026, 2, 10, 9)},
				Change{Kind: ChangePause, At: at(2026, 2, 12, 9), Reason: "supplement"},
				Change{Kind: ChangeSupplied, At: at(2026, 2, 25, 9)}),
			// Paused 02-12, 13, 14 (make-up Saturday), 24: 4 working days; 9 counted,
			// the ninth the make-up Saturday 02-28.
			want: `{"start":"2026-02-10","started_by":"受理","working_days":5,"paused_working_days":4,"counted_working_days":9,"first_day":"2026-02-11","due_date":"2026-02-28",` +
				`"days_off_skipped":[{"name":"春节","from":"2026-02-15","to":"2026-02-23","days":9}],"make_up_days_counted":[{"date":"2026-02-14","name":"春节"},{"date":"2026-02-28","name":"春节"}],` +
				`"pauses":[{"reason":"补正","from":"2026-02-12","to":"2026-02-25","working_days":4}]`,
			sentence: "自2026年2月10日（受理）起算，当日不计入，计9个工作日（承诺时限5个工作日，另加暂停4个工作日）：自2月11日起，跳过春节2月15日至2月23日（9天），计入调休上班日2月14日（春节调休）、2月28日（春节调休），补正暂停2月12日至2月25日（不含），计4个工作日，至2026年2月28日届满。",
		},
		{
			name: "春节: suspended and not resumed yet",
			d:    apply(item(at(2026, 2, 13, 9), 3), Change{Kind: ChangePause, At: at(2026, 2, 24, 9), Reason: "suspended"}),
			want: `{"start":"2026-02-13","started_by":"交办","working_days":3,"paused_working_days":0,"counted_working_days":3,"first_day":"2026-02-14","due_date":"2026-02-25",` +
				`"days_off_skipped":[{"name":"春节","from":"2026-02-15","to":"2026-02-23","days":9}],"make_up_days_counted":[{"date":"2026-02-14","name":"春节"}],` +
				`"pauses":[{"reason":"中止","from":"2026-02-24","working_days":0}]`,
			sentence: "自2026年2月13日（交办）起算，当日不计入，计3个工作日：自2月14日起，跳过春节2月15日至2月23日（9天），计入调休上班日2月14日（春节调休），自2月24日起因中止暂停计时，恢复后顺延，至2026年2月25日届满。",
		},
		{
			name:     "即办件 assigned on 国庆",
			d:        item(at(2026, 10, 5, 10), 0),
			want:     `{"start":"2026-10-05","started_by":"交办","working_days":0,"paused_working_days":0,"counted_working_days":1,"first_day":"2026-10-08","due_date":"2026-10-08","days_off_skipped":[{"name":"国庆节","from":"2026-10-05","to":"2026-10-07","days":3}],"make_up_days_counted":[],"pauses":[]`,
			sentence: "即办件，自2026年10月5日（交办）起当日办结，当日非工作日，顺延至下一工作日，跳过国庆节10月5日至10月7日（3天），至2026年10月8日届满。",
		},
		{
			name: "into 2027, which has no data yet",
			d:    item(at(2026, 12, 15, 10), 15),
			want: `{"start":"2026-12-15","started_by":"交办","working_days":15,"paused_working_days":0,"counted_working_days":15,"first_day":"2026-12-16","due_date":"2027-01-05",` +
				`"days_off_skipped":[{"name":"周末","from":"2026-12-19","to":"2026-12-20","days":2},{"name":"周末","from":"2026-12-26","to":"2026-12-27","days":2},{"name":"周末","from":"2027-01-02","to":"2027-01-03","days":2}],"make_up_days_counted":[],"pauses":[],"provisional_years":[2027]`,
			sentence: "自2026年12月15日（交办）起算，当日不计入，计15个工作日：自12月16日起，跳过周末12月19日至12月20日（2天）、周末12月26日至12月27日（2天）、周末2027年1月2日至1月3日（2天），至2027年1月5日届满；2027年节假日安排尚未公布，该年暂按周末计算，截止日期可能变动。",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.d.Explain(cal)
			if e.DueDate != tt.d.DueDate {
				t.Errorf("explained due date %s, the deadline's %s", e.DueDate, tt.d.DueDate)
			}
			sentence := e.Sentence
			e.Sentence = ""
			b, _ := json.Marshal(e)
			if got := string(b[:len(b)-len(`,"sentence":""}`)]); got != tt.want {
				t.Errorf("explanation\n got %s\nwant %s", got, tt.want)
			}
			if sentence != tt.sentence {
				t.Errorf("sentence\n got %s\nwant %s", sentence, tt.sentence)
			}
		})
	}
}
