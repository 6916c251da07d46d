// Package server is the web adapter: every route in routes.go, thin handlers
// grouped by domain, sessions, CSRF, locale, security headers, rate limits,
// templates, and the one error handler that turns domain errors into pages.
package server

import (
	"context"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"chorus/account"
	"chorus/audit"
	"chorus/forum"
	"chorus/locales"
	"chorus/notify"
	"chorus/realtime"
	"chorus/server/templates"
	"chorus/steering"

	"github.com/gofiber/fiber/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// Options are the web layer's settings.
type Options struct {
	BaseURL        string         // public URL, e.g. https://chorus.example.org; empty: taken from each request
	ExitURL        string         // where quick exit sends people
	Secret         []byte         // key for signed tokens, shared by every instance
	TrustedProxies []string       // proxies whose X-Forwarded-For is believed
	Location       *time.Location // for dates shown to people
	BodyLimit      int            // bytes; larger requests get 413
	LoginPerIP     int            // sign-in tries per IP per 10 minutes (held in memory only)
	SubmitPerIP    int            // anonymous issues, reports and quiet-voice questions per IP per hour (memory only)
	Privacy        Privacy        // what the privacy notice says of this installation (privacy.go)
}

// Deps are the services the web layer calls.
type Deps struct {
	Accounts *account.Service
	Forums   *forum.Service
	Steering *steering.Service
	Audit    *audit.Log
	Ready    func(ctx context.Context) error // reports whether the store can be reached
	Logger   *slog.Logger
	// LiveLog numbers live events in the store; LiveBus carries them between
	// instances (in-process when nil).
	LiveLog realtime.Log
	LiveBus realtime.Bus
	// Notify keeps notification preferences and sends email; nil, or
	// without a sender, means no email (and no self-service reset).
	Notify *notify.Service
}

// Server is the Chorus web server.
type Server struct {
	app    *fiber.App
	opts   Options
	deps   Deps
	log    *slog.Logger
	bundle *i18n.Bundle
	easy   *i18n.Bundle // English with the Easy Read messages over it
	assets *assets
	secure bool // served over HTTPS: __Host- cookies, HSTS

	engine  *views // the parsed templates (render.go)
	live    *livePublisher
	metrics *metrics // Prometheus metrics, served by MetricsHandler (metrics.go)
	submits *perIP   // anonymous submissions, reports and questions per address (limits.go)

	setupMu    sync.Mutex
	setupToken string // one-time token printed at start while no administrator exists

	translators sync.Map // one *Tr per language and Easy Read (locale.go)
}

// New builds the server and its routes.
func New(opts Options, deps Deps) (*Server, error) {
	if len(opts.Secret) < 32 {
		return nil, fmt.Errorf("server: secret must be at least 32 bytes")
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.BodyLimit == 0 {
		opts.BodyLimit = 1 << 20
	}
	if opts.LoginPerIP == 0 {
		opts.LoginPerIP = 30
	}
	if opts.SubmitPerIP == 0 {
		opts.SubmitPerIP = 30
	}
	bundle, err := locales.Bundle()
	if err != nil {
		return nil, err
	}
	easy, err := locales.EasyBundle()
	if err != nil {
		return nil, err
	}
	as, err := loadAssets()
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, deps: deps, log: deps.Logger, bundle: bundle, easy: easy, assets: as,
		submits: newPerIP(opts.SubmitPerIP, time.Hour)}
	if u, err := url.Parse(opts.BaseURL); err == nil && u.Scheme == "https" {
		s.secure = true
	}

	engine, err := newViews(templates.Files, s.templateFuncs())
	if err != nil {
		return nil, fmt.Errorf("server: templates: %w", err)
	}
	s.engine = engine
	if deps.LiveBus == nil {
		deps.LiveBus = realtime.NewLocalBus()
		s.deps.LiveBus = deps.LiveBus
	}
	if s.live, err = s.newLive(deps.LiveLog, deps.LiveBus); err != nil {
		return nil, err
	}
	if deps.Forums != nil {
		deps.Forums.SetPublisher(s.live)
	}
	if deps.Steering != nil {
		deps.Steering.SetPublisher(s.live)
	}
	s.app = fiber.New(fiber.Config{
		Views:                   engine,
		ViewsLayout:             "layouts/base",
		ErrorHandler:            s.handleError,
		BodyLimit:               opts.BodyLimit,
		ReadTimeout:             15 * time.Second,
		WriteTimeout:            30 * time.Second,
		IdleTimeout:             75 * time.Second,
		Immutable:               true, // values read from a request stay valid after it
		DisableStartupMessage:   true,
		EnableTrustedProxyCheck: len(opts.TrustedProxies) > 0,
		TrustedProxies:          opts.TrustedProxies,
		ProxyHeader:             proxyHeader(opts.TrustedProxies),
	})
	s.routes()
	return s, nil
}

func proxyHeader(trusted []string) string {
	if len(trusted) > 0 {
		return fiber.HeaderXForwardedFor
	}
	return ""
}

// App returns the Fiber application (tests drive it with app.Test).
func (s *Server) App() *fiber.App { return s.app }

// Listen serves on addr until Shutdown.
func (s *Server) Listen(addr string) error { return s.app.Listen(addr) }

// Shutdown stops accepting requests and waits for those under way.
// Live streams end first (websockets close with 1001, event streams end) so
// that open connections do not hold shutdown up.
func (s *Server) Shutdown(ctx context.Context) error {
	s.live.counts.Close()
	if err := s.live.hub.Shutdown(ctx); err != nil {
		s.log.Warn("live shutdown", "error", err.Error())
	}
	return s.app.ShutdownWithContext(ctx)
}

// SetSetupToken sets the one-time token that the setup page asks for.
func (s *Server) SetSetupToken(token string) {
	s.setupMu.Lock()
	defer s.setupMu.Unlock()
	s.setupToken = token
}

// useSetupToken reports whether token is the setup token, in constant time.
func (s *Server) checkSetupToken(token string) bool {
	s.setupMu.Lock()
	defer s.setupMu.Unlock()
	return s.setupToken != "" && subtle.ConstantTimeCompare([]byte(s.setupToken), []byte(token)) == 1
}

func (s *Server) clearSetupToken() { s.SetSetupToken("") }
