package server

import (
	"strings"

	"chorus/account"
	"chorus/audit"

	"github.com/gofiber/fiber/v2"
)

// adminData is shared by the administration pages: what the person may
// administer and the organisations they can pick from.
type adminData struct {
	Organisations []*account.Organisation
	OrgNames      map[string]string
	Members       []account.Member
	Member        *account.Member
	Invitations   []*account.Invitation
	Audit         *auditView
	Link          string // a link shown once (invitation or reset)
	Roles         []account.Role
	Users         map[string]string // user ID → email, for the audit and invitation lists
}

// adminPage builds the data every administration page needs.
func (s *Server) adminPage(c *fiber.Ctx, titleID string) (*Page, *adminData, error) {
	p := principal(c)
	orgs, err := s.deps.Accounts.Organisations(c.UserContext())
	if err != nil {
		return nil, nil, err
	}
	d := &adminData{OrgNames: map[string]string{}}
	for _, o := range orgs {
		d.OrgNames[o.ID] = o.Name
		if p.AdministersOrganisation(o.ID) {
			d.Organisations = append(d.Organisations, o)
		}
	}
	if p.IsAdmin() {
		d.Roles = append(d.Roles, account.RoleAdmin)
	}
	if len(d.Organisations) > 0 {
		d.Roles = append(d.Roles, account.RoleOrgAdmin)
	}
	pg := s.page(c, titleID, d)
	pg.Wide = true
	return pg, d, nil
}

func (s *Server) handleAdmin(c *fiber.Ctx) error {
	pg, _, err := s.adminPage(c, "admin.title")
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "admin", pg)
}

func (s *Server) handleUsers(c *fiber.Ctx) error {
	pg, d, err := s.adminPage(c, "admin.users.title")
	if err != nil {
		return err
	}
	if d.Members, err = s.deps.Accounts.Users(c.UserContext(), principal(c)); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "admin_users", pg)
}

// userPage renders one person's administration page, with an optional
// error from the last action and a link to show once.
func (s *Server) userPage(c *fiber.Ctx, status int, actionErr error, link string) error {
	pg, d, err := s.adminPage(c, "admin.user.title")
	if err != nil {
		return err
	}
	if actionErr != nil && !pg.withForm(c, []string{"role", "organisation"}, actionErr) {
		return actionErr
	}
	if d.Member, err = s.deps.Accounts.UserByID(c.UserContext(), principal(c), c.Params("id")); err != nil {
		return err
	}
	d.Link = link
	return s.render(c, status, "admin_user", pg)
}

func (s *Server) handleUser(c *fiber.Ctx) error { return s.userPage(c, fiber.StatusOK, nil, "") }

func (s *Server) userAction(c *fiber.Ctx, msgID string, err error) error {
	if err != nil {
		return s.userPage(c, statusOf(err), err, "")
	}
	s.flash(c, msgID)
	return c.Redirect("/admin/users/"+c.Params("id"), fiber.StatusSeeOther)
}

func (s *Server) handleUserDisable(c *fiber.Ctx) error {
	return s.userAction(c, "admin.user.disabled", s.deps.Accounts.SetDisabled(c.UserContext(), principal(c), c.Params("id"), true))
}

func (s *Server) handleUserEnable(c *fiber.Ctx) error {
	return s.userAction(c, "admin.user.enabled", s.deps.Accounts.SetDisabled(c.UserContext(), principal(c), c.Params("id"), false))
}

// roleScope reads a role and its scope from a form.
func roleScope(c *fiber.Ctx) (account.Role, account.Scope) {
	role := account.Role(c.FormValue("role"))
	if role == account.RoleAdmin {
		return role, account.Installation
	}
	return role, account.OrganisationScope(c.FormValue("organisation"))
}

func (s *Server) handleGrantAdd(c *fiber.Ctx) error {
	role, sc := roleScope(c)
	return s.userAction(c, "admin.user.granted", s.deps.Accounts.GrantRole(c.UserContext(), principal(c), c.Params("id"), role, sc))
}

func (s *Server) handleGrantRemove(c *fiber.Ctx) error {
	role, sc := roleScope(c)
	return s.userAction(c, "admin.user.revoked", s.deps.Accounts.RevokeRole(c.UserContext(), principal(c), c.Params("id"), role, sc))
}

// handleResetCreate makes a password-reset link and shows it once.
func (s *Server) handleResetCreate(c *fiber.Ctx) error {
	token, err := s.deps.Accounts.CreateReset(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return s.userPage(c, statusOf(err), err, "")
	}
	return s.userPage(c, fiber.StatusOK, nil, s.absURL(c, "/reset/"+token))
}

// absURL makes a link to give to someone else.
func (s *Server) absURL(c *fiber.Ctx, path string) string {
	if s.opts.BaseURL != "" {
		return s.opts.BaseURL + path
	}
	return s.origin(c) + path
}

func (s *Server) invitationsPage(c *fiber.Ctx, status int, formErr error, link string) error {
	pg, d, err := s.adminPage(c, "admin.invitations.title")
	if err != nil {
		return err
	}
	if formErr != nil && !pg.withForm(c, []string{"role", "organisation", "note"}, formErr) {
		return formErr
	}
	if d.Invitations, err = s.deps.Accounts.Invitations(c.UserContext(), principal(c)); err != nil {
		return err
	}
	if d.Users, err = s.userEmails(c); err != nil {
		return err
	}
	d.Link = link
	return s.render(c, status, "admin_invitations", pg)
}

