package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// signIn signs user in through the issuer's sign-in page.
func (r *rig) signIn(user string) {
	r.t.Helper()
	if resp := r.signInTo("/", user); resp.StatusCode != http.StatusSeeOther || cookieOf(resp, sessionCookie) == nil {
		r.t.Fatalf("sign-in of %s: %d", user, resp.StatusCode)
	}
}

// TestRegistrationFormRefusesAnInvestmentInWords: the portal refuses what
// it cannot send (no number) next to the field, keeps what was typed, and
// sends nothing: the services are down here, so a call would have said so.
func TestRegistrationFormRefusesAnInvestmentInWords(t *testing.T) {
	r := newRig(t, false)
	r.signIn("zhineng")
	resp, page := r.get("/projects/new")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `<label for="f-code">项目代码 <span class="req">（必填）</span></label>`) ||
		!strings.Contains(page, `value="示范智能装备有限公司"`) {
		t.Fatalf("registration form: %d\n%s", resp.StatusCode, page)
	}
	form := url.Values{"csrf": {csrfOf(t, page)}, "code": {"2026-370481-04-01-700009"}, "name": {"园区二期"}, "investment_wan": {"八万"}}
	resp, page = r.post("/projects/new", form, nil)
	if resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(page, `<p class="field-error" id="f-investment-wan-error" role="alert">总投资须为数字（万元），如 120000。</p>`) ||
		!strings.Contains(page, `aria-describedby=" f-investment-wan-error" aria-invalid="true"`) || !strings.Contains(page, `value="园区二期"`) ||
		strings.Contains(page, "暂时无法访问") {
		t.Fatalf("investment in words: %d\n%s", resp.StatusCode, page)
	}
	// With a number the form goes to intake, which is down: said in words.
	form.Set("investment_wan", "80000")
	if resp, page := r.post("/projects/new", form, nil); resp.StatusCode != http.StatusBadGateway || !strings.Contains(page, "项目受理服务暂时无法访问") {
		t.Fatalf("registration with intake down: %d\n%s", resp.StatusCode, page)
	}
	// An owner's form needs the session's token like any other.
	form.Set("csrf", "forged")
	if resp, _ := r.post("/projects/new", form, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("registration with a forged token: %d", resp.StatusCode)
	}
}

// TestPagesByRole: a clerk opens no owner's or officer's form.
func TestPagesByRole(t *testing.T) {
	r := newRig(t, false)
	r.signIn("zrzy-clerk")
	for _, path := range []string{"/projects/new", "/projects/import", "/tasks"} {
		if resp, page := r.get(path); resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "此页面供") {
			t.Errorf("%s for a clerk: %d", path, resp.StatusCode)
		}
	}
}
