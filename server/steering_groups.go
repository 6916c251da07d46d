package server

import (
	"chorus/account"
	"chorus/forum"
	"chorus/steering"

	"github.com/gofiber/fiber/v2"
)

// Steering groups: the list, an administrator's form, and a group's page
// with its members and meetings.

type groupsData struct {
	Groups    []*steering.Group
	Seats     map[string]*steering.Member
	CanCreate bool
}

// handleGroups lists the steering groups.
func (s *Server) handleGroups(c *fiber.Ctx) error {
	gs, err := s.deps.Steering.Groups(c.UserContext())
	if err != nil {
		return err
	}
	d := groupsData{Groups: gs, Seats: map[string]*steering.Member{}, CanCreate: principal(c).AdministersAny()}
	ms, err := s.deps.Steering.Memberships(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	for _, m := range ms {
		d.Seats[m.GroupID] = m
	}
	return s.render(c, fiber.StatusOK, "groups", s.page(c, "steering.groups.title", d))
}

// groupFormData is the create/edit group form.
type groupFormData struct {
	Group         *steering.Group
	Organisations []*account.Organisation
	Forums        []*forum.Forum
	Settings      steering.GroupSettings
}

var groupFields = []string{"organisation", "name", "description"}

func groupSettingsFromForm(c *fiber.Ctx) steering.GroupSettings {
	return steering.GroupSettings{OrgID: c.FormValue("organisation"), Name: c.FormValue("name"),
		Description: c.FormValue("description"), ForumIDs: formValues(c, "forums")}
}

// formValues returns every value of a repeated form field (checkboxes).
func formValues(c *fiber.Ctx, name string) []string {
	var out []string
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		if string(k) == name {
			out = append(out, string(v))
		}
	})
	return out
}

func (s *Server) groupForm(c *fiber.Ctx, status int, g *steering.Group, gs steering.GroupSettings, formErr error) error {
	if formErr != nil && !formProblem(formErr) {
		return formErr
	}
	orgs, err := s.deps.Accounts.Organisations(c.UserContext())
	if err != nil {
		return err
	}
	var mine []*account.Organisation
	for _, o := range orgs {
		if principal(c).AdministersOrganisation(o.ID) {
			mine = append(mine, o)
		}
	}
	fs, err := s.deps.Forums.Forums(c.UserContext())
	if err != nil {
		return err
	}
	title := "steering.group.new"
	if g != nil {
		title = "steering.group.edit"
	}
	p := s.page(c, title, groupFormData{Group: g, Organisations: mine, Forums: fs, Settings: gs})
	if formErr != nil && !p.withForm(c, groupFields, formErr) {
		return formErr
	}
	return s.render(c, status, "group_form", p)
}

func (s *Server) handleGroupNew(c *fiber.Ctx) error {
	return s.groupForm(c, fiber.StatusOK, nil, steering.GroupSettings{}, nil)
}

func (s *Server) handleGroupCreate(c *fiber.Ctx) error {
	gs := groupSettingsFromForm(c)
	g, err := s.deps.Steering.CreateGroup(c.UserContext(), principal(c), gs, c.FormValue("idem"))
	if err != nil {
		return s.groupForm(c, statusOf(err), nil, gs, err)
	}
	s.flash(c, "steering.group.created")
	return c.Redirect("/groups/"+g.ID, fiber.StatusSeeOther)
}

func (s *Server) handleGroupEdit(c *fiber.Ctx) error {
	v, err := s.deps.Steering.Group(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	if !v.Admin {
		return errForbidden
	}
	g := v.Group
	return s.groupForm(c, fiber.StatusOK, g, steering.GroupSettings{OrgID: g.OrgID, Name: g.Name, Description: g.Description, ForumIDs: g.ForumIDs}, nil)
}

func (s *Server) handleGroupUpdate(c *fiber.Ctx) error {
	gs := groupSettingsFromForm(c)
	g, err := s.deps.Steering.UpdateGroup(c.UserContext(), principal(c), c.Params("id"), gs)
	if err != nil {
		if v, verr := s.deps.Steering.Group(c.UserContext(), principal(c), c.Params("id")); verr == nil {
			return s.groupForm(c, statusOf(err), v.Group, gs, err)
		}
		return err
	}
	s.flash(c, "steering.group.saved")
	return c.Redirect("/groups/"+g.ID, fiber.StatusSeeOther)
}

// groupData is a group's page.
type groupData struct {
	*steering.GroupView
	People   []account.Member // whom an administrator may add
	Roles    []steering.Role
	OrgKinds []steering.OrgKind
}

var groupPageFields = []string{"user", "member_name", "role", "member_org", "title", "date", "time", "length", "place", "online", "open_link"}

// groupPage renders a group's page, with the form's text and error when
// something sent from it was refused.
func (s *Server) groupPage(c *fiber.Ctx, status int, formErr error) error {
	if formErr != nil && !formProblem(formErr) {
		return formErr
	}
	v, err := s.deps.Steering.Group(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	d := groupData{GroupView: v, Roles: steering.Roles, OrgKinds: steering.OrgKinds}
	if v.Admin {
		if d.People, err = s.deps.Accounts.Users(c.UserContext(), principal(c)); err != nil {
			return err
		}
	}
	p := s.page(c, "", d)
	p.Title = v.Group.Name
	if formErr != nil && !p.withForm(c, groupPageFields, formErr) {
		return formErr
	}
	return s.render(c, status, "group", p)
}

func (s *Server) handleGroup(c *fiber.Ctx) error { return s.groupPage(c, fiber.StatusOK, nil) }

func (s *Server) handleGroupMemberAdd(c *fiber.Ctx) error {
	_, err := s.deps.Steering.AddMember(c.UserContext(), principal(c), c.Params("id"), c.FormValue("user"), c.FormValue("member_name"),
		steering.Role(c.FormValue("role")), steering.OrgKind(c.FormValue("member_org")))
	if err != nil {
		return s.groupPage(c, statusOf(err), err)
	}
	s.flash(c, "steering.member.added")
	return c.Redirect("/groups/"+c.Params("id")+"#members", fiber.StatusSeeOther)
}

func (s *Server) handleGroupMemberUpdate(c *fiber.Ctx) error {
	err := s.deps.Steering.UpdateMember(c.UserContext(), principal(c), c.Params("id"), c.Params("user"), c.FormValue("member_name"),
		steering.Role(c.FormValue("role")), steering.OrgKind(c.FormValue("member_org")))
	if err != nil {
		return s.groupPage(c, statusOf(err), err)
	}
	s.flash(c, "steering.member.saved")
	return c.Redirect("/groups/"+c.Params("id")+"#members", fiber.StatusSeeOther)
}

func (s *Server) handleGroupMemberRemove(c *fiber.Ctx) error {
	if err := s.deps.Steering.RemoveMember(c.UserContext(), principal(c), c.Params("id"), c.Params("user")); err != nil {
		return err
	}
	s.flash(c, "steering.member.removed")
	return c.Redirect("/groups/"+c.Params("id")+"#members", fiber.StatusSeeOther)
}

func (s *Server) handleMeetingCreate(c *fiber.Ctx) error {
	m, err := s.deps.Steering.CreateMeeting(c.UserContext(), principal(c), c.Params("id"), s.meetingSettingsFromForm(c), c.FormValue("idem"))
	if err != nil {
		return s.groupPage(c, statusOf(err), err)
	}
	s.flash(c, "steering.meeting.created")
	return c.Redirect("/meetings/"+m.ID+"/agenda", fiber.StatusSeeOther)
}