func (s *Server) userEmails(c *fiber.Ctx) (map[string]string, error) {
	members, err := s.deps.Accounts.Users(c.UserContext(), principal(c))
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, m := range members {
		out[m.User.ID] = m.User.Email
	}
	return out, nil
}

func (s *Server) handleInvitations(c *fiber.Ctx) error {
	return s.invitationsPage(c, fiber.StatusOK, nil, "")
}

// handleInvitationCreate makes an invitation and shows its link once.
func (s *Server) handleInvitationCreate(c *fiber.Ctx) error {
	role, sc := roleScope(c)
	inv, token, err := s.deps.Accounts.CreateInvitationOnce(c.UserContext(), principal(c), role, sc, c.FormValue("note"), s.formKey(c))
	if err != nil {
		return s.invitationsPage(c, statusOf(err), err, "")
	}
	s.tellInvitees(c, inv, token)
	return s.invitationsPage(c, fiber.StatusOK, nil, s.absURL(c, "/invitations/"+token))
}

func (s *Server) handleInvitationRevoke(c *fiber.Ctx) error {
	if err := s.deps.Accounts.RevokeInvitation(c.UserContext(), principal(c), c.Params("id")); err != nil {
		return err
	}
	s.flash(c, "admin.invitations.revoked")
	return c.Redirect("/admin/invitations", fiber.StatusSeeOther)
}

func (s *Server) organisationsPage(c *fiber.Ctx, status int, formErr error) error {
	pg, _, err := s.adminPage(c, "admin.organisations.title")
	if err != nil {
		return err
	}
	if formErr != nil && !pg.withForm(c, []string{"name"}, formErr) {
		return formErr
	}
	return s.render(c, status, "admin_organisations", pg)
}

func (s *Server) handleOrganisations(c *fiber.Ctx) error {
	return s.organisationsPage(c, fiber.StatusOK, nil)
}

func (s *Server) handleOrganisationCreate(c *fiber.Ctx) error {
	if _, err := s.deps.Accounts.CreateOrganisationOnce(c.UserContext(), principal(c), c.FormValue("name"), s.formKey(c)); err != nil {
		return s.organisationsPage(c, statusOf(err), err)
	}
	s.flash(c, "admin.organisations.created")
	return c.Redirect("/admin/organisations", fiber.StatusSeeOther)
}

// handleAudit shows the audit trail, filtered: everything to an
// installation administrator, their organisations' entries to an
// organisation administrator.
func (s *Server) handleAudit(c *fiber.Ctx) error {
	pg, d, err := s.adminPage(c, "admin.audit.title")
	if err != nil {
		return err
	}
	src, f, label, names, err := s.adminAudit(c, d)
	switch {
	case err == nil:
		if err := s.auditPage(c, d.Audit, src, f, "/admin/audit", label, names); err != nil {
			return err
		}
	case auditFormError(pg, err):
		return s.render(c, fiber.StatusBadRequest, "admin_audit", pg)
	default:
		return err
	}
	return s.render(c, fiber.StatusOK, "admin_audit", pg)
}

// handleAuditExport sends the filtered trail as CSV or JSON.
func (s *Server) handleAuditExport(format string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		_, d, err := s.adminPage(c, "admin.audit.title")
		if err != nil {
			return err
		}
		src, f, label, _, err := s.adminAudit(c, d)
		if err != nil {
			return err
		}
		return s.exportAudit(c, src, f, format, "chorus-audit", label)
	}
}

// adminAudit reads the filter form for an administrator and says where
// their entries come from, how to name the people in them and the names of
// the forums they can filter by.
func (s *Server) adminAudit(c *fiber.Ctx, d *adminData) (auditSource, audit.Filter, func(*audit.Entry) string, map[string]string, error) {
	ctx, p := c.UserContext(), principal(c)
	form, f, formErr := s.readAuditForm(c)
	d.Audit = &auditView{Form: form}
	users, err := s.userEmails(c)
	if err != nil {
		return nil, f, nil, nil, err
	}
	d.Users = users
	forums, err := s.deps.Forums.Forums(ctx)
	if err != nil {
		return nil, f, nil, nil, err
	}
	names := map[string]string{}
	for _, fm := range forums {
		if p.AdministersOrganisation(fm.OrgID) {
			d.Audit.Forums = append(d.Audit.Forums, fm)
			names[fm.ID] = fm.Name
		}
	}
	if form.Actor != "" {
		f.ActorID = form.Actor // an ID as it stands, or an email address:
		for id, email := range users {
			if strings.EqualFold(email, form.Actor) {
				f.ActorID = id
			}
		}
	}
	label := func(e *audit.Entry) string {
		if email, ok := users[e.ActorID]; ok {
			return email
		}
		return e.ActorID
	}
	src := auditSource(s.deps.Audit.List)
	if !p.IsAdmin() {
		var scopes []string
		for _, o := range d.Organisations {
			scopes = append(scopes, account.OrganisationScope(o.ID).String())
		}
		src = s.scopedAudit(scopes)
	}
	return src, f, label, names, formErr
}
