package server

import (
	"github.com/gofiber/fiber/v2"
)

// accountData is the account page: whether two-step sign-in may be turned off.
type accountData struct{ MFARequired bool }

func (s *Server) accountPage(c *fiber.Ctx) (*Page, error) {
	need, err := s.deps.Accounts.MFARequired(c.UserContext(), principal(c))
	if err != nil {
		return nil, err
	}
	return s.page(c, "account.title", accountData{MFARequired: need}), nil
}

// handleAccount shows the signed-in person their account.
func (s *Server) handleAccount(c *fiber.Ctx) error {
	p, err := s.accountPage(c)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "account", p)
}

// handlePassword changes the person's password and starts a new session
// (every other session ends).
func (s *Server) handlePassword(c *fiber.Ctx) error {
	p := principal(c)
	err := s.deps.Accounts.ChangePassword(c.UserContext(), p, c.FormValue("current"), c.FormValue("password"), c.FormValue("password2"))
	if err != nil {
		pg, perr := s.accountPage(c)
		if perr != nil {
			return perr
		}
		if pg.withForm(c, nil, err) {
			return s.render(c, statusOf(err), "account", pg)
		}
		return err
	}
	s.flash(c, "account.password.done")
	return s.startSession(c, p.User.ID, "/account")
}

func (s *Server) handleAccountMFAForm(c *fiber.Ctx) error {
	p := principal(c)
	if p.User.HasMFA() {
		return c.Redirect("/account", fiber.StatusSeeOther)
	}
	pg, err := s.enrolPage(c, p.User, "/account/mfa", "")
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "mfa_setup", pg)
}

func (s *Server) handleAccountMFA(c *fiber.Ctx) error {
	p := principal(c)
	key := c.FormValue("secret")
	if err := s.deps.Accounts.EnableTOTP(c.UserContext(), p.User.ID, key, c.FormValue("code")); err != nil {
		pg, perr := s.enrolPage(c, p.User, "/account/mfa", key)
		if perr != nil {
			return perr
		}
		if pg.withForm(c, nil, err) {
			return s.render(c, statusOf(err), "mfa_setup", pg)
		}
		return err
	}
	s.flash(c, "mfa.enabled")
	return c.Redirect("/account", fiber.StatusSeeOther)
}

func (s *Server) handleAccountMFADisable(c *fiber.Ctx) error {
	if err := s.deps.Accounts.DisableTOTP(c.UserContext(), principal(c), c.FormValue("password")); err != nil {
		pg, perr := s.accountPage(c)
		if perr != nil {
			return perr
		}
		if pg.withForm(c, nil, err) {
			return s.render(c, statusOf(err), "account", pg)
		}
		return err
	}
	s.flash(c, "mfa.disabled")
	return c.Redirect("/account", fiber.StatusSeeOther)
}
