package server

import (
	"slices"
	"strings"
	"unicode/utf8"

	"chorus/forum"
	"chorus/internal/secret"

	"github.com/gofiber/fiber/v2"
)

// deviceCookie identifies a visitor's browser for supports, where a forum lets
// visitors support. Only its hash is stored.
const deviceCookie = "chorus_device"

func deviceKey(token string) string { return secret.HashToken("device|" + token) }

// raiseData is the raise-an-issue form and its checks.
type raiseData struct {
	Forum     *forum.Forum
	Member    *forum.Member
	Checks    *forum.Checks
	IdemKey   string
	Anonymous bool
	Themes    map[string]bool
	Checked   bool // the checks were shown: the form now posts
	// Facilitator: the person may post for a parent who phoned or wrote in.
	Facilitator bool
	Draft       forum.Draft
	// The step-by-step form (Easy Read): the question shown, the questions
	// in order, and the question's number (from 1).
	Step   string
	Steps  []string
	StepNo int
}

var raiseFields = []string{"title", "body", "anonymous", "consent"}

func (s *Server) draftFromForm(c *fiber.Ctx) forum.Draft {
	var themes []string
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		if string(k) == "themes" {
			themes = append(themes, string(v))
		}
	})
	return forum.Draft{Title: c.FormValue("title"), Body: c.FormValue("body"), Themes: themes, Anonymous: c.FormValue("anonymous") == "yes",
		Lang: s.tr(c).Lang.Tag, IdemKey: c.FormValue("idem"),
		OnBehalf: c.FormValue("on_behalf") == "yes", Consent: c.FormValue("consent") == "yes", Code: c.FormValue("give_code") == "yes"}
}

func (s *Server) raisePage(c *fiber.Ctx, d forum.Draft) (*Page, *raiseData, error) {
	f, err := s.deps.Forums.Forum(c.UserContext(), c.Params("id"))
	if err != nil {
		return nil, nil, err
	}
	m, err := s.deps.Forums.Membership(c.UserContext(), f.ID, principal(c))
	if err != nil {
		return nil, nil, err
	}
	_, ferr := s.deps.Forums.CanFacilitate(c.UserContext(), s.viewer(c), f.ID)
	fac := ferr == nil
	if m == nil && !f.AllowAnonymous && !fac {
		if principal(c) == nil {
			return nil, nil, errSignIn
		}
		return nil, nil, forum.ErrNotMember
	}
	rd := &raiseData{Forum: f, Member: m, IdemKey: d.IdemKey, Anonymous: d.Anonymous || m == nil, Themes: map[string]bool{},
		Facilitator: fac, Draft: d}
	if rd.IdemKey == "" {
		rd.IdemKey = secret.NewToken()
	}
	for _, t := range d.Themes {
		rd.Themes[t] = true
	}
	p := s.page(c, "raise.title", rd)
	p.Form["title"], p.Form["body"] = d.Title, d.Body
	return p, rd, nil
}

// handleRaiseForm shows the raise-an-issue form: in Easy Read, its first
// question.
func (s *Server) handleRaiseForm(c *fiber.Ctx) error {
	p, rd, err := s.raisePage(c, forum.Draft{})
	if err != nil {
		return err
	}
	if p.T.Easy {
		return s.renderRaiseStep(c, p, rd, 0, fiber.StatusOK)
	}
	return s.render(c, fiber.StatusOK, "raise", p)
}

// handleRaise checks a draft (similar issues, identifying details), removes
// details on request, or posts it. Nothing typed is ever lost: every answer
// shows the form again with the text as it was.
func (s *Server) handleRaise(c *fiber.Ctx) error {
	if c.FormValue("step") != "" || s.tr(c).Easy {
		return s.handleRaiseStep(c)
	}
	d := s.draftFromForm(c)
	switch c.FormValue("action") {
	case "redact":
		d = s.deps.Forums.Redact(d, s.tr(c).M("raise.removed"))
		fallthrough
	case "check", "":
		p, rd, err := s.raisePage(c, d)
		if err != nil {
			return err
		}
		if rd.Checks, err = s.deps.Forums.CheckDraft(c.UserContext(), rd.Forum.ID, d); err != nil {
			return err
		}
		rd.Checked = true
		return s.render(c, fiber.StatusOK, "raise", p)
	}
	raised, err := s.raise(c, c.Params("id"), d)
	if err != nil {
		p, rd, perr := s.raisePage(c, d)
		if perr != nil {
			return perr
		}
		rd.Checked = true
		if p.withForm(c, raiseFields, err) {
			return s.render(c, statusOf(err), "raise", p)
		}
		return err
	}
	return s.raisedPage(c, raised, d)
}

