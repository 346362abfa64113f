package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	intakev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/intake/v1"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/intake/internal/intake"
)

// TestPlannedStartAtRegistration: a planned start (计划开工) given on
// POST /v1/projects or in an import is kept as a day and carried on the
// registration event; one that is no day is refused with the field named
// and registers nothing, neither the project nor an event.
func TestPlannedStartAtRegistration(t *testing.T) {
	natsURL, js := testenv.JetStream(t)
	base := start(t, "--nats-url="+natsURL, "--mongo-uri="+testenv.MongoURI(t), "--mongo-database=intake_planned_start_test")
	const code, imported = "2026-370481-04-01-000321", "2026-370481-04-01-000322"
	registered := func() uint64 { return testenv.StreamCount(t, js, bus.EventsStream, event.TypeProjectRegistered) }
	withPlan := func(plan string) string {
		return strings.Replace(projectBody, `"green_channel":true}`, `"green_channel":true,"planned_start":`+plan+`}`, 1)
	}
	for _, bad := range []string{`"2027-02-30"`, `"明年三月"`, `"2270-03-01"`, `"2027-03-01T08:00:00+08:00"`} {
		var e httpx.ErrorBody
		st := post(t, testenv.AsSupervisor, base+"/v1/projects", withPlan(bad), nil, &e)
		if st != http.StatusUnprocessableEntity || e.Error.Code != "invalid_date" || e.Error.Field != "planned_start" {
			t.Errorf("planned_start %s: %d %+v, want 422 invalid_date on planned_start", bad, st, e)
		}
	}
	// A number is no day written out: malformed, the field named.
	var e httpx.ErrorBody
	if st := post(t, testenv.AsSupervisor, base+"/v1/projects", withPlan(`20270301`), nil, &e); st != http.StatusBadRequest ||
		e.Error.Field != "planned_start" {
		t.Errorf("planned_start 20270301: %d %+v, want 400 on planned_start", st, e)
	}
	header := "项目代码,项目名称,项目类别,项目级别,建设单位,联系人,总投资（万元）,计划开工\n"
	row := func(plan string) string {
		return imported + ",导入项目,社会投资,县,示范建设单位,孙经理,5000," + plan + "\n"
	}
	e = httpx.ErrorBody{}
	if st := testenv.CallAs(t, testenv.AsSupervisor, http.MethodPost, base+"/v1/projects:import", "text/csv",
		strings.NewReader(header+row("2027-13-01")), &e); st != http.StatusUnprocessableEntity || e.Error.Field != "planned_start" ||
		!strings.Contains(e.Error.Message, "row 2") {
		t.Errorf("import with planned start 2027-13-01: %d %+v", st, e)
	}
	if n := registered(); n != 0 {
		t.Fatalf("refused registrations published %d events", n)
	}
	if st := testenv.CallAs(t, testenv.AsSupervisor, http.MethodGet, base+"/v1/projects/"+code, "", nil, &e); st != http.StatusNotFound {
		t.Fatalf("a refused registration left project %s: %d", code, st)
	}

	var p intake.Project
	if st := post(t, testenv.AsSupervisor, base+"/v1/projects", withPlan(`"2027年3月1日"`), nil, &p); st != http.StatusCreated || p.PlannedStart != "2027-03-01" {
		t.Fatalf("register with a planned start: %d, planned_start %q", st, p.PlannedStart)
	}
	if st := testenv.CallAs(t, testenv.AsSupervisor, http.MethodPost, base+"/v1/projects:import", "text/csv",
		strings.NewReader(header+row("2027/4/1")), &struct{}{}); st != http.StatusOK {
		t.Fatalf("import: %d", st)
	}
	testenv.WaitFor(t, 30*time.Second, "two registrations on the stream", func() bool { return registered() == 2 })
	got := map[string]string{}
	for _, m := range testenv.StreamMessages(t, js, bus.EventsStream, event.TypeProjectRegistered) {
		env, err := event.Decode(m.Data())
		if err != nil {
			t.Fatal(err)
		}
		var ev intakev1.ProjectRegistered
		if err := event.Payload(env, &ev); err != nil {
			t.Fatal(err)
		}
		got[ev.GetProject().GetCode()] = ev.GetProject().GetPlannedStart()
	}
	if got[code] != "2027-03-01" || got[imported] != "2027-04-01" || len(got) != 2 {
		t.Errorf("planned starts on the events %v, want %s 2027-03-01 and %s 2027-04-01", got, code, imported)
	}
}
