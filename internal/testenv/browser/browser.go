// Package browser drives Debian's Chromium from Go tests, for the browser
// journeys of Chorus, and checks pages with axe-core.
//
// It is a test helper: import it only from _test.go files, so that chromedp
// never reaches the production binary.
//
// One headless Chromium serves every test of a test binary that is running at
// the same time; each [Browser.NewTab] opens a tab in a browser context of its
// own (its own cookies and storage), so one test can play two people. A
// package whose tests use the browser one after another should call [Main]
// from TestMain, so that they share one Chromium instead of starting one per
// test:
//
//	func TestMain(m *testing.M) { browser.Main(m) }
//
//	func TestSupportIssue(t *testing.T) {
//		b := browser.New(t)
//		alice := b.NewTab(t)
//		browser.Visit(t, alice, srv.URL+"/forums/1")
//		browser.CheckAxe(t, alice)
//		if got := browser.Text(t, alice, "h1"); got != "Parks" {
//			t.Errorf("heading = %q, want %q", got, "Parks")
//		}
//	}
//
// When Chromium or axe-core is missing the tests skip, with a message saying
// how to install them, unless CHORUS_REQUIRE_ALL=1 (set by CI), in which case
// they fail.
package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Environment variables that the harness reads.
const (
	// EnvRequireAll, set to 1, turns every skip for a missing tool into a
	// failure. CI sets it.
	EnvRequireAll = "CHORUS_REQUIRE_ALL"
	// EnvChromium names the Chromium executable; the default is
	// /usr/bin/chromium, then chromium on the PATH.
	EnvChromium = "CHORUS_CHROMIUM"
	// EnvScreenshotDir names a directory for screenshots (relative paths are
	// taken from the module root). When it is set, a failed test also leaves a
	// screenshot of each of its open tabs there.
	EnvScreenshotDir = "CHORUS_SCREENSHOT_DIR"
)

// Defaults of the options.
const (
	// DefaultTimeout is how long a tab lives: a journey stuck on a step fails
	// after it instead of hanging until go test's own -timeout.
	DefaultTimeout = 2 * time.Minute
	// DefaultStepTimeout is how long one helper (Visit, Text, Click, CheckAxe,
	// ...) may take.
	DefaultStepTimeout = 20 * time.Second
	// startTimeout bounds the start of Chromium, which has taken about two
	// seconds here.
	startTimeout = time.Minute
	// stopTimeout bounds the graceful close of Chromium before it is killed.
	stopTimeout = 10 * time.Second
)

// Option changes how a Browser opens its tabs. Options given to [New] apply
// to every tab of that Browser; options given to [Browser.NewTab] apply to
// that tab only, after the Browser's.
type Option func(*config)

// config is what the options set.
type config struct {
	noJS        bool
	timeout     time.Duration
	stepTimeout time.Duration
	width       int64
	height      int64
	language    string
}

// WithoutJavaScript disables script execution in the tabs
// (Emulation.setScriptExecutionDisabled), for journeys that must work without
// JavaScript. It persists across navigations of the tab. The page's own
// scripts never run; the harness can still read the DOM through the DevTools
// protocol, and CheckAxe still works (see there).
func WithoutJavaScript() Option {
	return func(c *config) { c.noJS = true }
}

// WithTimeout sets how long each tab lives (default [DefaultTimeout]); every
// chromedp action on the tab's context fails once it has passed. It is also
// cut to a little before the test's own deadline.
func WithTimeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// WithStepTimeout sets how long one helper of this package may take (default
// [DefaultStepTimeout]).
func WithStepTimeout(d time.Duration) Option {
	return func(c *config) { c.stepTimeout = d }
}

// WithViewport sets the size of the tabs' viewport in CSS pixels, for
// example 320×640 to check that pages reflow (WCAG 1.4.10). The default is
// Chromium's headless window, 800×600.
func WithViewport(width, height int64) Option {
	return func(c *config) { c.width, c.height = width, height }
}

// WithLanguage sets the Accept-Language header the tabs send, for example
// "cy" or "ar, en;q=0.5". The default is "en-GB,en".
func WithLanguage(acceptLanguage string) Option {
	return func(c *config) { c.language = acceptLanguage }
}

// Browser opens tabs in the shared headless Chromium for one test. Get one
// with [New]; it is valid until that test ends.
type Browser struct {
	cfg  config
	proc *process
}

