package server

import (
	"net/url"
	"strconv"
	"strings"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/fault"

	"github.com/gofiber/fiber/v2"
)

// viewer is the forum service's view of who is asking.
func (s *Server) viewer(c *fiber.Ctx) forum.Viewer {
	v := forum.Viewer{Principal: principal(c)}
	if tok := c.Cookies(deviceCookie); tok != "" && v.Principal == nil {
		v.DeviceKey = deviceKey(tok)
	}
	return v
}

type forumsData struct {
	Forums      []*forum.Forum
	Memberships map[string]*forum.Member
	CanCreate   bool
}

// handleForums lists every forum.
func (s *Server) handleForums(c *fiber.Ctx) error {
	fs, err := s.deps.Forums.Forums(c.UserContext())
	if err != nil {
		return err
	}
	d := forumsData{Forums: fs, Memberships: map[string]*forum.Member{}, CanCreate: principal(c).AdministersAny()}
	ms, err := s.deps.Forums.Memberships(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	for _, m := range ms {
		d.Memberships[m.ForumID] = m
	}
	return s.render(c, fiber.StatusOK, "forums", s.page(c, "forums.title", d))
}

// forumFormData is the create/edit forum form.
type forumFormData struct {
	Forum         *forum.Forum
	Organisations []*account.Organisation
	Languages     []LangLink
	Settings      forum.ForumSettings
	People        []account.Member // who may be named safeguarding lead
}

var forumFields = []string{"name", "area", "description", "response_target", "themes", "organisation",
	"report_threshold", "escalate_hours", "risk_terms", "safeguarding_deputy"}

// formInt reads a whole number from a form; a field that is not one reads
// as -1 so the rules refuse it, and an empty one as 0 (the default).
func formInt(c *fiber.Ctx, name string) int {
	v := strings.TrimSpace(c.FormValue(name))
	n, err := strconv.Atoi(v)
	if v != "" && (err != nil || n == 0) {
		return -1
	}
	return n
}

func settingsFromForm(c *fiber.Ctx) forum.ForumSettings {
	var langs []string
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		if string(k) == "languages" {
			langs = append(langs, string(v))
		}
	})
	return forum.ForumSettings{
		OrgID: c.FormValue("organisation"), Name: c.FormValue("name"), Area: c.FormValue("area"), Description: c.FormValue("description"),
		Languages: langs, PreModerate: c.FormValue("pre_moderate") == "on", AllowAnonymous: c.FormValue("allow_anonymous") == "on",
		VisitorSupport: c.FormValue("visitor_support") == "on", OpenJoin: c.FormValue("open_join") == "on",
		ResponseTargetDays: formInt(c, "response_target"), SafeguardingLeadID: c.FormValue("safeguarding_lead"), Themes: strings.Split(c.FormValue("themes"), "\n"),
		PreModerateAnonymous: c.FormValue("pre_moderate_anonymous") == "on", ReportThreshold: formInt(c, "report_threshold"),
		SafeguardingDeputyID: c.FormValue("safeguarding_deputy"), EscalateHours: formInt(c, "escalate_hours"),
		RiskTerms: strings.Split(c.FormValue("risk_terms"), "\n"),
	}
}