// raise sends a draft to a forum; an anonymous one counts against the
// address's hourly limit first.
func (s *Server) raise(c *fiber.Ctx, forumID string, d forum.Draft) (*forum.Raised, error) {
	if principal(c) == nil || d.Anonymous {
		if err := s.submitted(c); err != nil {
			return nil, err
		}
	}
	return s.deps.Forums.RaiseIssue(c.UserContext(), s.viewer(c), forumID, d)
}

// raisedPage is what follows a posted issue: its follow-up code, or the
// issue with a notice.
func (s *Server) raisedPage(c *fiber.Ctx, raised *forum.Raised, d forum.Draft) error {
	if raised.Code != "" {
		p := s.page(c, "followup.code.title", codeData{Code: forum.FormatCode(raised.Code), Issue: raised.Issue, Held: raised.Held, OnBehalf: d.OnBehalf})
		return s.render(c, fiber.StatusOK, "followup_code", p)
	}
	switch {
	case raised.Held:
		s.flash(c, "raise.held")
	case d.OnBehalf:
		s.flash(c, "raise.done_on_behalf")
	default:
		s.flash(c, "raise.done")
	}
	return c.Redirect("/issues/"+raised.Issue.ID, fiber.StatusSeeOther)
}

// raiseSteps are the questions of the step-by-step raise form, in order:
// one question on each page, then a page to check everything and send it.
func raiseSteps(f *forum.Forum) []string {
	steps := []string{"title", "body"}
	if len(f.Themes) > 0 {
		steps = append(steps, "themes")
	}
	return append(steps, "who", "check")
}

// stepFields says which question a field belongs to, to show a problem
// found on sending beside the answer it is about.
var stepFields = map[string]string{"title": "title", "body": "body", "themes": "themes", "anonymous": "who", "consent": "who"}

// handleRaiseStep runs the step-by-step raise form, the one Easy Read uses,
// without JavaScript: each step posts every answer so far (earlier ones in
// hidden fields), Back and Change keep what was typed, and the last step
// posts the issue exactly as the one-page form does (same checks, same
// idempotency key, same safeguarding).
func (s *Server) handleRaiseStep(c *fiber.Ctx) error {
	d := s.draftFromForm(c)
	action := c.FormValue("action")
	if action == "redact" {
		d = s.deps.Forums.Redact(d, s.tr(c).M("raise.removed"))
	}
	p, rd, err := s.raisePage(c, d)
	if err != nil {
		return err
	}
	steps := raiseSteps(rd.Forum)
	i := slices.Index(steps, c.FormValue("step"))
	status := fiber.StatusOK
	switch {
	case action == "post":
		raised, err := s.raise(c, rd.Forum.ID, d)
		if err == nil {
			return s.raisedPage(c, raised, d)
		}
		if !p.withForm(c, raiseFields, err) {
			return err
		}
		status, i = statusOf(err), len(steps)-1
		for field := range p.Errors {
			if j := slices.Index(steps, stepFields[field]); j >= 0 {
				i = j
			}
		}
	case action == "back" && i > 0:
		i--
	case strings.HasPrefix(action, "edit:") && slices.Contains(steps, strings.TrimPrefix(action, "edit:")):
		i = slices.Index(steps, strings.TrimPrefix(action, "edit:"))
	case action == "next" && i >= 0 && i < len(steps)-1:
		if err := stepProblem(steps[i], d); err != nil {
			p.withForm(c, raiseFields, err)
			status = statusOf(err)
		} else {
			i++
		}
	case i < 0 || action != "back": // the one-page form, "check" or "redact": check before sending
		i = len(steps) - 1
	}
	return s.renderRaiseStep(c, p, rd, i, status)
}

// stepProblem checks the answer to one question before the next is asked;
// sending checks everything again.
func stepProblem(step string, d forum.Draft) error {
	switch text := strings.TrimSpace(d.Title); step {
	case "title":
		if text == "" {
			return forum.ErrTitleRequired
		}
		if utf8.RuneCountInString(text) > forum.MaxTitle {
			return forum.ErrTitleLong
		}
	case "body":
		text = strings.TrimSpace(d.Body)
		if text == "" {
			return forum.ErrBodyRequired
		}
		if utf8.RuneCountInString(text) > forum.MaxBody {
			return forum.ErrBodyLong
		}
	}
	return nil
}

