package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tuijin/tuijin/pkg/testenv"
)

// The local run signs portal users in as production does, through the
// issuer's sign-in page (the code flow), and the portal's pages then call
// the services with the token it got.
func TestLocalPortalSignsInAtTheIssuer(t *testing.T) {
	l := startLauncher(t)
	c := testenv.Browser()
	resp := testenv.SignIn(t, c, l.url("portal")+"/login?next=%2Fprojects", "zhineng", "tuijin-demo")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/projects" {
		t.Fatalf("callback: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err := c.Get(l.url("portal") + "/projects")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if page := string(b); resp.StatusCode != http.StatusOK || !strings.Contains(page, "<h1>我的项目</h1>") || !strings.Contains(page, "王经理") {
		t.Fatalf("/projects: %d\n%s", resp.StatusCode, page)
	}
}
