package server

import (
	"net/url"
	"strings"

	"chorus/forum"

	"github.com/gofiber/fiber/v2"
)

// easyCookie remembers that a person has turned on Easy Read. It is kept
// apart from the language: Easy Read in Urdu keeps the Urdu words and takes
// the Easy Read layout.
const easyCookie = "chorus_easy"

// easyRead reports whether the request's browser has Easy Read on.
func easyRead(c *fiber.Ctx) bool { return c.Cookies(easyCookie) == "on" }

// handleEasyRead turns Easy Read on or off and goes back to the page the
// switch was on. It changes a preference, so it is a POST with the CSRF
// token like every other change; only a local path is followed back.
func (s *Server) handleEasyRead(c *fiber.Ctx) error {
	switch c.FormValue("easy") {
	case "on":
		s.setCookie(c, easyCookie, "on", 365*24*3600)
	case "off":
		s.clearCookie(c, easyCookie)
	}
	s.rememberEasyRead(c, c.FormValue("easy"))
	return c.Redirect(localReturn(c.FormValue("next")), fiber.StatusSeeOther)
}

// localReturn keeps a return address only when it is a path (and query) on
// this site, and "/" otherwise.
func localReturn(next string) string {
	if localNext(next) == "" || strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") {
		return "/"
	}
	return next
}

// returnPath is where the Easy Read switch brings a person back to: this
// page's address when it was a GET; after a POST (a form shown again), the
// same path when it also answers GET, else the home page.
func (s *Server) returnPath(c *fiber.Ctx) string {
	if c.Method() == fiber.MethodGet {
		return c.OriginalURL()
	}
	pattern := c.Route().Path
	for _, r := range s.Routes() {
		if r.Method == fiber.MethodGet && r.Path == pattern {
			return c.Path()
		}
	}
	return "/"
}

// handleQuickExitHelp explains what quick exit does, what it cannot do, and
// how to browse privately.
func (s *Server) handleQuickExitHelp(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "help_quick_exit", s.page(c, "help.exit.title", nil))
}

// issueTitle is an issue page's tab title: the issue's own title, except
// while it waits for the safeguarding lead, when the tab says only "Your
// issue" so that a glance at the screen or the tab list reveals nothing.
func issueTitle(t *Tr, is *forum.Issue) string {
	if is.Held == forum.HoldSafeguarding {
		return t.M("issue.title.held")
	}
	return is.Title
}
