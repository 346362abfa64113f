package main

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The local run hands intake a demo Open311 api_key, kept for its owner
// alone: intake admits a POST with it and refuses one with another.
func TestLocalOpen311Key(t *testing.T) {
	l := startLauncher(t)
	path := filepath.Join(l.data, "open311", "zhineng")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("%s: mode %v, want 0600", path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	post := func(key string) int {
		t.Helper()
		// No such project: a known key gets past the key check to the
		// project check (400), an unknown one is refused first (403).
		form := url.Values{"api_key": {key}, "service_code": {"101"}, "attribute[project_code]": {"2026-370481-04-01-999999"},
			"description": {"咨询"}}
		resp, err := http.PostForm(l.url("intake")+"/open311/v2/requests.json", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := post("t" + strings.Repeat("0", 64)); st != http.StatusForbidden {
		t.Errorf("an unknown key: %d, want 403", st)
	}
	if st := post(strings.TrimSpace(string(b))); st == http.StatusForbidden || st >= 500 {
		t.Errorf("the demo key: %d, want past the key check", st)
	}
}
