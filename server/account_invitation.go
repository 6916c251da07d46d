package server

import (
	"chorus/account"

	"github.com/gofiber/fiber/v2"
)

// invitationData is the page where a person accepts an invitation.
type invitationData struct {
	Invitation *account.Invitation
	ScopeName  string
	Token      string
	Forum      bool // an invitation to join a forum: asks for a display name
	Group      bool // an invitation to a steering group's seat: asks for a name for its papers
}

func (s *Server) invitationPage(c *fiber.Ctx) (*Page, error) {
	inv, err := s.deps.Accounts.OpenInvitation(c.UserContext(), c.Params("token"))
	if err != nil {
		return nil, err
	}
	d := invitationData{Invitation: inv, Token: c.Params("token"), Forum: inv.Scope.Kind == account.ScopeForum,
		Group: inv.Scope.Kind == account.ScopeGroup}
	if d.ScopeName, err = s.deps.Accounts.ScopeName(c.UserContext(), inv.Scope); err != nil {
		return nil, err
	}
	return s.page(c, "invitation.title", d), nil
}

func (s *Server) handleInvitationForm(c *fiber.Ctx) error {
	p, err := s.invitationPage(c)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "invitation", p)
}

// handleInvitationAccept creates the account (or adds the role to the
// signed-in person's) and signs the person in.
func (s *Server) handleInvitationAccept(c *fiber.Ctx) error {
	p, err := s.invitationPage(c)
	if err != nil {
		return err
	}
	n := newUserFromForm(c)
	n.DisplayName = c.FormValue("display_name")
	_, err = s.deps.Accounts.AcceptInvitation(c.UserContext(), c.Params("token"), principal(c), n)
	if err != nil {
		if p.withForm(c, append(newUserFields, "display_name"), err) {
			return s.render(c, statusOf(err), "invitation", p)
		}
		return err
	}
	if inv := p.Data.(invitationData).Invitation; inv.Scope.Kind == account.ScopeForum {
		forumPath := "/forums/" + inv.Scope.ID
		if principal(c) != nil { // joined with the session they have
			s.flash(c, "forum.joined")
			return c.Redirect(forumPath, fiber.StatusSeeOther)
		}
		s.flash(c, "invitation.joined_signin")
		return c.Redirect("/signin?next="+forumPath, fiber.StatusSeeOther)
	}
	if inv := p.Data.(invitationData).Invitation; inv.Scope.Kind == account.ScopeGroup && principal(c) != nil {
		s.flash(c, "steering.invitations.joined")
		return c.Redirect("/groups/"+inv.Scope.ID, fiber.StatusSeeOther)
	}
	s.flash(c, "invitation.accepted")
	s.clearCookie(c, s.sessionCookie())
	// The role is new: sign in afresh (with MFA setup where the role needs it).
	return c.Redirect("/signin", fiber.StatusSeeOther)
}

type resetData struct{ Token string }

func (s *Server) handleResetForm(c *fiber.Ctx) error {
	if _, err := s.deps.Accounts.OpenReset(c.UserContext(), c.Params("token")); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "reset", s.page(c, "reset.title", resetData{Token: c.Params("token")}))
}

func (s *Server) handleReset(c *fiber.Ctx) error {
	if _, err := s.deps.Accounts.UseReset(c.UserContext(), c.Params("token"), c.FormValue("password"), c.FormValue("password2")); err != nil {
		p := s.page(c, "reset.title", resetData{Token: c.Params("token")})
		if p.withForm(c, nil, err) {
			return s.render(c, statusOf(err), "reset", p)
		}
		return err
	}
	s.clearCookie(c, s.sessionCookie())
	s.flash(c, "reset.done")
	return c.Redirect("/signin", fiber.StatusSeeOther)
}
