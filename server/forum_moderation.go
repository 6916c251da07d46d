package server

import (
	"slices"
	"strings"

	"chorus/forum"
	"chorus/internal/fault"

	"github.com/gofiber/fiber/v2"
)

// queueData is a forum's moderation queue.
type queueData struct {
	*forum.Queue
	LiveSeq int64
}

// handleQueue shows a forum's moderation queue, one tab at a time.
func (s *Server) handleQueue(c *fiber.Ctx) error {
	q, err := s.deps.Forums.Queue(c.UserContext(), s.viewer(c), c.Params("id"), forum.QueueTab(c.Query("tab")))
	if err != nil {
		return err
	}
	p := s.page(c, "moderation.title", queueData{Queue: q, LiveSeq: s.liveSeq(c, forum.ModerationRoom(q.Forum.ID))})
	return s.render(c, fiber.StatusOK, "moderation_queue", p)
}

// queuesData lists the queues of every forum a person facilitates.
type queuesData struct {
	Queues []*forum.Queue
}

// handleQueues shows, across the forums a person facilitates, how much
// waits in each queue.
func (s *Server) handleQueues(c *fiber.Ctx) error {
	qs, err := s.deps.Forums.Queues(c.UserContext(), s.viewer(c))
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "moderation_index", s.page(c, "moderation.index.title", queuesData{Queues: qs}))
}

func target(c *fiber.Ctx) forum.Target {
	return forum.Target{IssueID: c.Params("id"), CommentID: c.Query("comment", c.FormValue("comment"))}
}

// itemData is the page where a facilitator decides on one item.
type itemData struct {
	*forum.ItemView
	Tab forum.QueueTab // the queue tab the facilitator came from, to go back to
}

// fromTab is the queue tab a request came from, if it names one.
func fromTab(c *fiber.Ctx) forum.QueueTab {
	tab := forum.QueueTab(c.Query("tab", c.FormValue("tab")))
	if slices.Contains(forum.QueueTabs, tab) {
		return tab
	}
	return ""
}

// moderatePage renders the decision page for the item in the request, with
// the form's text and error when a decision was refused.
func (s *Server) moderatePage(c *fiber.Ctx, status int, formErr error) error {
	view, err := s.deps.Forums.ModerationItem(c.UserContext(), s.viewer(c), target(c))
	if err != nil {
		return err
	}
	p := s.page(c, "moderation.item.title", itemData{ItemView: view, Tab: fromTab(c)})
	if formErr != nil && !p.withForm(c, []string{"action", "reason", "title", "body", "edit_reason", "into", "merge_reason"}, formErr) {
		return formErr
	}
	if formErr == nil { // the edit form starts from the text as it stands
		if view.Comment != nil {
			p.Form["body"] = view.Comment.Body
		} else {
			p.Form["title"], p.Form["body"] = view.Issue.Title, view.Issue.Body
		}
	}
	return s.render(c, status, "moderate", p)
}

func (s *Server) handleModeratePage(c *fiber.Ctx) error {
	return s.moderatePage(c, fiber.StatusOK, nil)
}

// doneMessages are the flashes after each decision.
var doneMessages = map[forum.Action]string{
	forum.ActApprove:  "moderation.done.approve",
	forum.ActHide:     "moderation.done.hide",
	forum.ActRestore:  "moderation.done.restore",
	forum.ActEscalate: "moderation.done.escalate",
}

// handleModerate applies a decision: approve, hide, restore, escalate.
func (s *Server) handleModerate(c *fiber.Ctx) error {
	act := forum.Action(c.FormValue("action"))
	if err := s.deps.Forums.Moderate(c.UserContext(), s.viewer(c), target(c), act, c.FormValue("reason")); err != nil {
		return s.moderatePage(c, statusOf(err), err)
	}
	return s.afterModeration(c, doneMessages[act])
}