// renderRaiseStep shows question i of the step-by-step form; the last one
// lists the answers with the draft's checks.
func (s *Server) renderRaiseStep(c *fiber.Ctx, p *Page, rd *raiseData, i, status int) error {
	rd.Steps = raiseSteps(rd.Forum)
	rd.Step, rd.StepNo = rd.Steps[i], i+1
	if rd.Step == "check" {
		checks, err := s.deps.Forums.CheckDraft(c.UserContext(), rd.Forum.ID, rd.Draft)
		if err != nil {
			return err
		}
		rd.Checks, rd.Checked = checks, true
	}
	p.Title = p.T.M("raise.step.title", "Step", rd.StepNo, "Of", len(rd.Steps))
	return s.render(c, status, "raise_steps", p)
}

// codeData is the page that shows a follow-up code once. Held: the issue
// waits for the safeguarding lead, and the page says where to get help.
// OnBehalf: a facilitator is to pass the code on to the parent.
type codeData struct {
	Code     string
	Issue    *forum.Issue
	Held     bool
	OnBehalf bool
}

// issueData is an issue's page.
type issueData struct {
	*forum.IssueView
	IdemKey string
	LiveSeq int64 // the room's latest event when the page was rendered: live updates resume after it
}

// liveSeq is the latest event of a room, for the page to resume from; on an
// error the page still renders and its live connection starts from now.
func (s *Server) liveSeq(c *fiber.Ctx, room string) int64 {
	if s.deps.LiveLog == nil {
		return 0
	}
	n, err := s.deps.LiveLog.Latest(c.UserContext(), room)
	if err != nil {
		s.log.Warn("live seq", "error", err.Error())
	}
	return n
}

// handleIssue shows an issue: its text, status timeline, supports, comments.
func (s *Server) handleIssue(c *fiber.Ctx) error {
	view, err := s.deps.Forums.Issue(c.UserContext(), s.viewer(c), c.Params("id"))
	if err != nil {
		return err
	}
	p := s.page(c, "", issueData{IssueView: view, IdemKey: secret.NewToken(), LiveSeq: s.liveSeq(c, forum.IssueRoom(view.Issue.ID))})
	p.Title = issueTitle(p.T, view.Issue)
	return s.render(c, fiber.StatusOK, "issue", p)
}

func (s *Server) backToIssue(c *fiber.Ctx, msgID, anchor string) error {
	if msgID != "" {
		s.flash(c, msgID)
	}
	return c.Redirect("/issues/"+c.Params("id")+anchor, fiber.StatusSeeOther)
}

// deviceFor returns the key of a visitor's device, giving the browser a
// device cookie first if it has none: one support per device.
func (s *Server) deviceFor(c *fiber.Ctx) string {
	if tok := c.Cookies(deviceCookie); tok != "" {
		return deviceKey(tok)
	}
	tok := secret.NewToken()
	s.setCookie(c, deviceCookie, tok, 365*24*3600)
	return deviceKey(tok)
}

// handleSupport records "this affects us too".
func (s *Server) handleSupport(c *fiber.Ctx) error {
	v := s.viewer(c)
	if v.Principal == nil {
		v.DeviceKey = s.deviceFor(c)
	}
	if _, err := s.deps.Forums.Support(c.UserContext(), v, c.Params("id")); err != nil {
		return err
	}
	return s.backToIssue(c, "issue.supported", "#support")
}

func (s *Server) handleUnsupport(c *fiber.Ctx) error {
	if _, err := s.deps.Forums.Unsupport(c.UserContext(), s.viewer(c), c.Params("id")); err != nil {
		return err
	}
	return s.backToIssue(c, "issue.unsupported", "#support")
}

// issueFormError shows the issue page again with the form's text and error.
func (s *Server) issueFormError(c *fiber.Ctx, fields []string, formErr error) error {
	view, err := s.deps.Forums.Issue(c.UserContext(), s.viewer(c), c.Params("id"))
	if err != nil {
		return err
	}
	p := s.page(c, "", issueData{IssueView: view, IdemKey: c.FormValue("idem", secret.NewToken()), LiveSeq: s.liveSeq(c, forum.IssueRoom(view.Issue.ID))})
	p.Title = issueTitle(p.T, view.Issue)
	if !p.withForm(c, fields, formErr) {
		return formErr
	}
	return s.render(c, statusOf(formErr), "issue", p)
}

