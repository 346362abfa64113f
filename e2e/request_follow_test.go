package e2e

import (
	"net/http"
	"testing"
	"time"
)

// TestOwnerFollowsRequestThroughIntake: an owner posts a service request
// and, reading intake alone, sees the officer take it on (承接), handle it
// (办理), close it (办结) and visit (回访), with the satisfaction they gave;
// each step also reaches the owner's inbox.
func TestOwnerFollowsRequestThroughIntake(t *testing.T) {
	s := newSystem(t)
	s.start("intake", "ledger", "notification")
	code := projectCode(41)
	s.registerProject(code)

	var req struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if resp := s.postJSON(owner, s.url("intake")+"/v1/requests", serviceRequest(code), nil, &req); resp.StatusCode != http.StatusCreated {
		t.Fatalf("submit: status %d", resp.StatusCode)
	}
	type step struct {
		Status string `json:"status"`
		Name   string `json:"name"`
		Note   string `json:"note"`
	}
	var got struct {
		Status       string `json:"status"`
		Steps        []step `json:"steps"`
		Satisfaction int    `json:"satisfaction"`
	}
	follow := func(want string) {
		t.Helper()
		eventually(t, time.Minute, "the request to be "+want+" in intake", func() bool {
			return s.getJSON(supervisor, s.url("intake")+"/v1/requests/"+req.ID, &got) == http.StatusOK && got.Status == want
		})
	}
	if s.getJSON(supervisor, s.url("intake")+"/v1/requests/"+req.ID, &got); got.Status != "received" || len(got.Steps) != 0 {
		t.Fatalf("just received: %+v", got)
	}

	// The officer works the task in the ledger.
	var tasks struct {
		Tasks []struct {
			ID             string `json:"id"`
			ProjectVersion int64  `json:"project_version"`
		} `json:"tasks"`
	}
	eventually(t, time.Minute, "the request to become the officer's task", func() bool {
		return s.getJSON(officer, s.url("ledger")+"/v1/tasks?officer=wangfang", &tasks) == http.StatusOK && len(tasks.Tasks) == 1
	})
	if tasks.Tasks[0].ID != req.ID {
		t.Fatalf("task %s, want the request's id %s", tasks.Tasks[0].ID, req.ID)
	}
	version := tasks.Tasks[0].ProjectVersion
	for _, a := range []struct {
		body   map[string]any
		status string
	}{
		{map[string]any{"action": "take"}, "taken"},
		{map[string]any{"action": "handle", "note": "已协调住建局"}, "handling"},
		{map[string]any{"action": "close"}, "closed"},
		{map[string]any{"action": "visit", "satisfaction": 4, "comment": "办事效率高"}, "visited"},
	} {
		a.body["actor"], a.body["version"] = "王芳", version
		var res struct {
			Version int64 `json:"version"`
		}
		if resp := s.postJSON(officer, s.url("ledger")+"/v1/projects/"+code+"/tasks/"+req.ID+"/actions", a.body, nil, &res); resp.StatusCode != http.StatusOK {
			t.Fatalf("%v: status %d", a.body["action"], resp.StatusCode)
		}
		version = res.Version
		follow(a.status)
	}
	names := ""
	for _, st := range got.Steps {
		names += st.Name + " "
	}
	if names != "已承接 办理中 已办结 已回访 " || got.Steps[1].Note != "已协调住建局" || got.Satisfaction != 4 {
		t.Fatalf("the owner reads %+v", got)
	}

	var inbox struct {
		Items []struct {
			Title string `json:"title"`
		} `json:"items"`
	}
	want := map[string]bool{"服务申请进展：已由项目推进专员承接": true, "服务申请进展：正在办理": true,
		"服务申请进展：已办结": true, "服务申请进展：已完成回访": true}
	eventually(t, time.Minute, "every step in the owner's inbox", func() bool {
		if s.getJSON(owner, s.url("notification")+"/v1/inbox?recipient=owner:"+code, &inbox) != http.StatusOK {
			return false
		}
		seen := 0
		for _, e := range inbox.Items {
			if want[e.Title] {
				seen++
			}
		}
		return seen == len(want)
	})
}
