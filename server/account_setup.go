package server

import (
	"chorus/account"

	"github.com/gofiber/fiber/v2"
)

var newUserFields = []string{"name", "email"}

func newUserFromForm(c *fiber.Ctx) account.NewUser {
	return account.NewUser{Name: c.FormValue("name"), Email: c.FormValue("email"), Password: c.FormValue("password"), Password2: c.FormValue("password2")}
}

// handleSetupForm asks for the setup token and the first administrator.
func (s *Server) handleSetupForm(c *fiber.Ctx) error {
	need, err := s.deps.Accounts.NeedsSetup(c.UserContext())
	if err != nil {
		return err
	}
	if !need {
		return account.ErrSetupDone
	}
	return s.render(c, fiber.StatusOK, "setup", s.page(c, "setup.title", nil))
}

// handleSetup creates the first administrator with the one-time token from
// the console.
func (s *Server) handleSetup(c *fiber.Ctx) error {
	p := s.page(c, "setup.title", nil)
	if !s.checkSetupToken(c.FormValue("token")) {
		need, err := s.deps.Accounts.NeedsSetup(c.UserContext())
		if err != nil {
			return err
		}
		if !need {
			return account.ErrSetupDone
		}
		p.withForm(c, newUserFields, account.ErrSetupToken)
		return s.render(c, fiber.StatusBadRequest, "setup", p)
	}
	if _, err := s.deps.Accounts.CreateFirstAdmin(c.UserContext(), newUserFromForm(c)); err != nil {
		if p.withForm(c, newUserFields, err) {
			p.Form["token"] = c.FormValue("token")
			return s.render(c, statusOf(err), "setup", p)
		}
		return err
	}
	s.clearSetupToken()
	s.flash(c, "setup.done")
	return c.Redirect("/signin", fiber.StatusSeeOther)
}
