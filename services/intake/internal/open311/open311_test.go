package open311

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/services/intake/internal/intake"
)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, workday.Zone)
	if err != nil {
		panic(err)
	}
	return t
}

func TestStatusOfTheLifecycle(t *testing.T) {
	for _, tt := range []struct{ lifecycle, want string }{
		{intake.StatusReceived, StatusOpen}, {intake.StatusTaken, StatusOpen}, {intake.StatusHandling, StatusOpen},
		{intake.StatusClosed, StatusClosed}, {intake.StatusVisited, StatusClosed},
	} {
		if got := StatusOf(tt.lifecycle); got != tt.want {
			t.Errorf("StatusOf(%s) = %s, want %s", tt.lifecycle, got, tt.want)
		}
	}
	if got := strings.Join(Lifecycle(StatusOpen), ","); got != "received,taken,handling" {
		t.Errorf("open is %s", got)
	}
	if got := strings.Join(Lifecycle(StatusClosed), ","); got != "closed,visited" {
		t.Errorf("closed is %s", got)
	}
}

// The limit is counted as the ledger counts the officer's task: the day of
// receipt does not count, holidays and weekends do not, make-up days do.
func TestExpectedIsTheWorkingDayDeadline(t *testing.T) {
	cal := workday.Shipped()
	for _, tt := range []struct{ received, want string }{
		{"2026-12-01 10:00", "2026-12-09 00:00"}, // Tuesday: 2, 3, 4, 7, 8 December
		{"2026-11-28 10:00", "2026-12-05 00:00"}, // Saturday: Monday is day 1
		{"2026-09-24 10:00", "2026-10-10 00:00"}, // Thursday before 国庆: 9-28, 29, 30, 10-08, 09 (10-10 a make-up day is not reached)
	} {
		if got := Expected(cal, at(tt.received)); !got.Equal(at(tt.want)) {
			t.Errorf("received %s: expected %s, want %s", tt.received, got.In(workday.Zone), tt.want)
		}
	}
	if n := Notice(at("2026-12-09 00:00")); !strings.Contains(n, "5个工作日") || !strings.Contains(n, "2026-12-08") {
		t.Errorf("notice %q", n)
	}
}