func (s *Server) handleComment(c *fiber.Ctx) error {
	cm, err := s.deps.Forums.AddComment(c.UserContext(), s.viewer(c), c.Params("id"), c.FormValue("body"), c.FormValue("idem"))
	if err != nil {
		return s.issueFormError(c, []string{"body"}, err)
	}
	if cm != nil && cm.Held != "" {
		return s.backToIssue(c, "issue.comment_held", "#comment-"+cm.ID)
	}
	return s.backToIssue(c, "issue.commented", "#comments")
}

func (s *Server) handleStatus(c *fiber.Ctx) error {
	err := s.deps.Forums.ChangeStatus(c.UserContext(), s.viewer(c), c.Params("id"), forum.Status(c.FormValue("status")), c.FormValue("note"), c.FormValue("idem"))
	if err != nil {
		return s.issueFormError(c, []string{"note", "status"}, err)
	}
	return s.backToIssue(c, "issue.status_changed", "#timeline")
}

func (s *Server) handleRespond(c *fiber.Ctx) error {
	if err := s.deps.Forums.Respond(c.UserContext(), s.viewer(c), c.Params("id"), c.FormValue("note"), c.FormValue("idem")); err != nil {
		return s.issueFormError(c, []string{"note"}, err)
	}
	return s.backToIssue(c, "issue.responded", "#timeline")
}

func (s *Server) handleAsk(c *fiber.Ctx) error {
	if err := s.deps.Forums.Ask(c.UserContext(), s.viewer(c), c.Params("id"), c.FormValue("question"), c.FormValue("idem")); err != nil {
		return s.issueFormError(c, []string{"question"}, err)
	}
	return s.backToIssue(c, "issue.asked", "#timeline")
}

// followUpData is the submitter's follow-up page.
type followUpData struct {
	*forum.FollowUpView
	Formatted string
}

// handleFollowUpForm asks for a follow-up code. A direct link may carry the
// code in the fragment (never the query), which the page's script copies
// into the form.
func (s *Server) handleFollowUpForm(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "followup_form", s.page(c, "followup.title", nil))
}

func (s *Server) followUpFormError(c *fiber.Ctx, err error) error {
	p := s.page(c, "followup.title", nil)
	if !p.withForm(c, []string{"code"}, err) {
		return err
	}
	return s.render(c, statusOf(err), "followup_form", p)
}

// handleFollowUp shows the thread for a code typed into the form.
func (s *Server) handleFollowUp(c *fiber.Ctx) error {
	view, err := s.deps.Forums.OpenFollowUp(c.UserContext(), c.FormValue("code"))
	if err != nil {
		return s.followUpFormError(c, err)
	}
	return s.render(c, fiber.StatusOK, "followup", s.page(c, "followup.title", followUpData{FollowUpView: view, Formatted: forum.FormatCode(view.Code)}))
}

// handleFollowUpDetail adds detail, or an answer to a facilitator's question.
func (s *Server) handleFollowUpDetail(c *fiber.Ctx) error {
	view, err := s.deps.Forums.AddDetail(c.UserContext(), c.FormValue("code"), c.FormValue("text"), c.FormValue("answer") == "yes", c.FormValue("idem"))
	if err != nil {
		open, oerr := s.deps.Forums.OpenFollowUp(c.UserContext(), c.FormValue("code"))
		if oerr != nil {
			return s.followUpFormError(c, oerr)
		}
		p := s.page(c, "followup.title", followUpData{FollowUpView: open, Formatted: forum.FormatCode(open.Code)})
		if !p.withForm(c, []string{"text"}, err) {
			return err
		}
		return s.render(c, statusOf(err), "followup", p)
	}
	p := s.page(c, "followup.title", followUpData{FollowUpView: view, Formatted: forum.FormatCode(view.Code)})
	p.Flash = p.T.M("followup.added")
	return s.render(c, fiber.StatusOK, "followup", p)
}

// handleCodeDownload returns the code shown once as a small text file.
func (s *Server) handleCodeDownload(c *fiber.Ctx) error {
	code := forum.NormalizeCode(c.FormValue("code"))
	if len(code) != forum.CodeLen || strings.Contains(code, "?") {
		return fiber.ErrBadRequest
	}
	t := s.tr(c)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="chorus-follow-up-code.txt"`)
	c.Set(fiber.HeaderContentType, "text/plain; charset=utf-8")
	return c.SendString(t.M("followup.file", "Code", forum.FormatCode(code), "URL", s.absURL(c, "/follow-up")) + "\n")
}