// afterModeration goes back to the queue tab the facilitator came from, or
// to the issue.
func (s *Server) afterModeration(c *fiber.Ctx, msgID string) error {
	if tab := fromTab(c); tab != "" {
		view, err := s.deps.Forums.Issue(c.UserContext(), s.viewer(c), c.Params("id"))
		if err == nil {
			s.flash(c, msgID)
			return c.Redirect("/forums/"+view.Forum.ID+"/moderation?tab="+string(tab), fiber.StatusSeeOther)
		}
	}
	anchor := ""
	if cm := target(c).CommentID; cm != "" {
		anchor = "#comment-" + cm
	}
	return s.backToIssue(c, msgID, anchor)
}

// handleModerateEdit changes an item's text with a public reason.
func (s *Server) handleModerateEdit(c *fiber.Ctx) error {
	err := s.deps.Forums.Edit(c.UserContext(), s.viewer(c), target(c), c.FormValue("title"), c.FormValue("body"), c.FormValue("edit_reason"))
	if err != nil {
		return s.moderatePage(c, statusOf(err), err)
	}
	return s.afterModeration(c, "moderation.done.edit")
}

// handleMerge folds the issue into another.
func (s *Server) handleMerge(c *fiber.Ctx) error {
	into := c.FormValue("into")
	if err := s.deps.Forums.Merge(c.UserContext(), s.viewer(c), c.Params("id"), into, c.FormValue("merge_reason")); err != nil {
		return s.moderatePage(c, statusOf(err), err)
	}
	s.flash(c, "moderation.done.merge")
	return c.Redirect("/issues/"+into, fiber.StatusSeeOther)
}

// handleThemes tags the issue with themes from its forum's list.
func (s *Server) handleThemes(c *fiber.Ctx) error {
	if err := s.deps.Forums.SetThemes(c.UserContext(), s.viewer(c), c.Params("id"), formList(c, "themes")); err != nil {
		return s.moderatePage(c, statusOf(err), err)
	}
	s.flash(c, "moderation.done.themes")
	return c.Redirect("/issues/"+c.Params("id")+"/moderate", fiber.StatusSeeOther)
}

// formList returns every value a form sent under name.
func formList(c *fiber.Ctx, name string) []string {
	var out []string
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		if string(k) == name {
			out = append(out, string(v))
		}
	})
	return out
}

// handleForumThemes replaces the forum's list of themes.
func (s *Server) handleForumThemes(c *fiber.Ctx) error {
	f, err := s.deps.Forums.SetForumThemes(c.UserContext(), s.viewer(c), c.Params("id"), strings.Split(c.FormValue("themes"), "\n"))
	if err != nil {
		return err
	}
	s.flash(c, "moderation.done.forum_themes")
	return c.Redirect("/forums/"+f.ID+"/moderation", fiber.StatusSeeOther)
}

// handleQuote keeps a short passage of the issue for steering agendas.
func (s *Server) handleQuote(c *fiber.Ctx) error {
	_, err := s.deps.Forums.AddQuote(c.UserContext(), s.viewer(c), c.Params("id"), c.FormValue("quote"), s.tr(c).M("raise.removed"))
	if err != nil {
		return s.moderatePage(c, statusOf(err), err)
	}
	s.flash(c, "moderation.done.quote")
	return c.Redirect("/issues/"+c.Params("id")+"/moderate#quotes", fiber.StatusSeeOther)
}

func (s *Server) handleQuoteRemove(c *fiber.Ctx) error {
	if err := s.deps.Forums.RemoveQuote(c.UserContext(), s.viewer(c), c.Params("id"), c.Params("quote")); err != nil {
		return err
	}
	s.flash(c, "moderation.done.unquote")
	return c.Redirect("/issues/"+c.Params("id")+"/moderate#quotes", fiber.StatusSeeOther)
}

// handleErase removes an item's words for good, for an administrator who
// has confirmed it.
func (s *Server) handleErase(c *fiber.Ctx) error {
	if c.FormValue("confirm") != "yes" {
		return s.moderatePage(c, fiber.StatusBadRequest, errEraseConfirm)
	}
	if err := s.deps.Forums.Erase(c.UserContext(), principal(c), target(c), forum.Erasure(c.FormValue("why"))); err != nil {
		return s.moderatePage(c, statusOf(err), err)
	}
	return s.afterModeration(c, "moderation.done.erase")
}

var errEraseConfirm = fault.InvalidField("confirm", "moderation.error.erase_confirm")