func (s *Server) forumForm(c *fiber.Ctx, status int, f *forum.Forum, fs forum.ForumSettings, formErr error) error {
	orgs, err := s.deps.Accounts.Organisations(c.UserContext())
	if err != nil {
		return err
	}
	people, err := s.deps.Accounts.Users(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	d := forumFormData{Forum: f, Settings: fs, People: people}
	for _, o := range orgs {
		if principal(c).AdministersOrganisation(o.ID) {
			d.Organisations = append(d.Organisations, o)
		}
	}
	title := "forums.new.title"
	if f != nil {
		title = "forums.edit.title"
	}
	p := s.page(c, title, d)
	d.Languages = p.Langs
	p.Data = d
	if formErr != nil && !p.withForm(c, forumFields, formErr) {
		return formErr
	}
	return s.render(c, status, "forum_form", p)
}

func (s *Server) handleForumNew(c *fiber.Ctx) error {
	return s.forumForm(c, fiber.StatusOK, nil, forum.ForumSettings{AllowAnonymous: true, OpenJoin: true, ResponseTargetDays: 28, Languages: []string{"en"},
		ReportThreshold: forum.DefaultReportThreshold, EscalateHours: forum.DefaultEscalateHours}, nil)
}

// checkLead makes sure a named safeguarding lead and deputy are people the
// administrator can see: accounts, not made-up IDs.
func (s *Server) checkLead(c *fiber.Ctx, fs forum.ForumSettings) error {
	if fs.SafeguardingLeadID != "" {
		if _, err := s.deps.Accounts.UserByID(c.UserContext(), principal(c), fs.SafeguardingLeadID); err != nil {
			return errLeadUnknown
		}
	}
	if fs.SafeguardingDeputyID != "" {
		if _, err := s.deps.Accounts.UserByID(c.UserContext(), principal(c), fs.SafeguardingDeputyID); err != nil {
			return errDeputyUnknown
		}
	}
	return nil
}

var (
	errLeadUnknown   = fault.InvalidField("safeguarding_lead", "forum.error.lead_unknown")
	errDeputyUnknown = fault.InvalidField("safeguarding_deputy", "forum.error.lead_unknown")
)

func (s *Server) handleForumCreate(c *fiber.Ctx) error {
	fs := settingsFromForm(c)
	if err := s.checkLead(c, fs); err != nil {
		return s.forumForm(c, statusOf(err), nil, fs, err)
	}
	f, err := s.deps.Forums.CreateForumOnce(c.UserContext(), principal(c), fs, s.formKey(c))
	if err != nil {
		return s.forumForm(c, statusOf(err), nil, fs, err)
	}
	s.flash(c, "forums.created")
	return c.Redirect("/forums/"+f.ID, fiber.StatusSeeOther)
}

func (s *Server) handleForumEdit(c *fiber.Ctx) error {
	f, err := s.deps.Forums.Forum(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	if !principal(c).AdministersOrganisation(f.OrgID) {
		return errForbidden
	}
	return s.forumForm(c, fiber.StatusOK, f, f.Settings(), nil)
}

func (s *Server) handleForumUpdate(c *fiber.Ctx) error {
	fs := settingsFromForm(c)
	err := s.checkLead(c, fs)
	var f *forum.Forum
	if err == nil {
		f, err = s.deps.Forums.UpdateForum(c.UserContext(), principal(c), c.Params("id"), fs)
	}
	if err != nil {
		existing, ferr := s.deps.Forums.Forum(c.UserContext(), c.Params("id"))
		if ferr != nil {
			return ferr
		}
		return s.forumForm(c, statusOf(err), existing, fs, err)
	}
	s.flash(c, "forums.updated")
	return c.Redirect("/forums/"+f.ID, fiber.StatusSeeOther)
}

// forumPageData is a forum's page: its issues and the controls to list them.
type forumPageData struct {
	// What forum.ForumView holds, as fields of its own (see issueCard).
	Forum       *forum.Forum
	Issues      []issueCard
	Total       int
	Member      *forum.Member
	Facilitator bool
	Queue       map[string]int

	Sort      string
	Status    string
	Theme     string
	Query     string
	Page      int
	Pages     int
	PrevURL   string
	NextURL   string
	Statuses  []forum.Status
	CanAdmin  bool
	CanRaise  bool
	CanJoin   bool
	SignedOut bool
	LiveSeq   int64 // the forum room's latest event when the page was rendered: live updates resume after it
}

// handleForum shows a forum's issues: sortable, filterable, searchable, paged.
func (s *Server) handleForum(c *fiber.Ctx) error {
	pageNo, _ := strconv.Atoi(c.Query("page", "1"))
	if pageNo < 1 {
		pageNo = 1
	}
	f := forum.IssueFilter{ForumID: c.Params("id"), Sort: forum.IssueSort(c.Query("sort", string(forum.SortSupport))), Theme: c.Query("theme"),
		Query: c.Query("q"), Offset: (pageNo - 1) * forum.PageSize, Limit: forum.PageSize}
	if st := c.Query("status"); st != "" {
		f.Statuses = []forum.Status{forum.Status(st)}
	}
	view, err := s.deps.Forums.Issues(c.UserContext(), s.viewer(c), f)
	if err != nil {
		return err
	}
	d := forumPageData{Forum: view.Forum, Issues: s.issueCards(view.Issues, s.tr(c)), Total: view.Total, Member: view.Member, Facilitator: view.Facilitator, Queue: view.Queue, Sort: string(f.Sort), Status: c.Query("status"), Theme: f.Theme, Query: c.Query("q"), Page: pageNo,
		Pages: (view.Total + forum.PageSize - 1) / forum.PageSize, Statuses: forum.Statuses, SignedOut: principal(c) == nil,
		LiveSeq: s.liveSeq(c, forum.ForumRoom(view.Forum.ID))}
	p := principal(c)
	d.CanAdmin = p.AdministersOrganisation(view.Forum.OrgID)
	d.CanRaise = view.Member != nil || view.Forum.AllowAnonymous
	d.CanJoin = p != nil && view.Member == nil && (view.Forum.OpenJoin || d.CanAdmin)
	q := c.Queries()
	if pageNo > 1 {
		d.PrevURL = pageURL(c.Path(), q, pageNo-1)
	}
	if pageNo < d.Pages {
		d.NextURL = pageURL(c.Path(), q, pageNo+1)
	}
	pg := s.page(c, "", d)
	pg.Title = view.Forum.Name
	pg.Wide = true
	return s.render(c, fiber.StatusOK, "forum", pg)
}

func pageURL(path string, q map[string]string, n int) string {
	v := make([]string, 0, len(q))
	for k, val := range q {
		if k != "page" && val != "" {
			v = append(v, k+"="+url.QueryEscape(val))
		}
	}
	v = append(v, "page="+strconv.Itoa(n))
	return path + "?" + strings.Join(v, "&")
}

// handleJoin makes the signed-in person a member under a display name.
func (s *Server) handleJoin(c *fiber.Ctx) error {
	_, err := s.deps.Forums.Join(c.UserContext(), principal(c), c.Params("id"), c.FormValue("display_name"))
	if err != nil {
		if statusOf(err) == fiber.StatusBadRequest {
			s.flash(c, "forum.error.display_name")
			return c.Redirect("/forums/"+c.Params("id")+"#join", fiber.StatusSeeOther)
		}
		return err
	}
	s.flash(c, "forum.joined")
	return c.Redirect("/forums/"+c.Params("id"), fiber.StatusSeeOther)
}

type membersData struct {
	Forum    *forum.Forum
	Members  []*forum.Member
	CanAdmin bool
}

// handleMembers lists a forum's members for its facilitators and administrators.
func (s *Server) handleMembers(c *fiber.Ctx) error {
	f, err := s.deps.Forums.Forum(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	ms, err := s.deps.Forums.Members(c.UserContext(), s.viewer(c), f.ID)
	if err != nil {
		return err
	}
	p := s.page(c, "forum.members.title", membersData{Forum: f, Members: ms, CanAdmin: principal(c).AdministersOrganisation(f.OrgID)})
	return s.render(c, fiber.StatusOK, "forum_members", p)
}

// handleMemberRole makes a member a facilitator or a member again.
func (s *Server) handleMemberRole(c *fiber.Ctx) error {
	err := s.deps.Forums.SetRole(c.UserContext(), principal(c), c.Params("id"), c.Params("user"), forum.Role(c.FormValue("role")))
	if err != nil {
		return err
	}
	s.flash(c, "forum.members.updated")
	return c.Redirect("/forums/"+c.Params("id")+"/members", fiber.StatusSeeOther)
}
