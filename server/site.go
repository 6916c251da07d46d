package server

import (
	"context"
	"net/url"
	"strings"
	"time"

	"chorus/internal/fault"

	"github.com/gofiber/fiber/v2"
)

var (
	errForbidden = fault.New(fault.Forbidden, "error.forbidden")
	errSignIn    = fault.New(fault.Unauthenticated, "error.sign_in_required")
	errTooMany   = fault.New(fault.TooMany, "error.too_many")
)

// handleHome explains Chorus, or leads a new installation to setup.
func (s *Server) handleHome(c *fiber.Ctx) error {
	need, err := s.deps.Accounts.NeedsSetup(c.UserContext())
	if err != nil {
		return err
	}
	if need {
		return c.Redirect("/setup", fiber.StatusSeeOther)
	}
	return s.render(c, fiber.StatusOK, "home", s.page(c, "home.title", nil))
}

// handleHealth says the process is up.
func (s *Server) handleHealth(c *fiber.Ctx) error { return c.SendString("ok") }

// handleReady says whether the store can be reached.
func (s *Server) handleReady(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.deps.Ready(ctx); err != nil {
		s.log.Warn("not ready", "error", err.Error())
		return c.Status(fiber.StatusServiceUnavailable).SendString("store unavailable")
	}
	return c.SendString("ready")
}

// handleExit is quick exit without JavaScript: it ends the session, if any,
// and sends the browser to a neutral site. One of the two GETs SECURITY.md
// allows to change state.
func (s *Server) handleExit(c *fiber.Ctx) error {
	s.endLive(c)
	if err := s.deps.Accounts.SignOut(c.UserContext(), c.Cookies(s.sessionCookie())); err != nil {
		s.log.Warn("exit: sign out failed", "error", err.Error())
	}
	s.clearCookie(c, s.sessionCookie())
	s.clearCookie(c, pendingCookie)
	return c.Redirect(s.opts.ExitURL, fiber.StatusSeeOther)
}

// safeNext keeps a return address only when it is a path on this site.
func safeNext(next string) string {
	if localNext(next) == "" {
		return "/"
	}
	return url.QueryEscape(next)
}

// localNext returns the decoded return address, or "" when unsafe. A
// browser drops tabs and newlines from a Location and reads a backslash as
// a slash, so "/\t/evil.example" would take it to another site: an address
// holding a control character or a backslash is refused too.
func localNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsFunc(next, func(r rune) bool {
		return r < ' ' || r == 0x7f || r == '\\'
	}) {
		return ""
	}
	return next
}