func TestUpdated(t *testing.T) {
	recv, took, closed, visited := at("2026-12-01 09:00"), at("2026-12-01 10:00"), at("2026-12-03 10:00"), at("2026-12-07 10:00")
	steps := []intake.RequestStep{{At: took, Status: intake.StatusTaken}, {At: closed, Status: intake.StatusClosed},
		{At: visited, Status: intake.StatusVisited}}
	for _, tt := range []struct {
		name string
		r    intake.Request
		want time.Time
	}{
		{"just received", intake.Request{Status: intake.StatusReceived, ReceivedAt: recv}, recv},
		{"taken", intake.Request{Status: intake.StatusTaken, ReceivedAt: recv, Steps: steps[:1]}, took},
		{"closed", intake.Request{Status: intake.StatusClosed, ReceivedAt: recv, Steps: steps[:2]}, closed},
		{"visited: still the day it was closed", intake.Request{Status: intake.StatusVisited, ReceivedAt: recv, Steps: steps}, closed},
	} {
		if got := Updated(tt.r); !got.Equal(tt.want) {
			t.Errorf("%s: updated %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestContactNameAndTitle(t *testing.T) {
	for _, tt := range []struct{ first, last, want string }{
		{"经理", "刘", "刘经理"}, {"Jane", "Smith", "Jane Smith"}, {"", "刘工", "刘工"}, {" 王 ", "", "王"}, {"", "", ""},
	} {
		if got := ContactName(tt.first, tt.last); got != tt.want {
			t.Errorf("ContactName(%q, %q) = %q, want %q", tt.first, tt.last, got, tt.want)
		}
	}
	if got := firstLine("\n  \n委托代办施工许可\n详见附件", 100); got != "委托代办施工许可" {
		t.Errorf("firstLine = %q", got)
	}
	if got := firstLine(strings.Repeat("长", 150), 100); len([]rune(got)) != 100 {
		t.Errorf("firstLine keeps %d characters, want 100", len([]rune(got)))
	}
}

func TestCatalog(t *testing.T) {
	c, err := LoadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range intake.RequestKinds {
		if _, ok := c.ByKind(kind); !ok {
			t.Errorf("the default catalog has no service for %s", kind)
		}
	}
	if s, ok := c.ByCode("101"); !ok || s.Kind != "consultation" {
		t.Errorf("101 is %+v %v", s, ok)
	}
	for name, body := range map[string]string{
		"empty":        "services: []",
		"unknown kind": "services: [{code: '1', kind: nothing, name: x}]",
		"code twice":   "services: [{code: '1', kind: agency, name: x}, {code: '1', kind: other, name: y}]",
		"kind twice":   "services: [{code: '1', kind: agency, name: x}, {code: '2', kind: agency, name: y}]",
		"dotted code":  "services: [{code: '1.json', kind: agency, name: x}]",
		"no name":      "services: [{code: '1', kind: agency}]",
	} {
		if _, err := ParseCatalog([]byte(body)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestKeys(t *testing.T) {
	sum := sha256.Sum256([]byte("file-key-0123456789"))
	file := filepath.Join(t.TempDir(), "keys.yaml")
	if err := os.WriteFile(file, []byte("keys:\n  - owner: 城市建设投资集团\n    name: cbi-app\n    sha256: "+hex.EncodeToString(sum[:])+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ks, err := ParseKeys([]string{"示范新材料有限公司=env-key-0123456789"}, file)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ key, owner string }{
		{"env-key-0123456789", "示范新材料有限公司"}, {"file-key-0123456789", "城市建设投资集团"},
		{"env-key-012345678", ""}, {"", ""}, {"ENV-KEY-0123456789", ""},
	} {
		k, ok := ks.Lookup(tt.key)
		if ok != (tt.owner != "") || k.Owner != tt.owner {
			t.Errorf("Lookup(%q) = %+v %v, want owner %q", tt.key, k, ok, tt.owner)
		}
	}
	if p, _ := ks.Lookup("file-key-0123456789"); !p.Principal().OwnerOf("城市建设投资集团") {
		t.Errorf("the key's principal %+v is no owner of its organisation", p.Principal())
	}
	for _, bad := range [][]string{{"no-separator"}, {"=key-without-owner-000"}, {"示范=short"}} {
		if _, err := ParseKeys(bad, ""); err == nil {
			t.Errorf("ParseKeys(%q) accepted", bad)
		}
	}
}

func TestQueryDefaultsAndLimits(t *testing.T) {
	now := at("2026-12-02 12:00")
	c, _ := LoadCatalog("")
	s := &service{Deps{Catalog: c, Clock: clock.Func(func() time.Time { return now })}}
	day := 24 * time.Hour
	for _, tt := range []struct {
		name     string
		f        Filter
		from, to time.Time
		kinds    string
		statuses string
	}{
		{"nothing: the last 90 days", Filter{}, now.Add(-90 * day), now, "", ""},
		{"start only", Filter{Start: now.Add(-100 * day)}, now.Add(-100 * day), now.Add(-10 * day), "", ""},
		{"end only", Filter{End: now.Add(-10 * day)}, now.Add(-100 * day), now.Add(-10 * day), "", ""},
		{"codes and open", Filter{Codes: []string{"101", "103"}, Statuses: []string{"open"}}, now.Add(-90 * day), now,
			"consultation,problem", "received,taken,handling"},
		{"open and closed is any", Filter{Statuses: []string{"open", "closed"}}, now.Add(-90 * day), now, "", ""},
	} {
		q, err := s.query(tt.f)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !q.From.Equal(tt.from) || !q.To.Equal(tt.to) || strings.Join(q.Kinds, ",") != tt.kinds ||
			strings.Join(q.Statuses, ",") != tt.statuses || q.Limit != MaxResults {
			t.Errorf("%s: %+v", tt.name, q)
		}
	}
	if q, err := s.query(Filter{IDs: []string{"a"}, Codes: []string{"nothing"}}); err != nil || len(q.IDs) != 1 {
		t.Errorf("ids override the rest: %+v %v", q, err)
	}
	for name, f := range map[string]Filter{
		"91 days":        {Start: now.Add(-91 * day), End: now},
		"end before":     {Start: now, End: now.Add(-day)},
		"unknown code":   {Codes: []string{"999"}},
		"unknown status": {Statuses: []string{"pending"}},
		"too many ids":   {IDs: make([]string, MaxIDs+1)},
	} {
		if _, err := s.query(f); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
