package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	eventv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/event/v1"
	intakev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/intake/v1"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/testenv"
)

const projectBody = `{"code":"2026-370481-04-01-000321","name":"新能源电池材料项目","category":"招商引资","level":"市",
	"owner_organisation":"示范新材料有限公司","owner_contact":"刘经理","owner_phone":"0535-7654321","location":"高新区",
	"investment_wan":80000,"stage":"approving","officer":"王芳","work_group":"duban","green_channel":true}`

const requestBody = `{"project_code":"2026-370481-04-01-000321","kind":"agency","title":"委托代办施工许可",
	"contact":"刘经理","phone":"0535-7654321"}`

// TestWiring runs intake as main does, on a real NATS and FerretDB, and
// follows a registration and a request to the events they publish.
func TestWiring(t *testing.T) {
	natsURL, js := testenv.JetStream(t)
	base := start(t, "--nats-url="+natsURL, "--mongo-uri="+testenv.MongoURI(t))

	// The project's officer registers it; its owner asks for help.
	officer, owner := testenv.Officer("wangfang"), testenv.OwnerOf("示范新材料有限公司")
	if st := post(t, officer, base+"/v1/projects", projectBody, nil, nil); st != http.StatusCreated {
		t.Fatalf("register: status %d", st)
	}
	env := next(t, js, event.TypeProjectRegistered)
	var reg intakev1.ProjectRegistered
	if err := event.Payload(env, &reg); err != nil {
		t.Fatal(err)
	}
	p := reg.GetProject()
	if env.GetSubject().GetId() != p.GetCode() || p.GetCode() != "2026-370481-04-01-000321" || p.GetName() != "新能源电池材料项目" ||
		p.GetInvestmentWan() != 80000 || !p.GetGreenChannel() || p.GetWorkGroup() != "duban" || p.GetOfficer() != "wangfang" || reg.GetRegisteredAt() == nil {
		t.Fatalf("project.registered carries %v", &reg)
	}

	// A retry of the registration (its answer lost) gets the first answer,
	// marked as a replay, and publishes nothing more.
	var again struct {
		Code         string    `json:"code"`
		RegisteredAt time.Time `json:"registered_at"`
	}
	if st := post(t, officer, base+"/v1/projects", projectBody, nil, &again); st != http.StatusOK ||
		again.Code != p.GetCode() || !again.RegisteredAt.Equal(reg.GetRegisteredAt().AsTime()) {
		t.Fatalf("retried registration: status %d, %+v; want 200 with the first registration", st, again)
	}
	if n := testenv.StreamCount(t, js, bus.EventsStream, event.TypeProjectRegistered); n != 1 {
		t.Fatalf("%d project.registered events after a retry, want 1", n)
	}
	var e struct {
		Error struct{ Code, Field string } `json:"error"`
	}
	other := strings.Replace(projectBody, `"investment_wan":80000`, `"investment_wan":90000`, 1)
	if st := post(t, officer, base+"/v1/projects", other, nil, &e); st != http.StatusConflict || e.Error.Code != "project_exists" {
		t.Fatalf("same code, other details: status %d, %+v; want 409 project_exists", st, e)
	}

	var created struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if st := post(t, owner, base+"/v1/requests", requestBody, map[string]string{"Idempotency-Key": "k1"}, &created); st != http.StatusCreated {
		t.Fatalf("request: status %d", st)
	}
	env = next(t, js, event.TypeRequestReceived)
	var rr intakev1.RequestReceived
	if err := event.Payload(env, &rr); err != nil {
		t.Fatal(err)
	}
	if rr.GetRequestId() != created.ID || rr.GetKind() != "agency" || rr.GetProjectCode() != "2026-370481-04-01-000321" {
		t.Fatalf("request.received carries %v for request %+v", &rr, created)
	}

	// Neither the refused registration nor anything else published more.
	if n := count(t, js, "tuijin.intake.>"); n != 2 {
		t.Fatalf("%d intake events, want 2", n)
	}
}

// post sends a JSON body as p.
func post(t *testing.T, p auth.Principal, url, body string, header map[string]string, out any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testenv.Token(t, p))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

func next(t *testing.T, js jetstream.JetStream, subject string) *eventv1.Envelope {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := js.OrderedConsumer(ctx, bus.EventsStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := c.Next(jetstream.FetchMaxWait(20 * time.Second))
	if err != nil {
		t.Fatalf("no %s event: %v", subject, err)
	}
	env, err := event.Decode(msg.Data())
	if err != nil {
		t.Fatal(err)
	}
	if env.GetType() != subject || env.GetProducer() != "intake" {
		t.Fatalf("envelope %v", env)
	}
	return env
}

func count(t *testing.T, js jetstream.JetStream, filter string) int {
	t.Helper()
	s, err := js.Stream(context.Background(), bus.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background(), jetstream.WithSubjectFilter(filter))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range info.State.Subjects {
		n += int(c)
	}
	return n
}

// start runs intake as main does until the test ends.
func start(t *testing.T, args ...string) string {
	cfg := newConfig()
	return testenv.Service(t, "intake", cfg, setup(cfg), args...)
}
