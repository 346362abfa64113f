package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/timestamppb"

	intakev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/intake/v1"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"

	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/event"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// The api_keys of the two owner organisations of the Open311 test.
const (
	keyA = "open311-key-of-shifan-0123456789"
	keyB = "open311-key-of-chengtou-0123456789"
)

// wireRequest is a request as GeoReport v2 shows it, in JSON and XML.
type wireRequest struct {
	ID            string `json:"service_request_id" xml:"service_request_id"`
	Status        string `json:"status" xml:"status"`
	StatusNotes   string `json:"status_notes" xml:"status_notes"`
	ServiceCode   string `json:"service_code" xml:"service_code"`
	ServiceName   string `json:"service_name" xml:"service_name"`
	ServiceNotice string `json:"service_notice" xml:"service_notice"`
	Requested     string `json:"requested_datetime" xml:"requested_datetime"`
	Updated       string `json:"updated_datetime" xml:"updated_datetime"`
	Expected      string `json:"expected_datetime" xml:"expected_datetime"`
}

type wireRequests struct {
	XMLName  xml.Name      `xml:"service_requests"`
	Requests []wireRequest `xml:"request"`
}

type wireErrors struct {
	XMLName xml.Name `xml:"errors"`
	Errors  []struct {
		Code        int    `json:"code" xml:"code"`
		Description string `json:"description" xml:"description"`
	} `xml:"error"`
}

// call sends an Open311 call and returns the status and the raw body,
// checking the content type and, for XML, the declaration the spec asks for.
func call(t *testing.T, method, url string, form url.Values) (int, []byte) {
	t.Helper()
	var body io.Reader
	ct := ""
	if form != nil {
		body, ct = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded; charset=utf-8"
	}
	resp, b := testenv.Send(t, "", method, url, ct, body)
	want := "application/json; charset=utf-8"
	if !isJSON(url) {
		want = "text/xml; charset=utf-8"
		if !strings.HasPrefix(string(b), `<?xml version="1.0" encoding="UTF-8"?>`) {
			t.Errorf("%s %s: no XML declaration in %s", method, url, b)
		}
	}
	if ct := resp.Header.Get("Content-Type"); ct != want {
		t.Errorf("%s %s: Content-Type %q, want %q", method, url, ct, want)
	}
	return resp.StatusCode, b
}

// isJSON: a path that names no format is answered in XML, the spec's
// required one.
func isJSON(url string) bool { return strings.Contains(url, ".json") }

// decode reads b as JSON or XML by the url's format.
func decode(t *testing.T, url string, b []byte, into any) {
	t.Helper()
	var err error
	if !isJSON(url) {
		err = xml.Unmarshal(b, into)
	} else {
		err = json.Unmarshal(b, into)
	}
	if err != nil {
		t.Fatalf("%s: %v in %s", url, err, b)
	}
}

// readRequests lists requests in either format.
func readRequests(t *testing.T, url string) []wireRequest {
	t.Helper()
	st, b := call(t, http.MethodGet, url, nil)
	if st != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, st, b)
	}
	if !isJSON(url) {
		var rs wireRequests
		decode(t, url, b, &rs)
		return rs.Requests
	}
	var rs []wireRequest
	decode(t, url, b, &rs)
	return rs
}

// wantError checks an answer is the spec's errors array with status.
func wantError(t *testing.T, what, url string, st int, b []byte, status int) {
	t.Helper()
	var e wireErrors
	if !isJSON(url) {
		decode(t, url, b, &e)
	} else {
		decode(t, url, b, &e.Errors)
	}
	if st != status || len(e.Errors) != 1 || e.Errors[0].Code != status || e.Errors[0].Description == "" {
		t.Errorf("%s: %d %s, want %d and the errors array", what, st, b, status)
	}
}

