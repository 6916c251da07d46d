package browser

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// MinTarget is the smallest size in CSS pixels a control may have in either
// direction (WCAG 2.2, 2.5.8 Target Size (Minimum)).
const MinTarget = 24

// PageInfo is what the accessibility sweep reads from a page, in one round
// trip.
type PageInfo struct {
	Path     string `json:"path"`     // location.pathname
	Template string `json:"template"` // the body's data-page: the server template that drew it
	Title    string `json:"title"`    // the tab title
	Dir      string `json:"dir"`      // the html element's dir
	// QuickExit is empty when the page has a quick exit link leading to
	// /exit, at least MinTarget pixels each way, that nothing covers;
	// otherwise it says what is wrong.
	QuickExit string `json:"quickExit"`
	// ScrollWidth is the document's width and ViewportWidth the window's,
	// in CSS pixels: a page that reflows (WCAG 1.4.10) never has the first
	// larger than the second.
	ScrollWidth   int `json:"scrollWidth"`
	ViewportWidth int `json:"viewportWidth"`
}

// inspectJS reads a PageInfo.
const inspectJS = `(() => {
	const exit = (() => {
		const a = document.querySelector("a.quick-exit");
		if (!a) { return "no a.quick-exit on the page"; }
		if (new URL(a.href, location.href).pathname !== "/exit") { return "it leads to " + a.href; }
		const r = a.getBoundingClientRect();
		if (r.width < ` + "24" + ` || r.height < ` + "24" + `) { return "it is " + r.width + "×" + r.height + " px"; }
		const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
		if (!hit || !a.contains(hit)) { return "it is covered by " + (hit ? hit.outerHTML.slice(0, 120) : "nothing visible"); }
		return "";
	})();
	return {
		path: location.pathname,
		template: document.body ? (document.body.dataset.page || "") : "",
		title: document.title,
		dir: document.documentElement.dir || "ltr",
		quickExit: exit,
		scrollWidth: document.documentElement.scrollWidth,
		viewportWidth: window.innerWidth,
	};
})()`

// Inspect reads the PageInfo of the tab's current page.
func Inspect(t testing.TB, ctx context.Context) PageInfo {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	info, err := chromedp.Run(sctx, chromedp.Evaluate[PageInfo](inspectJS))
	if err != nil {
		t.Fatalf("browser: inspect %s: %v", location(ctx), err)
	}
	return info
}

// Artefact saves a PNG of the tab's whole page to keep after the tests (for
// people to look at: the pages in Urdu, in Easy Read), and returns its path:
// under CHORUS_SCREENSHOT_DIR when that is set, else under screenshots/ at
// the module root, which git ignores.
func Artefact(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	if os.Getenv(EnvScreenshotDir) == "" {
		root, err := moduleRoot()
		if err != nil {
			t.Fatalf("browser: artefact %q: %v", name, err)
		}
		t.Setenv(EnvScreenshotDir, filepath.Join(root, "screenshots"))
	}
	return Screenshot(t, ctx, name)
}

// Focus describes the element that has keyboard focus.
type Focus struct {
	Tag      string  `json:"tag"`      // lower case: button, a, input, ...
	ID       string  `json:"id"`       // its id, if any
	Text     string  `json:"text"`     // its words (or value), shortened
	HTML     string  `json:"html"`     // its opening HTML, shortened, for messages
	Width    float64 `json:"width"`    // its size in CSS pixels
	Height   float64 `json:"height"`   //
	Inline   bool    `json:"inline"`   // a link inside a sentence (2.5.8 exempts it)
	Visible  bool    `json:"visible"`  // it shows a focus indicator (outline or box shadow)
	Obscured string  `json:"obscured"` // what covers it entirely (2.4.11), or ""
}

// focusJS describes document.activeElement as a Focus. An element is
// obscured when every one of five points across it (its centre and near
// its corners) hits something else, such as a sticky header.
const focusJS = `(() => {
	const el = document.activeElement;
	if (!el || el === document.body) { return {tag: "body"}; }
	const r = el.getBoundingClientRect();
	const st = getComputedStyle(el);
	const visible = (st.outlineStyle !== "none" && parseFloat(st.outlineWidth) > 0) || (st.boxShadow && st.boxShadow !== "none");
	let obscured = "";
	const points = [[0.5, 0.5], [0.15, 0.15], [0.85, 0.15], [0.15, 0.85], [0.85, 0.85]];
	const hits = points.map(([x, y]) => document.elementFromPoint(r.left + r.width * x, r.top + r.height * y));
	if (!hits.some(h => h && (el === h || el.contains(h) || h.contains(el) && h.tagName === "LABEL"))) {
		const h = hits[0];
		obscured = h ? h.outerHTML.slice(0, 120) : "outside the window";
	}
	const display = st.display;
	const inline = el.tagName === "A" && display === "inline" && !el.classList.contains("button");
	return {
		tag: el.tagName.toLowerCase(),
		id: el.id || "",
		text: ((el.innerText || el.value || el.getAttribute("aria-label") || "") + "").trim().slice(0, 80),
		html: el.outerHTML.slice(0, 160),
		width: r.width, height: r.height,
		inline: inline,
		visible: !!visible,
		obscured: obscured,
	};
})()`

