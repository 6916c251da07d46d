package server

import (
	"errors"
	"log/slog"
	"net/url"
	"time"

	"chorus/account"
	"chorus/internal/fault"
	"chorus/internal/secret"

	"github.com/gofiber/fiber/v2"
)

// contentSecurityPolicy allows nothing from elsewhere and no inline script.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// securityHeaders sets the headers every response carries. Pages are never
// stored by caches: they may show signed-in or submission content.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentSecurityPolicy, contentSecurityPolicy)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Set(fiber.HeaderPermissionsPolicy, "camera=(), microphone=(), geolocation=(), interest-cohort=()")
	c.Set(fiber.HeaderCacheControl, "no-store")
	if s.secure {
		c.Set(fiber.HeaderStrictTransportSecurity, "max-age=63072000; includeSubDomains")
	}
	return c.Next()
}

// requestID gives each request an ID, shown on error pages and in the log.
func (s *Server) requestID(c *fiber.Ctx) error {
	id := secret.NewID()
	c.Locals(requestIDKey, id)
	c.Set(fiber.HeaderXRequestID, id)
	return c.Next()
}

// logRequests writes one structured line per request: the route pattern (never
// the raw path, which may hold a token), status, duration and request ID.
// Never an IP address, user agent, body or query.
func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		status = statusOf(err)
	}
	s.log.Info("request",
		slog.String("method", c.Method()),
		slog.String("route", c.Route().Path),
		slog.Int("status", status),
		slog.Duration("duration", time.Since(start)),
		slog.String("request_id", requestIDOf(c)))
	return err
}

func requestIDOf(c *fiber.Ctx) string {
	id, _ := c.Locals(requestIDKey).(string)
	return id
}

// sessionCookie is the session cookie's name: __Host- prefixed where served
// over HTTPS, which browsers only accept from a secure origin.
func (s *Server) sessionCookie() string {
	if s.secure {
		return "__Host-chorus_session"
	}
	return "chorus_session"
}

// withSession loads the signed-in person, if any.
func (s *Server) withSession(c *fiber.Ctx) error {
	token := c.Cookies(s.sessionCookie())
	if token == "" {
		return c.Next()
	}
	p, err := s.deps.Accounts.Authenticate(c.UserContext(), token)
	switch {
	case err == nil:
		c.Locals(principalKey, p)
	case errors.Is(err, account.ErrSessionEnded):
		s.clearCookie(c, s.sessionCookie())
	default:
		return err
	}
	return c.Next()
}

func principal(c *fiber.Ctx) *account.Principal {
	p, _ := c.Locals(principalKey).(*account.Principal)
	return p
}

func (s *Server) setCookie(c *fiber.Ctx, name, value string, maxAge int) {
	c.Cookie(&fiber.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HTTPOnly: true,
		Secure: s.secure, SameSite: fiber.CookieSameSiteLaxMode})
}

func (s *Server) clearCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(1, 0), HTTPOnly: true,
		Secure: s.secure, SameSite: fiber.CookieSameSiteLaxMode})
}

// CSRF protection. The form token is an HMAC of a binding value under the
// server secret: the session token for signed-in people, otherwise a random
// nonce in a cookie (a signed double-submit token; visitors get no stored
// session). Every POST must carry it, and a foreign Origin is refused.
const (
	csrfCookie = "chorus_csrf"
	csrfField  = "csrf"
)

var (
	errCSRF   = fault.New(fault.Forbidden, "error.csrf")
	errOrigin = fault.New(fault.Forbidden, "error.origin")
)

func (s *Server) csrfBinding(c *fiber.Ctx) string {
	if tok := c.Cookies(s.sessionCookie()); tok != "" && principal(c) != nil {
		return "s:" + tok
	}
	return "v:" + c.Cookies(csrfCookie)
}

// csrf issues the visitor nonce when missing, sets the page's token, and
// checks the token and Origin on every state-changing request.
func (s *Server) csrf(c *fiber.Ctx) error {
	if c.Cookies(csrfCookie) == "" {
		nonce := secret.NewToken()
		s.setCookie(c, csrfCookie, nonce, 0)
		c.Request().Header.SetCookie(csrfCookie, nonce) // visible to this request's binding
	}
	if c.Method() == fiber.MethodPost && isOneClick(c.Path()) {
		// The one exemption: RFC 8058's one-click unsubscribe, POSTed by a
		// mail provider with no cookie, token or Origin of ours. The
		// signed token in the address authorises it, and it can only turn
		// that one person's email off (handleUnsubscribeOneClick).
		return c.Next()
	}
	if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
		if !s.sameOrigin(c) {
			return errOrigin
		}
		if !secret.Verify(s.opts.Secret, "csrf|"+s.csrfBinding(c), c.FormValue(csrfField)) {
			return errCSRF
		}
	}
	c.Locals(csrfKey, secret.Sign(s.opts.Secret, "csrf|"+s.csrfBinding(c)))
	return c.Next()
}

// sameOrigin refuses requests a browser says came from another site. Two
// signals: Sec-Fetch-Site (sent by current browsers, whatever the referrer
// policy) must be same-origin, or none for a person's own navigation; and an
// Origin header must match this server. Under Referrer-Policy: no-referrer
// browsers send "Origin: null" for same-site forms, so "null" and absent
// headers (non-browser clients) leave the decision to the CSRF token.
func (s *Server) sameOrigin(c *fiber.Ctx) bool {
	if site := c.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" || origin == "null" {
		return true
	}
	return origin == s.origin(c)
}

func (s *Server) origin(c *fiber.Ctx) string {
	if s.opts.BaseURL != "" {
		if u, err := url.Parse(s.opts.BaseURL); err == nil {
			return u.Scheme + "://" + u.Host
		}
	}
	return c.Protocol() + "://" + c.Hostname()
}

// csrfToken returns the token forms on this page must carry.
func csrfToken(c *fiber.Ctx) string {
	t, _ := c.Locals(csrfKey).(string)
	return t
}