// TestOpen311 posts requests with api_keys, reads them back in JSON and XML
// and checks the fields against GeoReport v2; refused posts change nothing.
func TestOpen311(t *testing.T) {
	natsURL, js := testenv.JetStream(t)
	base := start(t, "--nats-url="+natsURL, "--mongo-uri="+testenv.MongoURI(t), "--mongo-database=intake_open311_test",
		"--open311-keys=示范新材料有限公司="+keyA+";城市建设投资集团="+keyB)
	other := strings.NewReplacer("2026-370481-04-01-000321", "2026-370481-04-01-000654", "示范新材料有限公司", "城市建设投资集团").Replace(projectBody)
	for _, body := range []string{projectBody, other} {
		if st := post(t, testenv.AsSupervisor, base+"/v1/projects", body, nil, nil); st != http.StatusCreated {
			t.Fatalf("register: %d", st)
		}
	}
	o := base + "/open311/v2/"

	// The catalog, in both formats.
	var svcs []struct {
		Code     string `json:"service_code"`
		Name     string `json:"service_name"`
		Metadata bool   `json:"metadata"`
		Type     string `json:"type"`
	}
	_, b := call(t, http.MethodGet, o+"services.json", nil)
	decode(t, "services.json", b, &svcs)
	if len(svcs) != 5 || svcs[1].Code != "102" || svcs[1].Name != "帮办代办" || !svcs[1].Metadata || svcs[1].Type != "realtime" {
		t.Errorf("services.json: %+v", svcs)
	}
	var xsvcs struct {
		XMLName  xml.Name `xml:"services"`
		Services []struct {
			Code string `xml:"service_code"`
		} `xml:"service"`
	}
	_, b = call(t, http.MethodGet, o+"services.xml", nil)
	decode(t, "services.xml", b, &xsvcs)
	if len(xsvcs.Services) != 5 || xsvcs.Services[0].Code != "101" {
		t.Errorf("services.xml: %s", b)
	}
	var def struct {
		XMLName    xml.Name `xml:"service_definition"`
		Code       string   `xml:"service_code"`
		Attributes []struct {
			Code     string `xml:"code"`
			Required bool   `xml:"required"`
		} `xml:"attributes>attribute"`
	}
	_, b = call(t, http.MethodGet, o+"services/102.xml", nil)
	decode(t, "services/102.xml", b, &def)
	if def.Code != "102" || len(def.Attributes) != 2 || def.Attributes[0].Code != "project_code" || !def.Attributes[0].Required {
		t.Errorf("services/102.xml: %s", b)
	}
	for _, u := range []string{"services/999.xml", "services/999.json", "services/102.yaml", "requests/nothing.json", "tokens/1.xml"} {
		st, b := call(t, http.MethodGet, o+u, nil)
		wantError(t, u, u, st, b, http.StatusNotFound)
	}

	// A post with the owner's key is the owner's request, published as one
	// posted on /v1/requests.
	form := url.Values{"api_key": {keyA}, "service_code": {"102"}, "attribute[project_code]": {"2026-370481-04-01-000321"},
		"description": {"委托代办施工许可\n材料已备齐"}, "first_name": {"经理"}, "last_name": {"刘"}, "phone": {"0535-7654321"},
		"lat": {"37.6"}, "long": {"120.4"}, "email": {"liu@example.com"}}
	st, b := call(t, http.MethodPost, o+"requests.json", form)
	var receipt []struct {
		ID     string `json:"service_request_id"`
		Notice string `json:"service_notice"`
	}
	decode(t, "requests.json", b, &receipt)
	if st != http.StatusCreated || len(receipt) != 1 || receipt[0].ID == "" || !strings.Contains(receipt[0].Notice, "5个工作日") {
		t.Fatalf("POST requests.json: %d %s", st, b)
	}
	env := next(t, js, event.TypeRequestReceived)
	var rr intakev1.RequestReceived
	if err := event.Payload(env, &rr); err != nil {
		t.Fatal(err)
	}
	if rr.GetRequestId() != receipt[0].ID || rr.GetKind() != "agency" || rr.GetTitle() != "委托代办施工许可" ||
		rr.GetContact() != "刘经理" || rr.GetPhone() != "0535-7654321" || !strings.HasPrefix(env.GetActor(), "open311:") {
		t.Errorf("request.received by %s carries %v", env.GetActor(), &rr)
	}

	// Refused posts: the spec's errors, and nothing stored or published.
	refused := []struct {
		name, path string
		change     func(url.Values)
		status     int
	}{
		{"a wrong key", "requests.xml", func(v url.Values) { v.Set("api_key", keyA+"x") }, http.StatusForbidden},
		{"no key", "requests.json", func(v url.Values) { v.Del("api_key") }, http.StatusForbidden},
		{"another owner's project", "requests.xml", func(v url.Values) { v.Set("api_key", keyB) }, http.StatusForbidden},
		{"an unknown service", "requests.json", func(v url.Values) { v.Set("service_code", "999") }, http.StatusNotFound},
		{"no service", "requests.xml", func(v url.Values) { v.Del("service_code") }, http.StatusBadRequest},
		{"no project", "requests.json", func(v url.Values) { v.Del("attribute[project_code]") }, http.StatusBadRequest},
		{"an unknown project", "requests.json", func(v url.Values) { v.Set("attribute[project_code]", "2026-370481-04-01-999999") }, http.StatusBadRequest},
		{"a bad phone", "requests.xml", func(v url.Values) { v.Set("phone", "call me") }, http.StatusBadRequest},
		{"an unknown attribute", "requests.json", func(v url.Values) { v.Set("attribute[budget]", "1") }, http.StatusBadRequest},
		{"a repeated field", "requests.json", func(v url.Values) { v.Add("service_code", "101") }, http.StatusBadRequest},
		{"no contact", "requests.json", func(v url.Values) { v.Del("first_name"); v.Del("last_name") }, http.StatusBadRequest},
	}
	for _, tt := range refused {
		v := url.Values{}
		for k, vs := range form {
			v[k] = append([]string(nil), vs...)
		}
		tt.change(v)
		st, b := call(t, http.MethodPost, o+tt.path, v)
		wantError(t, tt.name, tt.path, st, b, tt.status)
	}
	// The key in the URL, not the body, is no key; a JSON body is no form.
	st, b = call(t, http.MethodPost, o+"requests.json?api_key="+keyA, url.Values{"service_code": {"102"}})
	wantError(t, "key in the URL", "requests.json", st, b, http.StatusForbidden)
	req, _ := http.NewRequest(http.MethodPost, o+"requests.json", strings.NewReader(`{"api_key":"`+keyA+`"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	wantError(t, "a JSON body", "requests.json", resp.StatusCode, b, http.StatusBadRequest)

	// A second request, answered in XML.
	form.Set("service_code", "101")
	form.Set("attribute[title]", "咨询用地政策")
	st, b = call(t, http.MethodPost, o+"requests.xml", form)
	var xr wireRequests
	decode(t, "requests.xml", b, &xr)
	if st != http.StatusCreated || len(xr.Requests) != 1 || xr.Requests[0].ID == "" {
		t.Fatalf("POST requests.xml: %d %s", st, b)
	}
	first, second := receipt[0].ID, xr.Requests[0].ID
	if n := testenv.StreamCount(t, js, bus.EventsStream, event.TypeRequestReceived); n != 2 {
		t.Errorf("%d request.received events, want 2: the refused posts published something", n)
	}

	// Each reads back the same in both formats, with the public fields only.
	for _, f := range []string{"json", "xml"} {
		u := o + "requests/" + first + "." + f
		st, raw := call(t, http.MethodGet, u, nil)
		for _, private := range []string{"0535", "刘经理", "材料已备齐", "2026-370481-04-01-000321"} {
			if strings.Contains(string(raw), private) {
				t.Errorf("%s shows %s: %s", u, private, raw)
			}
		}
		rs := readRequests(t, u)
		if st != http.StatusOK || len(rs) != 1 {
			t.Fatalf("%s: %d %+v", u, st, rs)
		}
		r := rs[0]
		requested, err := time.Parse(time.RFC3339, r.Requested)
		if err != nil || !strings.HasSuffix(r.Requested, "+08:00") {
			t.Fatalf("%s: requested_datetime %q: %v", u, r.Requested, err)
		}
		if want := workday.DueAt(workday.Shipped(), requested, 5).Format(time.RFC3339); r.Expected != want {
			t.Errorf("%s: expected_datetime %s, want %s (5 working days)", u, r.Expected, want)
		}
		if r.ID != first || r.Status != "open" || r.StatusNotes != "已受理" || r.ServiceCode != "102" ||
			r.ServiceName != "帮办代办" || r.Updated != r.Requested || r.ServiceNotice == "" {
			t.Errorf("%s: %+v", u, r)
		}
	}

	// The officer closes the first: it is closed, updated when it was.
	closedAt := time.Now().Truncate(time.Second)
	publishTaskClosed(t, js, first, closedAt)
	testenv.WaitFor(t, 30*time.Second, "the request closed", func() bool {
		rs := readRequests(t, o+"requests/"+first+".json")
		return len(rs) == 1 && rs[0].Status == "closed"
	})
	if r := readRequests(t, o+"requests/"+first+".xml")[0]; r.StatusNotes != "已办结" || r.Updated != closedAt.In(workday.Zone).Format(time.RFC3339) {
		t.Errorf("closed: %+v, want updated %s", r, closedAt)
	}

	// The filters.
	ids := func(rs []wireRequest) string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return strings.Join(out, ",")
	}
	for _, tt := range []struct{ query, want string }{
		{"", second + "," + first},
		{"?status=open", second},
		{"?status=closed", first},
		{"?status=open,closed&service_code=101", second},
		{"?service_code=102,104", first},
		{"?service_request_id=" + first + ",unknown&status=open", first},
		{"?start_date=2020-01-01T00:00:00Z&end_date=2020-02-01T00:00:00Z", ""},
		{"?jurisdiction_id=&service_code=", second + "," + first},
	} {
		for _, f := range []string{"json", "xml"} {
			if got := ids(readRequests(t, o+"requests."+f+tt.query)); got != tt.want {
				t.Errorf("requests.%s%s lists %s, want %s", f, tt.query, got, tt.want)
			}
		}
	}
	for _, q := range []string{"?status=pending", "?service_code=999", "?start_date=yesterday",
		"?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z"} {
		st, b := call(t, http.MethodGet, o+"requests.xml"+q, nil)
		wantError(t, q, "requests.xml", st, b, http.StatusBadRequest)
	}
}

// publishTaskClosed publishes the ledger's step closing request id.
func publishTaskClosed(t *testing.T, js jetstream.JetStream, id string, at time.Time) {
	t.Helper()
	env, err := event.New(event.TypeTaskChanged, "ledger", event.Ref("task", id), at, &ledgerv1.TaskChanged{
		TaskId: id, ProjectCode: "2026-370481-04-01-000321", ToStatus: "closed", Actor: "wangfang", ChangedAt: timestamppb.New(at)})
	if err != nil {
		t.Fatal(err)
	}
	data, err := event.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	h := nats.Header{}
	h.Set(jetstream.MsgIDHeader, env.GetId())
	if _, err := js.PublishMsg(context.Background(), &nats.Msg{Subject: event.TypeTaskChanged, Header: h, Data: data}); err != nil {
		t.Fatal(err)
	}
}
