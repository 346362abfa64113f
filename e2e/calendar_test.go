package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"

	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/event"
)

// TestOneCalendarAcrossServices runs ledger, deadline and
// coordination-meeting with their clocks set just before the 2026 National
// Day and Spring Festival and checks that each counts the same working days
// on the official calendar (holidays off, 调休 make-up days on): the ledger's
// due dates equal the deadline service's, both equal the dates worked out by
// hand from the State Council's notice, and a joint meeting convened for an
// escalation is held on the day the deadline service's calendar API names.
// Counted on weekends only, every one of these dates would be earlier. Into
// 2027, which has no data yet, all three count weekends only and deadline
// marks the limits that reach it provisional.
func TestOneCalendarAcrossServices(t *testing.T) {
	periods := []struct {
		name       string
		registered string            // the day ledger and deadline run on
		due        map[string]string // item -> last working day of its limit
		escalated  string            // the day the meeting service runs on ("": no meeting)
		joint      string            // two working days after it
		// provisional items run into a year without official data (2027):
		// counted on weekends only there, and marked.
		provisional map[string]bool
	}{
		{
			// 中秋 09-25..27 and 国庆 10-01..07 off, 10-10 (Saturday) worked.
			name: "国庆 2026", registered: "2026-09-24",
			due: map[string]string{
				"lixiang":       "2026-10-09", // 5 days: 09-28 29 30, 10-08 09
				"yongdi-yushen": "2026-10-15", // 10 days: … 10-10 12 13 14 15
				"shuibao":       "2026-10-15",
				"huanping":      "2026-10-22", // 15 days
				"wenwu":         "2026-10-22",
			},
			escalated: "2026-09-30", joint: "2026-10-09",
		},
		{
			// 春节 02-15..23 off, 02-14 and 02-28 (Saturdays) worked.
			name: "春节 2026", registered: "2026-02-12",
			due: map[string]string{
				"lixiang":       "2026-02-26", // 5 days: 02-13 14, 24 25 26
				"yongdi-yushen": "2026-03-04", // 10 days: … 02-27 28, 03-02 03 04
				"shuibao":       "2026-03-04",
				"huanping":      "2026-03-11", // 15 days
				"wenwu":         "2026-03-11",
			},
			escalated: "2026-02-13", joint: "2026-02-24", // 02-14 (make-up), 02-24
		},
		{
			// No 2027 notice yet: 2027-01-01 (元旦) is counted as a working day.
			name: "2027 without data", registered: "2026-12-15",
			due: map[string]string{
				"lixiang":       "2026-12-22",
				"yongdi-yushen": "2026-12-29",
				"shuibao":       "2026-12-29",
				"huanping":      "2027-01-05", // 15 days: … 12-30 31, 01-01 04 05
				"wenwu":         "2027-01-05",
			},
			provisional: map[string]bool{"huanping": true, "wenwu": true},
		},
	}
	for i, p := range periods {
		t.Run(p.name, func(t *testing.T) {
			s := newSystem(t)
			at := offsetTo(p.registered)
			for _, name := range []string{"intake", "ledger", "deadline"} {
				s.envFor[name] = []string{"TUIJIN_CLOCK_OFFSET=" + at.String()}
			}
			if p.escalated != "" {
				s.envFor["coordination-meeting"] = []string{"TUIJIN_CLOCK_OFFSET=" + offsetTo(p.escalated).String()}
			}
			s.start("intake", "ledger", "deadline", "coordination-meeting")
			code := projectCode(9100 + i)
			s.registerProject(code)

			for key, want := range p.due {
				id := code + "." + key
				if got := s.ledgerDueDate(code, id); got != want {
					t.Errorf("ledger: %s due %s, want %s", key, got, want)
				}
				var d struct {
					DueDate     string `json:"due_date"`
					Provisional bool   `json:"provisional"`
				}
				eventually(t, 60*time.Second, "deadline of "+key, func() bool {
					return s.getJSON(supervisor, s.url("deadline")+"/v1/deadlines/"+url.PathEscape("item:"+id), &d) == http.StatusOK
				})
				if d.DueDate != want || d.Provisional != p.provisional[key] {
					t.Errorf("deadline: %s due %s provisional %v, want %s %v", key, d.DueDate, d.Provisional, want, p.provisional[key])
				}
			}
			if p.escalated == "" {
				return
			}

			var add struct {
				Result string `json:"result"`
			}
			if st := s.getJSON(supervisor, s.url("deadline")+"/v1/calendar/add?date="+p.escalated+"&days=2", &add); st != http.StatusOK {
				t.Fatalf("calendar add: status %d", st)
			}
			if add.Result != p.joint {
				t.Errorf("deadline: 2 working days after %s = %s, want %s", p.escalated, add.Result, p.joint)
			}
			lixiang := code + ".lixiang"
			s.publishInterview(lixiang, code, "fgw")
			var m listedMeeting
			eventually(t, 60*time.Second, "the joint meeting", func() bool {
				var list struct {
					Items []listedMeeting `json:"items"`
				}
				s.getJSON(supervisor, s.url("coordination-meeting")+"/v1/meetings?limit=50", &list)
				for _, c := range list.Items {
					if c.Kind == "joint" && c.AutoConvened && c.ProjectCode == code {
						m = c
						return true
					}
				}
				return false
			})
			if got := m.StartsAt.In(workday.Zone).Format(time.DateOnly); got != p.joint {
				t.Errorf("meeting: joint meeting on %s, want %s (2 working days after %s)", got, p.joint, p.escalated)
			}
		})
	}
}

