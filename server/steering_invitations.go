package server

import (
	"slices"

	"chorus/account"
	"chorus/steering"

	"github.com/gofiber/fiber/v2"
)

// groupInvitationsData is a steering group's invitation page.
type groupInvitationsData struct {
	Group       *steering.Group
	Invitations []*account.Invitation
	Roles       []steering.Role // the seats this person may invite to
	Link        string
}

func (s *Server) groupInvitationsPage(c *fiber.Ctx, status int, formErr error, link string) error {
	if formErr != nil && !formProblem(formErr) {
		return formErr
	}
	p := principal(c)
	st, err := s.deps.Steering.Seat(c.UserContext(), p, c.Params("id"))
	if err != nil {
		return err
	}
	if !st.Chairs() {
		if st.Sees() {
			return errForbidden
		}
		return fiber.ErrNotFound
	}
	sc := steering.GroupScope(st.Group.ID)
	d := groupInvitationsData{Group: st.Group, Link: link}
	for _, r := range steering.Roles {
		if ok, err := s.deps.Steering.CanInvite(c.UserContext(), p, account.Role(r), sc); err != nil {
			return err
		} else if ok {
			d.Roles = append(d.Roles, r)
		}
	}
	if d.Invitations, err = s.deps.Accounts.ScopeInvitations(c.UserContext(), p, sc); err != nil {
		return err
	}
	pg := s.page(c, "steering.invitations.title", d)
	if formErr != nil && !pg.withForm(c, []string{"role", "note"}, formErr) {
		return formErr
	}
	return s.render(c, status, "group_invitations", pg)
}

func (s *Server) handleGroupInvitations(c *fiber.Ctx) error {
	return s.groupInvitationsPage(c, fiber.StatusOK, nil, "")
}

// handleGroupInvitationCreate makes a link to take a seat in the group and
// shows it once.
func (s *Server) handleGroupInvitationCreate(c *fiber.Ctx) error {
	sc := steering.GroupScope(c.Params("id"))
	role := account.Role(c.FormValue("role", string(steering.RoleMember)))
	inv, token, err := s.deps.Accounts.CreateInvitationOnce(c.UserContext(), principal(c), role, sc, c.FormValue("note"), s.formKey(c))
	if err != nil {
		return s.groupInvitationsPage(c, statusOf(err), err, "")
	}
	s.tellInvitees(c, inv, token)
	return s.groupInvitationsPage(c, fiber.StatusOK, nil, s.absURL(c, "/invitations/"+token))
}

func (s *Server) handleGroupInvitationRevoke(c *fiber.Ctx) error {
	// Only this group's invitations, by this group's address.
	invs, err := s.deps.Accounts.ScopeInvitations(c.UserContext(), principal(c), steering.GroupScope(c.Params("id")))
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(invs, func(inv *account.Invitation) bool { return inv.ID == c.Params("inv") }) {
		return fiber.ErrNotFound
	}
	if err := s.deps.Accounts.RevokeInvitation(c.UserContext(), principal(c), c.Params("inv")); err != nil {
		return err
	}
	s.flash(c, "admin.invitations.revoked")
	return c.Redirect("/groups/"+c.Params("id")+"/invitations", fiber.StatusSeeOther)
}
