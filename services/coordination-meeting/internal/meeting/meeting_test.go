package meeting

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/org"
)

func TestDraftValidate(t *testing.T) {
	o, err := org.Demo()
	if err != nil {
		t.Fatal(err)
	}
	ok := Draft{Kind: KindDispatch, Title: " 用地专班周调度会 ", StartsAt: "2026-03-02T09:30:00.123456+08:00",
		Location: "政务服务中心 301", WorkGroup: "yongdi", Attendees: []string{"zrzy", "fgw", "zrzy"}}
	tests := []struct {
		name  string
		edit  func(*Draft)
		field string // the field named by the error, "" for success
		code  string
	}{
		{name: "valid", edit: func(*Draft) {}},
		{name: "joint without work group", edit: func(d *Draft) { d.Kind = KindJoint; d.WorkGroup = "" }},
		{name: "team report", edit: func(d *Draft) { d.Kind = KindTeamReport }},
		{name: "on site with project", edit: func(d *Draft) { d.Kind = KindOnSite; d.ProjectCode = "2024-370481-04-01-123456" }},
		{name: "missing kind", edit: func(d *Draft) { d.Kind = "" }, field: "kind", code: "invalid_kind"},
		{name: "unknown kind", edit: func(d *Draft) { d.Kind = "party" }, field: "kind", code: "invalid_kind"},
		{name: "missing title", edit: func(d *Draft) { d.Title = "  " }, field: "title", code: "required"},
		{name: "title too long", edit: func(d *Draft) { d.Title = strings.Repeat("会", 101) }, field: "title", code: "too_long"},
		{name: "missing starts_at", edit: func(d *Draft) { d.StartsAt = "" }, field: "starts_at", code: "required"},
		{name: "starts_at without zone", edit: func(d *Draft) { d.StartsAt = "2026-03-02T09:30:00" }, field: "starts_at", code: "invalid_time"},
		{name: "starts_at not a time", edit: func(d *Draft) { d.StartsAt = "next monday" }, field: "starts_at", code: "invalid_time"},
		{name: "missing location", edit: func(d *Draft) { d.Location = "" }, field: "location", code: "required"},
		{name: "unknown work group", edit: func(d *Draft) { d.WorkGroup = "nosuch" }, field: "work_group", code: "unknown_work_group"},
		{name: "no attendees without work group", edit: func(d *Draft) { d.Kind = KindJoint; d.WorkGroup = ""; d.Attendees = nil }, field: "attendees", code: "required"},
		{name: "no attendees with work group", edit: func(d *Draft) { d.Attendees = nil }},
		{name: "dispatch without work group", edit: func(d *Draft) { d.WorkGroup = "" }, field: "work_group", code: "required"},
		{name: "unknown department", edit: func(d *Draft) { d.Attendees = []string{"zrzy", "nosuch"} }, field: "attendees", code: "unknown_department"},
		{name: "on site without project", edit: func(d *Draft) { d.Kind = KindOnSite }, field: "project_code", code: "required"},
		{name: "malformed project code", edit: func(d *Draft) { d.ProjectCode = "2024-1" }, field: "project_code", code: "invalid_code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ok
			d.Attendees = slices.Clone(ok.Attendees)
			tt.edit(&d)
			m, err := d.Validate(o)
			if tt.field != "" {
				e, isApp := apperr.As(err)
				if !isApp || e.Kind != apperr.KindInvalid || e.Field != tt.field || e.Code != tt.code {
					t.Fatalf("got %v, want invalid %s/%s", err, tt.field, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if m.Title != strings.TrimSpace(d.Title) || m.Kind != d.Kind {
				t.Errorf("meeting %+v", m)
			}
			if want := time.Date(2026, 3, 2, 1, 30, 0, 123000000, time.UTC); !m.StartsAt.Equal(want) || m.StartsAt.Location() != time.UTC {
				t.Errorf("starts_at %v, want %v in UTC at millisecond precision", m.StartsAt, want)
			}
			if len(d.Attendees) == 3 && !slices.Equal(m.Attendees, []string{"zrzy", "fgw"}) {
				t.Errorf("attendees %v, want each once in order", m.Attendees)
			}
		})
	}
}

func TestListQueryCheck(t *testing.T) {
	tests := []struct {
		name  string
		q     ListQuery
		want  ListQuery
		field string
	}{
		{name: "defaults", q: ListQuery{Limit: DefaultLimit}, want: ListQuery{Limit: DefaultLimit}},
		{name: "work group and limit", q: ListQuery{WorkGroup: " yongdi ", Limit: 5}, want: ListQuery{WorkGroup: "yongdi", Limit: 5}},
		{name: "largest page", q: ListQuery{Limit: MaxLimit}, want: ListQuery{Limit: MaxLimit}},
		{name: "malformed work group", q: ListQuery{WorkGroup: "Yong Di", Limit: 5}, field: "work_group"},
		{name: "limit zero", q: ListQuery{Limit: 0}, field: "limit"},
		{name: "limit negative", q: ListQuery{Limit: -1}, field: "limit"},
		{name: "limit too large", q: ListQuery{Limit: 201}, field: "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.q.Check()
			if tt.field != "" {
				if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindInvalid || e.Field != tt.field {
					t.Fatalf("got %v, want invalid %s", err, tt.field)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestCandidateQueryCheck(t *testing.T) {
	tests := []struct {
		name  string
		q     CandidateQuery
		want  CandidateQuery
		field string
	}{
		{name: "any status", q: CandidateQuery{Limit: DefaultLimit}, want: CandidateQuery{Limit: DefaultLimit}},
		{name: "status trimmed", q: CandidateQuery{Status: " open", Limit: 3}, want: CandidateQuery{Status: CandidateOpen, Limit: 3}},
		{name: "unknown status", q: CandidateQuery{Status: "lost", Limit: 3}, field: "status"},
		{name: "limit zero", q: CandidateQuery{Limit: 0}, field: "limit"},
		{name: "limit too large", q: CandidateQuery{Limit: MaxLimit + 1}, field: "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.q.Check()
			if tt.field != "" {
				if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindInvalid || e.Field != tt.field {
					t.Fatalf("got %v, want invalid %s", err, tt.field)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}