// Focused describes the element that has keyboard focus now.
func Focused(t testing.TB, ctx context.Context) Focus {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	f, err := chromedp.Run(sctx, chromedp.Evaluate[Focus](focusJS))
	if err != nil {
		t.Fatalf("browser: read the focus on %s: %v", location(ctx), err)
	}
	return f
}

// PressTab presses Tab (Shift+Tab when back is true) as a keyboard would and
// describes where the focus went.
func PressTab(t testing.TB, ctx context.Context, back bool) Focus {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	var mods []chromedp.KeyOption
	if back {
		mods = append(mods, chromedp.KeyModifiers(chromedp.ModifierShift))
	}
	if err := chromedp.Do(sctx, chromedp.KeyEvent(kb.Tab, mods...)); err != nil {
		t.Fatalf("browser: press Tab on %s: %v", location(ctx), err)
	}
	return Focused(t, ctx)
}

// CheckFocus fails the test unless the focused element shows a focus
// indicator, is not entirely hidden (2.4.11), and, unless it is a link in a
// sentence, is at least MinTarget pixels each way (2.5.8).
func CheckFocus(t testing.TB, f Focus, where string) {
	t.Helper()
	switch {
	case !f.Visible:
		t.Errorf("%s: the focused %s shows no focus indicator: %s", where, f.Tag, f.HTML)
	case f.Obscured != "":
		t.Errorf("%s: the focused %s is hidden behind %s (2.4.11): %s", where, f.Tag, f.Obscured, f.HTML)
	case !f.Inline && (f.Width < MinTarget || f.Height < MinTarget):
		t.Errorf("%s: the focused %s is %.0f×%.0f px, under %d px (2.5.8): %s", where, f.Tag, f.Width, f.Height, MinTarget, f.HTML)
	}
}

// TabTo presses Tab until the element matching selector has focus, at most
// max times, checking every element the focus passes on the way with
// CheckFocus, and returns the number of presses. It fails the test when the
// element is not reached: something a keyboard cannot get to.
func TabTo(t testing.TB, ctx context.Context, selector string, max int) int {
	t.Helper()
	quoted, _ := json.Marshal(selector)
	for i := 1; i <= max; i++ {
		f := PressTab(t, ctx, false)
		if f.Tag == "body" {
			continue
		}
		CheckFocus(t, f, location(ctx))
		sctx, cancel := step(ctx)
		on, err := chromedp.Run(sctx, chromedp.Evaluate[bool](
			`(() => { const e = document.querySelector(`+string(quoted)+`); return !!e && e === document.activeElement; })()`))
		cancel()
		if err != nil {
			t.Fatalf("browser: look for %q: %v", selector, err)
		}
		if on {
			return i
		}
	}
	t.Fatalf("browser: %q on %s not reached with %d presses of Tab", selector, location(ctx), max)
	return 0
}

// Type types text into the focused element key by key, as a keyboard would.
func Type(t testing.TB, ctx context.Context, text string) {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	if err := chromedp.Do(sctx, chromedp.KeyEvent(text)); err != nil {
		t.Fatalf("browser: type on %s: %v", location(ctx), err)
	}
}

// PressKey presses one key (kb.Enter, " " for Space, kb.ArrowDown, ...)
// without waiting for a page.
func PressKey(t testing.TB, ctx context.Context, key string) {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	if err := chromedp.Do(sctx, chromedp.KeyEvent(key)); err != nil {
		t.Fatalf("browser: press %q on %s: %v", key, location(ctx), err)
	}
}

// EnterAndWait presses Enter on the focused element (a link or a submit
// button), waits for the page it leads to and returns its HTTP status.
func EnterAndWait(t testing.TB, ctx context.Context) int64 {
	t.Helper()
	sctx, cancel := step(ctx)
	defer cancel()
	from := location(ctx)
	resp, err := chromedp.RunResponse(sctx, chromedp.KeyEvent(kb.Enter))
	if err != nil {
		t.Fatalf("browser: press Enter on %s and wait for the next page: %v", from, err)
	}
	if err := chromedp.Do(sctx, chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatalf("browser: after Enter on %s: wait for body: %v", from, err)
	}
	return status(resp)
}
