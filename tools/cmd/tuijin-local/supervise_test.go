package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tuijin/tuijin/pkg/mongox"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/tools/stack"
)

const projectCode = "2026-370481-04-01-700001"

// load is a stream of service requests from clients that retry, with the
// same Idempotency-Key, whatever did not get an answer: a refused
// connection while intake is down, a reset or EOF when it died mid-request,
// a 5xx.
type load struct {
	url      string
	token    string
	mu       sync.Mutex
	accepted map[string]string // Idempotency-Key → request id
	refused  atomic.Int64      // attempts refused or cut off
	lastOK   atomic.Int64      // unix nanos of the last accepted request
	stop     chan struct{}
	wg       sync.WaitGroup
}

func startLoad(url, token string, clients int) *load {
	ld := &load{url: url, token: token, accepted: map[string]string{}, stop: make(chan struct{})}
	for c := range clients {
		ld.wg.Add(1)
		go func() {
			defer ld.wg.Done()
			client := &http.Client{Timeout: 30 * time.Second}
			for n := 0; ; n++ {
				select {
				case <-ld.stop:
					return
				default:
				}
				key := fmt.Sprintf("load-%d-%d", c, n)
				id := ld.submit(client, key)
				ld.mu.Lock()
				ld.accepted[key] = id
				ld.mu.Unlock()
				ld.lastOK.Store(time.Now().UnixNano())
			}
		}()
	}
	return ld
}

// submit sends one request until it is answered 201, or 200 as a replay.
// Once begun, a request is finished even after stop: a client that gives
// up cannot know whether it landed.
func (ld *load) submit(client *http.Client, key string) string {
	body, _ := json.Marshal(map[string]any{
		"project_code": projectCode, "kind": "consultation", "title": "用地预审需要哪些材料 " + key,
		"description": "拟占用集体土地，咨询材料清单", "contact": "王经理", "phone": "0535-1234567",
	})
	for {
		req, _ := http.NewRequest(http.MethodPost, ld.url+"/v1/requests", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		req.Header.Set("Authorization", "Bearer "+ld.token)
		resp, err := client.Do(req)
		if err == nil {
			var out struct {
				ID string `json:"id"`
			}
			derr := json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if (resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK) && derr == nil && out.ID != "" {
				return out.ID
			}
			if resp.StatusCode < 500 {
				panic(fmt.Sprintf("request %s: status %d", key, resp.StatusCode))
			}
		}
		ld.refused.Add(1)
		time.Sleep(50 * time.Millisecond)
	}
}

func (ld *load) count() uint64 {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	return uint64(len(ld.accepted))
}

func (ld *load) finish() map[string]string {
	close(ld.stop)
	ld.wg.Wait()
	return ld.accepted
}

// TestKilledServiceIsRestartedUnderLoad SIGKILLs intake while clients keep
// sending service requests: the launcher restarts it, the other services
// stay up, every request a client was answered for is stored once, and the
// log holds both runs. SIGTERM then stops everything, services first.
func TestKilledServiceIsRestartedUnderLoad(t *testing.T) {
	l := startLauncher(t)
	var created struct {
		Code string `json:"code"`
	}
	project := map[string]any{
		"code": projectCode, "name": "监督测试项目", "category": "招商引资", "level": "市",
		"owner_organisation": "示范智能装备有限公司", "owner_contact": "王经理", "owner_phone": "0535-1234567",
		"location": "高新区", "investment_wan": 1000, "stage": "approving", "officer": "王芳", "work_group": "duban",
	}
	raw, _ := json.Marshal(project)
	// The owner signs in with the demo account of 示范智能装备有限公司.
	token := l.login("zhineng")
	if st := testenv.CallToken(t, token, http.MethodPost, l.url("intake")+"/v1/projects", "application/json", bytes.NewReader(raw), &created); st != http.StatusCreated {
		t.Fatalf("register project: status %d", st)
	}
	others := map[string]int{}
	for _, s := range stack.Services[1:] {
		others[s.Name] = l.pid(s.Name)
	}

	ld := startLoad(l.url("intake"), token, 4)
	testenv.WaitProgress(t, time.Minute, "requests accepted before the kill", ld.count, 50)
	old := l.pid("intake")
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killedAt, atKill := time.Now(), ld.count()
	testWait(t, 2*time.Minute, "a new intake process", func() bool { p := l.pid("intake"); return p != 0 && p != old })
	testWait(t, 2*time.Minute, "intake ready again", func() bool { return l.ready("intake") })
	back := time.Since(killedAt)
	afterRestart := ld.count()
	testenv.WaitProgress(t, time.Minute, "requests accepted after the restart", ld.count, afterRestart+50)
	accepted := ld.finish()
	t.Logf("intake back %s after SIGKILL; %d requests accepted (%d at the kill), %d attempts refused or cut off and retried",
		back.Round(time.Millisecond), len(accepted), atKill, ld.refused.Load())

	ids := map[string]bool{}
	for _, id := range accepted {
		ids[id] = true
	}
	if len(ids) != len(accepted) {
		t.Fatalf("%d keys answered with %d distinct ids", len(accepted), len(ids))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := mongox.Connect(ctx, l.mongo)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Disconnect(context.Background())
	stored, err := db.Database("tuijin_intake").Collection("requests").CountDocuments(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if stored != int64(len(accepted)) {
		t.Fatalf("%d requests accepted, %d stored", len(accepted), stored)
	}
	for _, id := range accepted {
		var got struct {
			ID string `json:"id"`
		}
		if st := testenv.CallToken(t, token, http.MethodGet, l.url("intake")+"/v1/requests/"+id, "", nil, &got); st != http.StatusOK || got.ID != id {
			t.Fatalf("GET accepted request %s: status %d, id %q", id, st, got.ID)
		}
	}
	for name, pid := range others {
		if p := l.pid(name); p != pid || !l.ready(name) {
			t.Fatalf("%s: pid %d → %d, ready %v; the others must stay up", name, pid, p, l.ready(name))
		}
	}
	if log := l.log("intake"); !strings.Contains(log, "(start 2)") || strings.Count(log, `"msg":"ready"`) < 2 {
		t.Fatalf("intake log does not show two runs:\n%s", log)
	}

	signalAndWait(t, l, syscall.SIGTERM)
	if l.err != nil {
		t.Fatalf("launcher exit after SIGTERM: %v", l.err)
	}
	lines := strings.Split(l.out.String(), "\n")
	at := func(msg, name string) int {
		for i, line := range lines {
			if strings.Contains(line, `msg="`+msg+`"`) && (name == "" || strings.HasSuffix(line, " name="+name)) {
				return i
			}
		}
		return -1
	}
	natsAt, ferretAt := at("nats stopped", ""), at("ferretdb stopped", "")
	for _, s := range stack.Services {
		i := at("service stopped", s.Name)
		if i < 0 || natsAt < i || ferretAt < i {
			t.Fatalf("%s not stopped before the embedded servers:\n%s", s.Name, l.out.Tail(40))
		}
		if log := l.log(s.Name); !strings.Contains(log, `"msg":"stopped"`) || !strings.HasSuffix(log, ": stopped\n") {
			t.Fatalf("%s log does not end with a clean stop:\n%s", s.Name, tailOf(log, 10))
		}
		if pid := l.pid(s.Name); pid != 0 {
			t.Fatalf("%s pid file left after stop", s.Name)
		}
	}
}

func tailOf(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
