package server

import (
	"strconv"
	"strings"
	"time"

	"chorus/internal/fault"
	"chorus/steering"

	"github.com/gofiber/fiber/v2"
)

// Meetings: the page everyone in the meeting follows (live), the chair's
// agenda builder, and the forms that record what was decided.

// meetingSettingsFromForm reads the meeting form; the date and time are in
// the installation's time zone.
func (s *Server) meetingSettingsFromForm(c *fiber.Ctx) steering.MeetingSettings {
	ms := steering.MeetingSettings{Title: c.FormValue("title"), Minutes: formInt(c, "length"), Place: c.FormValue("place"),
		Online: c.FormValue("online"), OpenLink: c.FormValue("open_link") == "on"}
	when := strings.TrimSpace(c.FormValue("date")) + " " + strings.TrimSpace(c.FormValue("time"))
	if t, err := time.ParseInLocation("2006-01-02 15:04", when, s.opts.Location); err == nil {
		ms.StartsAt = t // else zero, which the rules refuse after checking who asks
	}
	return ms
}

// formProblem reports whether err is about what was typed (or a clash with
// the state of things), so the page is shown again with it; any other
// refusal (not found, forbidden) goes to the error page.
func formProblem(err error) bool {
	switch fault.KindOf(err) {
	case fault.Invalid, fault.Conflict, fault.TooMany:
		return true
	}
	return false
}

// meetingData is a meeting's page.
type meetingData struct {
	*steering.MeetingView
	LinkKey       string // the key the viewer came with, kept on their forms
	LiveSeq       int64
	Statuses      []steering.MeetingStatus
	DecisionTypes []steering.DecisionType
	OrgKinds      []steering.OrgKind
	ShareURL      string // the meeting's link, for the chair to share
}

var meetingFields = []string{"text", "decision", "type", "reason", "dissent", "description", "owner", "owner_org", "due",
	"issues", "notes", "minutes_text", "amendment"}

// meetingPage renders a meeting's page; after a refused form it keeps what
// was typed and says why.
func (s *Server) meetingPage(c *fiber.Ctx, id string, status int, formErr error) error {
	if formErr != nil && !formProblem(formErr) {
		return formErr
	}
	key := c.Query("key", c.FormValue("key"))
	v, err := s.deps.Steering.Meeting(c.UserContext(), principal(c), id, key)
	if err != nil {
		return err
	}
	d := meetingData{MeetingView: v, LinkKey: key, Statuses: steering.MeetingStatuses, DecisionTypes: steering.DecisionTypes,
		OrgKinds: steering.OrgKinds, LiveSeq: s.liveSeq(c, steering.MeetingRoom(id))}
	if v.Chairs() && v.Meeting.OpenLink {
		d.ShareURL = s.origin(c) + "/meetings/" + id + "?key=" + v.Meeting.LinkKey
	}
	p := s.page(c, "", d)
	p.Title = v.Meeting.Title
	p.Wide = true
	if formErr != nil && !p.withForm(c, meetingFields, formErr) {
		return formErr
	}
	if formErr != nil {
		p.Form["item"] = c.FormValue("item", c.Params("item"))
	}
	if v.Minutes != nil && p.Form["minutes_text"] == "" {
		p.Form["minutes_text"] = v.Minutes.Text
	}
	return s.render(c, status, "meeting", p)
}

func (s *Server) handleMeeting(c *fiber.Ctx) error {
	return s.meetingPage(c, c.Params("id"), fiber.StatusOK, nil)
}

// backToMeeting goes back to a meeting's page (at anchor), with a notice.
func (s *Server) backToMeeting(c *fiber.Ctx, meetingID, msgID, anchor string) error {
	if msgID != "" {
		s.flash(c, msgID)
	}
	url := "/meetings/" + meetingID
	if key := c.FormValue("key"); key != "" {
		url += "?key=" + key
	}
	return c.Redirect(url+anchor, fiber.StatusSeeOther)
}

// meetingFormData is the edit-meeting form (its fields are in Page.Form).
type meetingFormData struct {
	Meeting *steering.Meeting
}