// listedMeeting is what the test reads of a listed meeting.
type listedMeeting struct {
	Kind         string    `json:"kind"`
	AutoConvened bool      `json:"auto_convened"`
	ProjectCode  string    `json:"project_code"`
	StartsAt     time.Time `json:"starts_at"`
}

// offsetTo is the clock offset that puts a service at 10:00 Beijing time
// of date.
func offsetTo(date string) time.Duration {
	d, err := time.ParseInLocation(time.DateOnly, date, workday.Zone)
	if err != nil {
		panic(err)
	}
	return time.Until(d.Add(10 * time.Hour)).Truncate(time.Second)
}

// ledgerDueDate waits for item id in project code's ledger to be assigned
// and returns the last working day of its limit.
func (s *system) ledgerDueDate(code, id string) string {
	s.t.Helper()
	var due *time.Time
	eventually(s.t, 60*time.Second, "ledger of "+code, func() bool {
		var p struct {
			Items []struct {
				ID  string     `json:"id"`
				Due *time.Time `json:"due"`
			} `json:"items"`
		}
		if s.getJSON(supervisor, s.url("ledger")+"/v1/projects/"+code, &p) != http.StatusOK {
			return false
		}
		for _, it := range p.Items {
			if it.ID == id && it.Due != nil {
				due = it.Due
				return true
			}
		}
		return false
	})
	return due.Add(-time.Nanosecond).In(workday.Zone).Format(time.DateOnly)
}

// publishInterview puts on the bus what the deadline service emits when
// ref's ladder reaches 约谈: the meeting service convenes a joint meeting.
func (s *system) publishInterview(ref, code, dept string) {
	s.t.Helper()
	now := time.Now()
	ev := &deadlinev1.DeadlineEvent{
		TimerId: "item:" + ref, Kind: "item", RefId: ref, ProjectCode: code, Department: dept,
		Level: deadlinev1.Level_LEVEL_INTERVIEW, DueAt: timestamppb.New(now), FiredAt: timestamppb.New(now),
		StepDueAt: timestamppb.New(now), Title: "项目立项", DueDate: now.In(workday.Zone).Format(time.DateOnly),
	}
	env, err := event.New(event.TypeDeadlineEscalated, "deadline", event.Ref("deadline", "item:"+ref), now, ev)
	if err != nil {
		s.t.Fatal(err)
	}
	b, err := event.Marshal(env)
	if err != nil {
		s.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.js.Publish(ctx, fmt.Sprintf("%s.%s", event.TypeDeadlineEscalated, dept), b); err != nil {
		s.t.Fatal(err)
	}
}
