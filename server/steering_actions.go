package server

import (
	"chorus/steering"

	"github.com/gofiber/fiber/v2"
)

// Actions, the decision log and "you said, we did".

// actionData is an action's page.
type actionData struct {
	*steering.ActionView
	Statuses []steering.ActionStatus
}

var actionFields = []string{"status", "note", "outcome", "due"}

func (s *Server) actionPage(c *fiber.Ctx, status int, formErr error) error {
	if formErr != nil && !formProblem(formErr) {
		return formErr
	}
	v, err := s.deps.Steering.Action(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	p := s.page(c, "steering.action.title", actionData{ActionView: v, Statuses: steering.ActionStatuses})
	if formErr != nil && !p.withForm(c, actionFields, formErr) {
		return formErr
	}
	return s.render(c, status, "action", p)
}

func (s *Server) handleAction(c *fiber.Ctx) error { return s.actionPage(c, fiber.StatusOK, nil) }

func (s *Server) handleActionUpdate(c *fiber.Ctx) error {
	u := steering.ActionUpdate{Status: steering.ActionStatus(c.FormValue("status")), Note: c.FormValue("note"),
		Outcome: c.FormValue("outcome"), Due: c.FormValue("due")}
	if err := s.deps.Steering.UpdateAction(c.UserContext(), principal(c), c.Params("id"), u, c.FormValue("idem")); err != nil {
		return s.actionPage(c, statusOf(err), err)
	}
	s.flash(c, "steering.action.updated")
	return c.Redirect("/actions/"+c.Params("id"), fiber.StatusSeeOther)
}

// registerData is a group's decision log and actions, with its paperwork
// to download (steering_export.go).
type registerData struct {
	*steering.Paperwork
	Today string
}

func (s *Server) handleRegister(c *fiber.Ctx) error {
	r, err := s.deps.Steering.Paperwork(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	p := s.page(c, "steering.register.title", registerData{Paperwork: r, Today: s.deps.Steering.Today()})
	p.Wide = true
	return s.render(c, fiber.StatusOK, "register", p)
}

func (s *Server) handleGroupBoard(c *fiber.Ctx) error {
	b, err := s.deps.Steering.GroupBoard(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "yousaid", s.page(c, "steering.yousaid.title", b))
}

func (s *Server) handleForumBoard(c *fiber.Ctx) error {
	b, err := s.deps.Steering.ForumBoard(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "yousaid", s.page(c, "steering.yousaid.title", b))
}
