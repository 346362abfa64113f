package testenv

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Browser is an HTTP client that keeps cookies and does not follow
// redirects, so a test sees every step of a sign-in.
func Browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// SignIn signs user in at a relying party through the code flow, as a
// person with browser c would: GET login (the portal's /login) is sent to
// the provider's sign-in page, whose form (hidden fields as the page has
// them, username and password filled in) goes back to the provider, which
// sends the browser to the relying party's callback; SignIn follows that
// too and returns the callback's answer (the redirect to the page asked
// for, with the session cookie), which it does not check.
func SignIn(t testing.TB, c *http.Client, login, user, password string) *http.Response {
	t.Helper()
	step := func(what string, resp *http.Response, err error) (string, string) {
		t.Helper()
		if err != nil {
			t.Fatalf("sign-in %s: %v", what, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.Header.Get("Location"), string(b)
	}
	resp, err := c.Get(login)
	to, _ := step("GET "+login, resp, err)
	if to == "" {
		t.Fatalf("sign-in: %s sent the browser nowhere", login)
	}
	authURL, err := url.Parse(to)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = c.Get(to)
	_, page := step("GET the sign-in page", resp, err)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in page %s: %d\n%s", to, resp.StatusCode, page)
	}
	form := url.Values{"username": {user}, "password": {password}}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	post := authURL.Scheme + "://" + authURL.Host + authURL.Path
	req, _ := http.NewRequest(http.MethodPost, post, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", authURL.Scheme+"://"+authURL.Host)
	resp, err = c.Do(req)
	back, page := step("POST the sign-in form", resp, err)
	if resp.StatusCode != http.StatusSeeOther || back == "" {
		t.Fatalf("sign-in of %s refused: %d\n%s", user, resp.StatusCode, page)
	}
	resp, err = c.Get(back)
	step("GET the callback", resp, err)
	return resp
}
