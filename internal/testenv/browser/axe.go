package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// AxeTags are the axe-core rule tags that CheckAxe runs: WCAG 2.0, 2.1 and
// 2.2, levels A and AA.
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// axeFile is where `npm ci` puts axe-core, relative to the module root.
const axeFile = "node_modules/axe-core/axe.min.js"

// Limits that keep a failure message readable.
const (
	maxNodes   = 10  // nodes listed per violation
	maxSnippet = 200 // characters of each node's HTML
)

// AxeReport is the outcome of one axe-core run on a page.
type AxeReport struct {
	URL        string         `json:"url"`
	Violations []AxeViolation `json:"violations"`
}

// AxeViolation is one axe-core rule that the page breaks.
type AxeViolation struct {
	ID      string    `json:"id"`     // the rule, e.g. "image-alt"
	Impact  string    `json:"impact"` // minor, moderate, serious or critical
	Help    string    `json:"help"`
	HelpURL string    `json:"helpUrl"`
	Nodes   []AxeNode `json:"nodes"`
}

// AxeNode is one element that breaks a rule.
type AxeNode struct {
	Target  string `json:"target"` // a CSS selector for the element
	HTML    string `json:"html"`   // the element's opening HTML
	Summary string `json:"summary"`
}

// String lists the violations for a test failure message.
func (r AxeReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "axe-core: %d accessibility violation(s) on %s:", len(r.Violations), r.URL)
	for _, v := range r.Violations {
		fmt.Fprintf(&b, "\n- %s (%s): %s\n  %s", v.ID, v.Impact, v.Help, v.HelpURL)
		for i, n := range v.Nodes {
			if i == maxNodes {
				fmt.Fprintf(&b, "\n  ... and %d more", len(v.Nodes)-maxNodes)
				break
			}
			fmt.Fprintf(&b, "\n  %s: %s", n.Target, trim(n.HTML))
		}
	}
	return b.String()
}

// trim collapses white space in an HTML snippet and shortens it.
func trim(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxSnippet {
		s = string(r[:maxSnippet]) + "…"
	}
	return s
}

// CheckAxe runs axe-core with [AxeTags] on the tab's current page and marks
// the test failed (t.Errorf, so a journey goes on to check its next pages)
// listing each violation with the page's URL. It skips the test when
// axe-core is missing (fails it when CHORUS_REQUIRE_ALL=1).
func CheckAxe(t testing.TB, ctx context.Context) {
	t.Helper()
	if r := Axe(t, ctx); len(r.Violations) > 0 {
		t.Error(r.String())
	}
}

// Axe runs axe-core with [AxeTags] on the tab's current page and returns what
// it found, without judging it. It skips the test when axe-core is missing
// (fails it when CHORUS_REQUIRE_ALL=1), and fails it when axe cannot run.
func Axe(t testing.TB, ctx context.Context) AxeReport {
	t.Helper()
	src, err := axeSource()
	if err != nil {
		Missing(t, "axe-core is missing (%v); run `npm ci` at the repository root", err)
	}
	r, err := runAxe(ctx, src)
	if err != nil {
		t.Fatalf("browser: axe-core on %s: %v", location(ctx), err)
	}
	return r
}

// runAxe injects axe-core into the tab's page and runs it.
//
// The script goes in through the DevTools protocol (Runtime.evaluate), which
// the page's Content-Security-Policy does not govern: it works under
// `script-src 'self'` without Page.setBypassCSP. Runtime.evaluate also works
// while script execution is disabled, but axe.run's promise then never
// settles (its work waits on timers, which do not fire), so on a tab without
// JavaScript the run re-enables script execution for its own duration and
// disables it again afterwards. The page's own scripts stay unrun: Chromium
// skipped them while the page loaded and does not run them when execution is
// re-enabled (the self-test checks this).
func runAxe(ctx context.Context, src string) (AxeReport, error) {
	sctx, cancel := step(ctx)
	defer cancel()
	if tab(ctx).cfg.noJS {
		if err := chromedp.Do(sctx, setScriptExecutionDisabled(false)); err != nil {
			return AxeReport{}, err
		}
		defer func() {
			// A fresh context, so that the tab is restored even when the
			// step timed out.
			rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			_ = chromedp.Do(rctx, setScriptExecutionDisabled(true))
		}()
	}
	loaded, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err != nil {
		return AxeReport{}, err
	}
	if !loaded {
		if err := chromedp.Do(sctx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
			return AxeReport{}, fmt.Errorf("inject axe-core: %w", err)
		}
	}
	tags, _ := json.Marshal(AxeTags)
	r, err := chromedp.Run(sctx, chromedp.Evaluate[AxeReport](`axe.run(document, {
		runOnly: {type: "tag", values: `+string(tags)+`},
		resultTypes: ["violations"],
	}).then(r => ({
		url: r.url,
		violations: r.violations.map(v => ({
			id: v.id,
			impact: v.impact || "",
			help: v.help,
			helpUrl: v.helpUrl,
			nodes: v.nodes.map(n => ({
				target: n.target.map(s => Array.isArray(s) ? s.join(" >>> ") : String(s)).join(", "),
				html: n.html,
				summary: n.failureSummary || "",
			})),
		})),
	}))`, chromedp.EvalAwaitPromise))
	if err != nil {
		return AxeReport{}, fmt.Errorf("run axe-core: %w", err)
	}
	return r, nil
}

// axeCache holds axe-core's source once read.
var axeCache struct {
	mu  sync.Mutex
	src string
}

// axeSource returns axe.min.js from node_modules at the module root.
func axeSource() (string, error) {
	axeCache.mu.Lock()
	defer axeCache.mu.Unlock()
	if axeCache.src != "" {
		return axeCache.src, nil
	}
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join(root, axeFile))
	if err != nil {
		return "", err
	}
	axeCache.src = string(b)
	return axeCache.src, nil
}
