package server

import (
	"chorus/forum"

	"github.com/gofiber/fiber/v2"
)

func (s *Server) handleFollow(c *fiber.Ctx) error {
	if err := s.deps.Forums.Follow(c.UserContext(), s.viewer(c), c.Params("id")); err != nil {
		return err
	}
	return s.backToIssue(c, "issue.followed", "#follow")
}

func (s *Server) handleUnfollow(c *fiber.Ctx) error {
	if err := s.deps.Forums.Unfollow(c.UserContext(), s.viewer(c), c.Params("id")); err != nil {
		return err
	}
	return s.backToIssue(c, "issue.unfollowed", "#follow")
}

// handleReport flags an issue or a comment for the forum's facilitators.
func (s *Server) handleReport(c *fiber.Ctx) error {
	err := s.submitted(c)
	if err == nil {
		err = s.deps.Forums.Report(c.UserContext(), s.viewer(c), c.Params("id"), c.FormValue("comment"),
			forum.ReportReason(c.FormValue("reason")), c.FormValue("detail"))
	}
	if err != nil {
		return s.issueFormError(c, []string{"reason", "detail", "comment"}, err)
	}
	return s.backToIssue(c, "issue.reported", "")
}

type commentEditData struct {
	Comment *forum.Comment
}

func (s *Server) handleCommentEditForm(c *fiber.Ctx) error {
	view, cm, err := s.ownComment(c)
	if err != nil {
		return err
	}
	if !view.Editable[cm.ID] {
		return forum.ErrEditClosed
	}
	p := s.page(c, "comment.edit.title", commentEditData{Comment: cm})
	p.Form["body"] = cm.Body
	return s.render(c, fiber.StatusOK, "comment_edit", p)
}

// ownComment finds the comment in the route and the issue it is on.
func (s *Server) ownComment(c *fiber.Ctx) (*forum.IssueView, *forum.Comment, error) {
	issueID := c.Query("issue", c.FormValue("issue"))
	view, err := s.deps.Forums.Issue(c.UserContext(), s.viewer(c), issueID)
	if err != nil {
		return nil, nil, err
	}
	for _, cm := range view.Comments {
		if cm.ID == c.Params("id") {
			if p := principal(c); p == nil || cm.AuthorID != p.User.ID {
				return nil, nil, forum.ErrForbidden // only its author edits a comment
			}
			return view, cm, nil
		}
	}
	return nil, nil, forum.ErrNotFound
}

func (s *Server) handleCommentEdit(c *fiber.Ctx) error {
	_, cm, err := s.ownComment(c)
	if err != nil {
		return err
	}
	if _, err := s.deps.Forums.EditComment(c.UserContext(), s.viewer(c), cm.ID, c.FormValue("body")); err != nil {
		p := s.page(c, "comment.edit.title", commentEditData{Comment: cm})
		if !p.withForm(c, []string{"body"}, err) {
			return err
		}
		return s.render(c, statusOf(err), "comment_edit", p)
	}
	s.flash(c, "comment.edited")
	return c.Redirect("/issues/"+cm.IssueID+"#comment-"+cm.ID, fiber.StatusSeeOther)
}

type reportsData struct {
	Forum   *forum.Forum
	Reports []*forum.Report
}

// handleReports lists a forum's reports for its facilitators.
func (s *Server) handleReports(c *fiber.Ctx) error {
	f, err := s.deps.Forums.Forum(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	rs, err := s.deps.Forums.Reports(c.UserContext(), s.viewer(c), f.ID)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "forum_reports", s.page(c, "forum.reports.title", reportsData{Forum: f, Reports: rs}))
}
