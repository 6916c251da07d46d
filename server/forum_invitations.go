package server

import (
	"chorus/account"
	"chorus/forum"
	"chorus/internal/secret"

	"github.com/gofiber/fiber/v2"
)

// forumInvitationsData is a forum's invitation page.
type forumInvitationsData struct {
	Forum       *forum.Forum
	Invitations []*account.Invitation
	CanAdmin    bool // may invite facilitators too
	Link        string
}

func (s *Server) forumInvitationsPage(c *fiber.Ctx, status int, formErr error, link string) error {
	f, err := s.deps.Forums.Forum(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	p := principal(c)
	if ok, err := s.deps.Forums.CanInvite(c.UserContext(), p, account.Role(forum.RoleMember), forum.ForumScope(f.ID)); err != nil {
		return err
	} else if !ok {
		return errForbidden
	}
	invs, err := s.deps.Accounts.ScopeInvitations(c.UserContext(), p, forum.ForumScope(f.ID))
	if err != nil {
		return err
	}
	d := forumInvitationsData{Forum: f, Invitations: invs, CanAdmin: p.AdministersOrganisation(f.OrgID), Link: link}
	pg := s.page(c, "forum.invitations.title", d)
	if formErr != nil && !pg.withForm(c, []string{"role", "note"}, formErr) {
		return formErr
	}
	return s.render(c, status, "forum_invitations", pg)
}

func (s *Server) handleForumInvitations(c *fiber.Ctx) error {
	return s.forumInvitationsPage(c, fiber.StatusOK, nil, "")
}

// handleForumInvitationCreate makes a link to join the forum and shows it once.
func (s *Server) handleForumInvitationCreate(c *fiber.Ctx) error {
	if ok, err := s.deps.Forums.CanInvite(c.UserContext(), principal(c), account.Role(forum.RoleMember), forum.ForumScope(c.Params("id"))); err != nil {
		return err
	} else if !ok {
		return errForbidden // not this forum's facilitator or administrator, whatever the form says
	}
	role := account.Role(c.FormValue("role", string(forum.RoleMember)))
	inv, token, err := s.deps.Accounts.CreateInvitationOnce(c.UserContext(), principal(c), role, forum.ForumScope(c.Params("id")), c.FormValue("note"), s.formKey(c))
	if err != nil {
		if statusOf(err) == fiber.StatusForbidden {
			return err
		}
		return s.forumInvitationsPage(c, statusOf(err), err, "")
	}
	s.tellInvitees(c, inv, token)
	return s.forumInvitationsPage(c, fiber.StatusOK, nil, s.absURL(c, "/invitations/"+token))
}

func (s *Server) handleForumInvitationRevoke(c *fiber.Ctx) error {
	if err := s.deps.Accounts.RevokeInvitation(c.UserContext(), principal(c), c.Params("inv")); err != nil {
		return err
	}
	s.flash(c, "admin.invitations.revoked")
	return c.Redirect("/forums/"+c.Params("id")+"/invitations", fiber.StatusSeeOther)
}

// formKey is the idempotency key a form carried (its hidden idem field),
// bound to this installation's secret, so that a record or token derived
// from it cannot be derived by anyone who only saw the form; "" when the
// form carried none.
func (s *Server) formKey(c *fiber.Ctx) string {
	idem := c.FormValue("idem")
	if idem == "" {
		return ""
	}
	return secret.HashToken(string(s.opts.Secret) + "|form|" + idem)
}