func (s *Server) handleMeetingEdit(c *fiber.Ctx) error {
	v, err := s.deps.Steering.Meeting(c.UserContext(), principal(c), c.Params("id"), "")
	if err != nil {
		return err
	}
	if !v.Chairs() {
		return errForbidden
	}
	m := v.Meeting
	at := m.StartsAt.In(s.opts.Location)
	p := s.page(c, "steering.meeting.edit", meetingFormData{Meeting: m})
	p.Form = map[string]string{"title": m.Title, "date": at.Format(time.DateOnly), "time": at.Format("15:04"),
		"length": strconv.Itoa(m.Minutes), "place": m.Place, "online": m.Online}
	if m.OpenLink {
		p.Form["open_link"] = "on"
	}
	return s.render(c, fiber.StatusOK, "meeting_form", p)
}

func (s *Server) handleMeetingUpdate(c *fiber.Ctx) error {
	ms := s.meetingSettingsFromForm(c)
	_, err := s.deps.Steering.UpdateMeeting(c.UserContext(), principal(c), c.Params("id"), ms)
	if err == nil {
		return s.backToMeeting(c, c.Params("id"), "steering.meeting.saved", "")
	}
	if !formProblem(err) {
		return err
	}
	v, verr := s.deps.Steering.Meeting(c.UserContext(), principal(c), c.Params("id"), "")
	if verr != nil {
		return verr
	}
	p := s.page(c, "steering.meeting.edit", meetingFormData{Meeting: v.Meeting})
	if !p.withForm(c, []string{"title", "date", "time", "length", "place", "online", "open_link"}, err) {
		return err
	}
	return s.render(c, statusOf(err), "meeting_form", p)
}

func (s *Server) handleMeetingStatus(c *fiber.Ctx) error {
	to := steering.MeetingStatus(c.FormValue("status"))
	if err := s.deps.Steering.SetMeetingStatus(c.UserContext(), principal(c), c.Params("id"), to); err != nil {
		return s.meetingPage(c, c.Params("id"), statusOf(err), err)
	}
	return s.backToMeeting(c, c.Params("id"), "steering.meeting.done."+string(to), "")
}

// agendaData is the chair's agenda builder.
type agendaData struct {
	*steering.MeetingView
	Suggest *steering.Suggestions
}

var agendaFields = []string{"title", "issue", "lead", "minutes"}

func (s *Server) agendaPage(c *fiber.Ctx, status int, formErr error) error {
	if formErr != nil && !formProblem(formErr) {
		return formErr
	}
	id := c.Params("id")
	v, err := s.deps.Steering.Meeting(c.UserContext(), principal(c), id, "")
	if err != nil {
		return err
	}
	if !v.Chairs() {
		return errForbidden
	}
	sg, err := s.deps.Steering.Suggest(c.UserContext(), principal(c), id)
	if err != nil {
		return err
	}
	p := s.page(c, "steering.agenda.title", agendaData{MeetingView: v, Suggest: sg})
	p.Wide = true
	if formErr != nil && !p.withForm(c, agendaFields, formErr) {
		return formErr
	}
	return s.render(c, status, "agenda", p)
}

func (s *Server) handleAgenda(c *fiber.Ctx) error { return s.agendaPage(c, fiber.StatusOK, nil) }

// issueRef reads an issue named by its ID or by a link to its page.
func issueRef(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.LastIndex(v, "/issues/"); i >= 0 {
		v = v[i+len("/issues/"):]
	}
	v, _, _ = strings.Cut(v, "?")
	v, _, _ = strings.Cut(v, "#")
	return strings.Trim(v, "/")
}

func (s *Server) handleItemAdd(c *fiber.Ctx) error {
	is := steering.ItemSettings{Kind: steering.ItemKind(c.FormValue("kind")), Title: c.FormValue("title"),
		IssueID: issueRef(c.FormValue("issue")), LeadID: c.FormValue("lead"), Minutes: formInt(c, "minutes"), Key: c.FormValue("idem")}
	if _, err := s.deps.Steering.AddItem(c.UserContext(), principal(c), c.Params("id"), is); err != nil {
		return s.agendaPage(c, statusOf(err), err)
	}
	s.flash(c, "steering.agenda.added")
	return c.Redirect("/meetings/"+c.Params("id")+"/agenda#agenda", fiber.StatusSeeOther)
}