// New returns a Browser for the test, starting the shared Chromium if none
// runs yet, and registers its release with t.Cleanup. It skips the test when
// Chromium is missing (fails it when CHORUS_REQUIRE_ALL=1).
func New(t testing.TB, opts ...Option) *Browser {
	t.Helper()
	path, err := chromiumPath()
	if err != nil {
		Missing(t, "Chromium is not installed (%v); install it with `apt-get install -y chromium`", err)
	}
	began := time.Now()
	proc, started, err := acquire(path)
	if err != nil {
		t.Fatalf("browser: start %s: %v", path, err)
	}
	t.Cleanup(release)
	if started {
		t.Logf("browser: started %s in %v", path, time.Since(began).Round(time.Millisecond))
	}
	b := &Browser{
		cfg:  config{timeout: DefaultTimeout, stepTimeout: DefaultStepTimeout},
		proc: proc,
	}
	for _, o := range opts {
		o(&b.cfg)
	}
	return b
}

// tabKey is the context key under which a tab keeps its settings.
type tabKey struct{}

// tabInfo is what the helpers need to know about a tab.
type tabInfo struct {
	cfg config
}

// NewTab opens a tab in a new browser context (a person of its own: separate
// cookies, storage and cache) and returns its context for chromedp actions
// and the helpers of this package. The tab closes when the test ends. Options
// override the Browser's for this tab.
func (b *Browser) NewTab(t testing.TB, opts ...Option) context.Context {
	t.Helper()
	return b.openTab(t, b.proc.ctx, true, opts)
}

// SameSessionTab opens another tab in the browser context of tab: the same
// person, with the same cookies, for example to watch a page update live
// while acting in the first tab. It closes when the test ends or when tab
// closes, whichever is first. Options override the Browser's (not tab's).
func (b *Browser) SameSessionTab(t testing.TB, tab context.Context, opts ...Option) context.Context {
	t.Helper()
	return b.openTab(t, tab, false, opts)
}

// openTab opens a tab as a child of parent, in a new browser context when
// isolated is true, applies the options and waits until the tab is ready.
func (b *Browser) openTab(t testing.TB, parent context.Context, isolated bool, opts []Option) context.Context {
	t.Helper()
	cfg := b.cfg
	for _, o := range opts {
		o(&cfg)
	}
	var copts []chromedp.ContextOption
	if isolated {
		copts = append(copts, chromedp.WithNewBrowserContext())
	}
	ctx, cancelTab := chromedp.NewContext(parent, copts...)
	ctx = context.WithValue(ctx, tabKey{}, &tabInfo{cfg: cfg})
	deadline := time.Now().Add(cfg.timeout)
	if d, ok := testDeadline(t); ok && d.Before(deadline) {
		deadline = d
	}
	// The tab's target is bound to the context of its first action, so the
	// deadline set here ends the whole tab, not only its first action.
	ctx, cancelDeadline := context.WithDeadline(ctx, deadline)
	t.Cleanup(func() {
		if t.Failed() && os.Getenv(EnvScreenshotDir) != "" {
			screenshotOnFailure(t, ctx)
		}
		cancelDeadline()
		cancelTab()
	})
	if err := chromedp.Do(ctx, setup(cfg)); err != nil {
		t.Fatalf("browser: open a tab: %v", err)
	}
	return ctx
}

// setup is the action that applies a tab's settings; the first action on a
// new context also creates the tab.
func setup(cfg config) chromedp.Action[chromedp.Void] {
	steps := []chromedp.Action[chromedp.Void]{}
	if cfg.noJS {
		steps = append(steps, setScriptExecutionDisabled(true))
	}
	if cfg.width > 0 && cfg.height > 0 {
		steps = append(steps, chromedp.EmulateViewport(cfg.width, cfg.height))
	}
	if cfg.language != "" {
		steps = append(steps, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
				Headers: network.Headers{"Accept-Language": cfg.language},
			})
			return err
		}))
	}
	return chromedp.Steps(steps...)
}

// setScriptExecutionDisabled switches the page's script execution.
func setScriptExecutionDisabled(disabled bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled,
			emulation.SetScriptExecutionDisabledParams{Value: disabled})
		return err
	})
}

// tab returns the settings of a tab that NewTab opened, or the defaults for a
// context made some other way.
func tab(ctx context.Context) *tabInfo {
	if ti, ok := ctx.Value(tabKey{}).(*tabInfo); ok {
		return ti
	}
	return &tabInfo{cfg: config{timeout: DefaultTimeout, stepTimeout: DefaultStepTimeout}}
}

