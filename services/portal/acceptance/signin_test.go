package acceptance

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// tamperedStateIsRefused: a sign-in whose state was changed on the way
// (here in the issuer's form, so the issuer sends a real code with the
// forged state back) gets a Chinese error page at the portal and no
// session; the browser is sent to sign in again.
func tamperedStateIsRefused(t *testing.T, s *system, portal string) {
	ctx := browser(t)
	run(t, ctx, "open the issuer's sign-in page",
		chromedp.Navigate(portal+"/queue"),
		chromedp.WaitVisible(chromedp.ID("username")),
	)
	if at := value(t, ctx, "where the sign-in page is", chromedp.Location()); !strings.HasPrefix(at, s.issuer+"/authorize?") {
		t.Fatalf("sign-in page at %s, want the issuer's %s/authorize", at, s.issuer)
	}
	run(t, ctx, "sign in with a tampered state",
		chromedp.SetValue(chromedp.CSS(`input[name="state"]`), "forged-state"),
		chromedp.SendKeys(chromedp.ID("username"), "zrzy-clerk"),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("problem")),
	)
	at := value(t, ctx, "where the callback is", chromedp.Location())
	lang := value(t, ctx, "the page's language", chromedp.Evaluate[string](`document.documentElement.lang`))
	if msg := text(t, ctx, "#problem"); !strings.HasPrefix(at, portal+"/auth/callback?") || lang != "zh-CN" ||
		!strings.Contains(msg, "登录请求校验未通过") {
		t.Fatalf("tampered state at %s (lang %q): %q", at, lang, msg)
	}
	screenshot(t, ctx, "tampered-state-refused")
	// No session: a signed-in page sends the browser to sign in again.
	run(t, ctx, "a page after the refusal",
		chromedp.Navigate(portal+"/queue"),
		chromedp.WaitVisible(chromedp.ID("username")),
	)
	if at := value(t, ctx, "where /queue went", chromedp.Location()); !strings.HasPrefix(at, s.issuer+"/authorize?") {
		t.Fatalf("/queue after the refusal at %s: a session was kept", at)
	}
}