// itemMeeting finds the meeting of the agenda item in the request.
func (s *Server) itemMeeting(c *fiber.Ctx) string {
	id, err := s.deps.Steering.MeetingOf(c.UserContext(), c.Params("item"))
	if err != nil {
		return "" // the meeting's page then says it is not found
	}
	return id
}

func (s *Server) handleItemUpdate(c *fiber.Ctx) error {
	err := s.deps.Steering.UpdateItem(c.UserContext(), principal(c), c.Params("item"), c.FormValue("title"), c.FormValue("lead"),
		formInt(c, "minutes"), c.FormValue("notes"))
	if err != nil {
		return s.meetingPage(c, s.itemMeeting(c), statusOf(err), err)
	}
	if c.FormValue("from") == "agenda" {
		s.flash(c, "steering.agenda.saved")
		return c.Redirect("/meetings/"+s.itemMeeting(c)+"/agenda#item-"+c.Params("item"), fiber.StatusSeeOther)
	}
	return s.backToMeeting(c, s.itemMeeting(c), "steering.item.saved", "#item-"+c.Params("item"))
}

func (s *Server) handleItemMove(c *fiber.Ctx) error {
	step := 1
	if c.FormValue("direction") == "up" {
		step = -1
	}
	if err := s.deps.Steering.MoveItem(c.UserContext(), principal(c), c.Params("item"), step); err != nil {
		return err
	}
	return c.Redirect("/meetings/"+s.itemMeeting(c)+"/agenda#item-"+c.Params("item"), fiber.StatusSeeOther)
}

func (s *Server) handleItemRemove(c *fiber.Ctx) error {
	if err := s.deps.Steering.RemoveItem(c.UserContext(), principal(c), c.Params("item")); err != nil {
		return s.meetingPage(c, s.itemMeeting(c), statusOf(err), err)
	}
	s.flash(c, "steering.agenda.removed")
	return c.Redirect("/meetings/"+s.itemMeeting(c)+"/agenda#agenda", fiber.StatusSeeOther)
}

func (s *Server) handleItemCurrent(c *fiber.Ctx) error {
	if err := s.deps.Steering.SetCurrent(c.UserContext(), principal(c), c.Params("item")); err != nil {
		return s.meetingPage(c, s.itemMeeting(c), statusOf(err), err)
	}
	return s.backToMeeting(c, s.itemMeeting(c), "", "#now")
}

func (s *Server) handleDecision(c *fiber.Ctx) error {
	ds := steering.DecisionSettings{Text: c.FormValue("decision"), Type: steering.DecisionType(c.FormValue("type")),
		Reason: c.FormValue("reason"), Dissent: c.FormValue("dissent")}
	for _, o := range formValues(c, "agreed_by") {
		ds.AgreedBy = append(ds.AgreedBy, steering.OrgKind(o))
	}
	if _, err := s.deps.Steering.Decide(c.UserContext(), principal(c), c.Params("item"), ds, c.FormValue("idem")); err != nil {
		return s.meetingPage(c, s.itemMeeting(c), statusOf(err), err)
	}
	return s.backToMeeting(c, s.itemMeeting(c), "steering.decision.recorded", "#item-"+c.Params("item"))
}