// step returns a context for one helper step on the tab.
func step(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, tab(ctx).cfg.stepTimeout)
}

// testDeadline returns a little before the test binary's deadline, if it has
// one, so that a stuck tab fails the test with a message instead of the
// binary's panic.
func testDeadline(t testing.TB) (time.Time, bool) {
	dt, ok := t.(interface{ Deadline() (time.Time, bool) })
	if !ok {
		return time.Time{}, false
	}
	d, ok := dt.Deadline()
	if !ok {
		return time.Time{}, false
	}
	return d.Add(-5 * time.Second), true
}

// Missing skips the test because a tool it needs is missing, or fails it when
// CHORUS_REQUIRE_ALL=1. The message should say how to get the tool.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv(EnvRequireAll) == "1" {
		t.Fatalf("%s (required: %s=1)", msg, EnvRequireAll)
	}
	t.Skip(msg)
}

// chromiumPath finds the Chromium executable.
func chromiumPath() (string, error) {
	if p := os.Getenv(EnvChromium); p != "" {
		return exec.LookPath(p)
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	return exec.LookPath("chromium")
}

// process is a running Chromium and the chromedp context that owns it.
type process struct {
	ctx         context.Context // the browser's root context; tabs are its children
	cancel      context.CancelFunc
	cancelAlloc context.CancelFunc
}

// shared is the one Chromium of this test binary, counted by its users.
var shared struct {
	mu    sync.Mutex
	proc  *process
	users int
	// keep is set by Main: the process then lives until Main stops it, so
	// tests that run one after another share it.
	keep bool
}

// acquire returns the shared Chromium, starting it if needed (started then
// reports true), and counts one more user.
func acquire(path string) (p *process, started bool, err error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.proc == nil {
		p, err := start(path)
		if err != nil {
			return nil, false, err
		}
		shared.proc = p
		started = true
	}
	shared.users++
	return shared.proc, started, nil
}

// release counts one user less, and stops the shared Chromium when it was the
// last one, unless Main keeps it.
func release() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	shared.users--
	if shared.users == 0 && !shared.keep && shared.proc != nil {
		shared.proc.stop()
		shared.proc = nil
	}
}

// Main runs the package's tests with one Chromium shared by all of them,
// stops it, and exits. Call it from TestMain:
//
//	func TestMain(m *testing.M) { browser.Main(m) }
func Main(m *testing.M) {
	shared.mu.Lock()
	shared.keep = true
	shared.mu.Unlock()
	code := m.Run()
	shared.mu.Lock()
	if shared.proc != nil {
		shared.proc.stop()
		shared.proc = nil
	}
	shared.mu.Unlock()
	os.Exit(code)
}

// start starts a headless Chromium and waits until it answers.
func start(path string) (*process, error) {
	// The flags that were checked on this kind of machine. Without the
	// background-networking ones Chromium keeps trying Google's hosts, which
	// the closed network refuses. chromedp makes (and afterwards removes) a
	// fresh temporary --user-data-dir, and kills any child process still using
	// it when the browser stops, so that no Chromium outlives the tests.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("mute-audio", true),
		// Chorus serves families in England. Headless Chromium takes its
		// Accept-Language from --accept-lang, not from --lang.
		chromedp.Flag("lang", "en-GB"),
		chromedp.Flag("accept-lang", "en-GB,en"),
	)
	// The browser lives as long as the test binary's tests use it, not as
	// long as any one test, so its context comes from Background.
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx,
		// chromedp logs protocol messages it cannot decode; they are noise
		// for tests.
		chromedp.WithErrorf(func(string, ...any) {}),
	)
	p := &process{ctx: ctx, cancel: cancel, cancelAlloc: cancelAlloc}
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			p.stop()
			return nil, err
		}
	case <-time.After(startTimeout):
		p.stop()
		return nil, errors.New("no answer within " + startTimeout.String())
	}
	return p, nil
}

// stop closes Chromium gracefully, kills it if that takes too long, and waits
// until its processes and temporary directory are gone.
func (p *process) stop() {
	ctx, cancel := context.WithTimeout(p.ctx, stopTimeout)
	_ = chromedp.Cancel(ctx) // errors here are about a browser already gone
	cancel()
	p.cancel()
	p.cancelAlloc()
}
