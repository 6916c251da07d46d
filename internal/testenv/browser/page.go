package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Visit loads url in the tab, waits until the document has a body, and
// returns the HTTP status of the document (0 for a URL without one, such as
// about:blank). It fails the test when the page cannot load.
func Visit(t testing.TB, ctx context.Context, url string) int64 {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	resp, err := chromedp.Run(sctx, chromedp.NavigateResponse(url))
	if err != nil {
		t.Fatalf("browser: visit %s: %v", url, err)
	}
	if err := chromedp.Do(sctx, chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatalf("browser: visit %s: wait for body: %v", url, err)
	}
	return status(resp)
}

// status returns the HTTP status of a response, or 0 when there was none.
func status(resp *network.Response) int64 {
	if resp == nil {
		return 0
	}
	return resp.Status
}

// Click clicks the first element that matches the CSS selector, once it is
// visible. It does not wait for a navigation; use [ClickAndWait] for links and
// submit buttons.
func Click(t testing.TB, ctx context.Context, selector string) {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	if err := chromedp.Do(sctx, chromedp.Click(chromedp.CSS(selector))); err != nil {
		t.Fatalf("browser: click %q on %s: %v", selector, location(ctx), err)
	}
}

// ClickAndWait clicks the first element that matches the CSS selector (a link
// or a submit button), waits for the page it leads to, and returns that
// page's HTTP status (0 when it has none). It works with and without
// JavaScript.
func ClickAndWait(t testing.TB, ctx context.Context, selector string) int64 {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	from := location(ctx)
	resp, err := chromedp.RunResponse(sctx, chromedp.Click(chromedp.CSS(selector)))
	if err != nil {
		t.Fatalf("browser: click %q on %s and wait for the next page: %v", selector, from, err)
	}
	if err := chromedp.Do(sctx, chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatalf("browser: after clicking %q on %s: wait for body: %v", selector, from, err)
	}
	return status(resp)
}

// Fill sets the value of the input, textarea or select that matches the CSS
// selector, once it is visible, and fires its input and change events, as
// typing or choosing would. It works with and without JavaScript.
func Fill(t testing.TB, ctx context.Context, selector, value string) {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	sel := chromedp.CSS(selector)
	if err := chromedp.Do(sctx, chromedp.WaitVisible(sel), setValue(sel, value)); err != nil {
		t.Fatalf("browser: fill %q on %s: %v", selector, location(ctx), err)
	}
}

// setValue sets the value of the first node that sel matches. chromedp's
// SetValue cannot set an empty value: cdproto leaves an empty string out of
// the call's arguments, so the value is written into the function instead.
func setValue(sel chromedp.CSS, value string) chromedp.Action[chromedp.Void] {
	quoted, _ := json.Marshal(value)
	fn := `function() {
		this.value = ` + string(quoted) + `;
		this.dispatchEvent(new Event("input", {bubbles: true}));
		this.dispatchEvent(new Event("change", {bubbles: true}));
	}`
	return chromedp.QueryAfter(sel, func(ctx context.Context, t *chromedp.Target, nodes []*chromedp.Node) (chromedp.Void, error) {
		obj, err := cdp.Call(ctx, t, dom.ResolveNode, dom.ResolveNodeParams{NodeID: nodes[0].NodeID})
		if err != nil {
			return chromedp.Void{}, err
		}
		defer cdp.Call(ctx, t, runtime.ReleaseObject, runtime.ReleaseObjectParams{ObjectID: obj.Object.ObjectID})
		res, err := cdp.Call(ctx, t, runtime.CallFunctionOn, runtime.CallFunctionOnParams{
			FunctionDeclaration: fn,
			ObjectID:            obj.Object.ObjectID,
		})
		if err == nil && res.ExceptionDetails != nil {
			err = &chromedp.ExceptionError{ExceptionDetails: res.ExceptionDetails}
		}
		return chromedp.Void{}, err
	})
}

// Text returns the visible text (innerText, trimmed) of the first element
// that matches the CSS selector, waiting until such an element exists.
func Text(t testing.TB, ctx context.Context, selector string) string {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(selector)))
	if err != nil {
		t.Fatalf("browser: text of %q on %s: %v", selector, location(ctx), err)
	}
	return strings.TrimSpace(s)
}

// Value returns the current value of the input, textarea or select that
// matches the CSS selector, waiting until such an element exists.
func Value(t testing.TB, ctx context.Context, selector string) string {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Value(chromedp.CSS(selector)))
	if err != nil {
		t.Fatalf("browser: value of %q on %s: %v", selector, location(ctx), err)
	}
	return v
}

// Exists reports whether an element matches the CSS selector now, without
// waiting.
func Exists(t testing.TB, ctx context.Context, selector string) bool {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	quoted, _ := json.Marshal(selector) // a JavaScript string literal
	ok, err := chromedp.Run(sctx, chromedp.Evaluate[bool](
		"document.querySelector("+string(quoted)+") !== null"))
	if err != nil {
		t.Fatalf("browser: look for %q on %s: %v", selector, location(ctx), err)
	}
	return ok
}

// Location returns the URL of the tab's current page.
func Location(t testing.TB, ctx context.Context) string {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	u, err := chromedp.Run(sctx, chromedp.Location())
	if err != nil {
		t.Fatalf("browser: read the location: %v", err)
	}
	return u
}

// location returns the tab's URL for error messages, or a placeholder.
func location(ctx context.Context) string {
	sctx, cancel := step(ctx)
	defer cancel()
	u, err := chromedp.Run(sctx, chromedp.Location())
	if err != nil {
		return "(unknown page)"
	}
	return u
}

// Screenshot saves a PNG of the tab's whole page and returns its path. The
// file goes to CHORUS_SCREENSHOT_DIR when that is set (relative to the module
// root), else to the test's temporary directory, which is removed after the
// test: set the variable to keep screenshots. The path is logged.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	path, err := screenshot(t, ctx, name)
	if err != nil {
		t.Fatalf("browser: screenshot %q: %v", name, err)
	}
	t.Logf("browser: screenshot of %s: %s", location(ctx), path)
	return path
}

// screenshotOnFailure saves a screenshot of a failed test's tab, when the tab
// still answers.
func screenshotOnFailure(t testing.TB, ctx context.Context) {
	t.Helper()
	if ctx.Err() != nil {
		return
	}
	if path, err := screenshot(t, ctx, "failure"); err == nil {
		t.Logf("browser: screenshot of %s at the failure: %s", location(ctx), path)
	}
}

// screenshot writes a full-page PNG of the tab and returns its path.
func screenshot(t testing.TB, ctx context.Context, name string) (string, error) {
	dir := os.Getenv(EnvScreenshotDir)
	if dir == "" {
		dir = t.TempDir()
	} else if !filepath.IsAbs(dir) {
		root, err := moduleRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	sctx, cancel := step(ctx)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100)) // 100: PNG, not JPEG
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, fileName(t.Name()+"-"+name)+".png")
	return path, os.WriteFile(path, png, 0o644)
}

// fileName turns a test name into a safe file name.
func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		}
		return '_'
	}, s)
}

// moduleRoot returns the nearest directory at or above the working directory
// that holds go.mod: the repository root, where node_modules is.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod at or above the working directory")
		}
		dir = parent
	}
}