func (s *Server) handleActionAdd(c *fiber.Ctx) error {
	as := steering.ActionSettings{Description: c.FormValue("description"), OwnerOrg: steering.OrgKind(c.FormValue("owner_org")),
		Owner: c.FormValue("owner"), Due: c.FormValue("due")}
	for _, ref := range strings.FieldsFunc(c.FormValue("issues"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		as.IssueIDs = append(as.IssueIDs, issueRef(ref))
	}
	if _, err := s.deps.Steering.AddAction(c.UserContext(), principal(c), c.Params("item"), as, c.FormValue("idem")); err != nil {
		return s.meetingPage(c, s.itemMeeting(c), statusOf(err), err)
	}
	return s.backToMeeting(c, s.itemMeeting(c), "steering.action.recorded", "#item-"+c.Params("item"))
}

// The quiet voice.

func (s *Server) handleQuestionAsk(c *fiber.Ctx) error {
	err := s.submitted(c)
	if err == nil {
		_, err = s.deps.Steering.Ask(c.UserContext(), principal(c), c.Params("id"), c.FormValue("key"), c.FormValue("text"), c.FormValue("idem"))
	}
	if err != nil {
		return s.meetingPage(c, c.Params("id"), statusOf(err), err)
	}
	return s.backToMeeting(c, c.Params("id"), "steering.quiet.sent", "#quiet")
}

func (s *Server) handleQuestionModerate(c *fiber.Ctx) error {
	to := steering.QuestionStatus(c.FormValue("decision"))
	if err := s.deps.Steering.ModerateQuestion(c.UserContext(), principal(c), c.Params("q"), to); err != nil {
		return err
	}
	return s.backToMeeting(c, c.FormValue("meeting"), "", "#quiet")
}

func (s *Server) handleQuestionSupport(c *fiber.Ctx) error {
	device := ""
	if principal(c) == nil {
		device = s.deviceFor(c)
	}
	if err := s.deps.Steering.SupportQuestion(c.UserContext(), principal(c), c.Params("q"), c.FormValue("key"), device); err != nil {
		return err
	}
	return s.backToMeeting(c, c.FormValue("meeting"), "steering.quiet.supported", "#quiet")
}

func (s *Server) handleQuestionTake(c *fiber.Ctx) error {
	toMinutes := c.FormValue("to") == "minutes"
	heading := s.tr(c).M("steering.quiet.minutes_heading")
	if err := s.deps.Steering.TakeQuestion(c.UserContext(), principal(c), c.Params("q"), toMinutes, heading); err != nil {
		return s.meetingPage(c, c.FormValue("meeting"), statusOf(err), err)
	}
	msg, anchor := "steering.quiet.taken.agenda", "#agenda"
	if toMinutes {
		msg, anchor = "steering.quiet.taken.minutes", "#minutes"
	}
	return s.backToMeeting(c, c.FormValue("meeting"), msg, anchor)
}

// Minutes.

func (s *Server) handleMinutesSave(c *fiber.Ctx) error {
	if err := s.deps.Steering.SaveMinutes(c.UserContext(), principal(c), c.Params("id"), c.FormValue("minutes_text")); err != nil {
		return s.meetingPage(c, c.Params("id"), statusOf(err), err)
	}
	return s.backToMeeting(c, c.Params("id"), "steering.minutes.saved", "#minutes")
}

func (s *Server) handleMinutesSign(c *fiber.Ctx) error {
	if err := s.deps.Steering.SignMinutes(c.UserContext(), principal(c), c.Params("id")); err != nil {
		return s.meetingPage(c, c.Params("id"), statusOf(err), err)
	}
	return s.backToMeeting(c, c.Params("id"), "steering.minutes.signed", "#minutes")
}

func (s *Server) handleMinutesPublish(c *fiber.Ctx) error {
	if err := s.deps.Steering.PublishMinutes(c.UserContext(), principal(c), c.Params("id")); err != nil {
		return s.meetingPage(c, c.Params("id"), statusOf(err), err)
	}
	return s.backToMeeting(c, c.Params("id"), "steering.minutes.published", "#minutes")
}

func (s *Server) handleMinutesAmend(c *fiber.Ctx) error {
	if err := s.deps.Steering.AmendMinutes(c.UserContext(), principal(c), c.Params("id"), c.FormValue("amendment")); err != nil {
		return s.meetingPage(c, c.Params("id"), statusOf(err), err)
	}
	return s.backToMeeting(c, c.Params("id"), "steering.minutes.amended", "#minutes")
}
