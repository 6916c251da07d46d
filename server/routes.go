package server

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/gofiber/fiber/v2/middleware/recover"
)

// Access is who may use a route. The permission table test checks every
// route against every role, so a new route must say its access here.
type Access int

// Access levels.
const (
	Public    Access = iota // anyone, signed in or not
	SignedIn                // any signed-in person
	AdminAny                // an installation or organisation administrator
	AdminOnly               // an installation administrator
)

// Route is one entry of the route table.
type Route struct {
	Method string
	Path   string
	Access Access
	handle fiber.Handler
}

// Routes lists every route Chorus serves.
func (s *Server) Routes() []Route {
	return []Route{
		{"GET", "/", Public, s.handleHome},
		{"GET", "/healthz", Public, s.handleHealth},
		{"GET", "/readyz", Public, s.handleReady},
		{"GET", "/static/:file", Public, s.handleStatic},
		{"GET", "/exit", Public, s.handleExit},
		{"GET", "/help/quick-exit", Public, s.handleQuickExitHelp},
		{"GET", "/privacy", Public, s.handlePrivacy},
		{"GET", "/accessibility", Public, s.handleAccessibility},
		{"POST", "/easy-read", Public, s.handleEasyRead},

		{"GET", "/setup", Public, s.handleSetupForm},
		{"POST", "/setup", Public, s.handleSetup},

		{"GET", "/signin", Public, s.handleSignInForm},
		{"POST", "/signin", Public, s.handleSignIn},
		{"GET", "/signin/code", Public, s.handleCodeForm},
		{"POST", "/signin/code", Public, s.handleCode},
		{"GET", "/signin/mfa-setup", Public, s.handleEnrolForm},
		{"POST", "/signin/mfa-setup", Public, s.handleEnrol},
		{"POST", "/signout", Public, s.handleSignOut},

		{"GET", "/invitations/:token", Public, s.handleInvitationForm},
		{"POST", "/invitations/:token", Public, s.handleInvitationAccept},
		{"GET", "/reset/:token", Public, s.handleResetForm},
		{"POST", "/reset/:token", Public, s.handleReset},
		{"GET", "/password/forgot", Public, s.handleForgotForm},
		{"POST", "/password/forgot", Public, s.handleForgot},

		{"GET", "/account", SignedIn, s.handleAccount},
		{"POST", "/account/password", SignedIn, s.handlePassword},
		{"GET", "/account/mfa", SignedIn, s.handleAccountMFAForm},
		{"POST", "/account/mfa", SignedIn, s.handleAccountMFA},
		{"POST", "/account/mfa/disable", SignedIn, s.handleAccountMFADisable},
		{"POST", "/account/data", SignedIn, s.handlePersonalData},
		{"GET", "/account/erasure", SignedIn, s.handleErasure},
		{"POST", "/account/erasure", SignedIn, s.handleErasureRequest},
		{"POST", "/account/erasure/:id/withdraw", SignedIn, s.handleErasureWithdraw},

		{"GET", "/forums", Public, s.handleForums},
		{"GET", "/forums/new", AdminAny, s.handleForumNew},
		{"POST", "/forums", AdminAny, s.handleForumCreate},
		{"GET", "/forums/:id", Public, s.handleForum},
		{"GET", "/forums/:id/edit", AdminAny, s.handleForumEdit},
		{"POST", "/forums/:id/edit", AdminAny, s.handleForumUpdate},
		{"POST", "/forums/:id/join", SignedIn, s.handleJoin},
		{"GET", "/forums/:id/members", SignedIn, s.handleMembers},
		{"POST", "/forums/:id/members/:user/role", AdminAny, s.handleMemberRole},
		{"GET", "/forums/:id/invitations", SignedIn, s.handleForumInvitations},
		{"POST", "/forums/:id/invitations", SignedIn, s.handleForumInvitationCreate},
		{"POST", "/forums/:id/invitations/:inv/revoke", SignedIn, s.handleForumInvitationRevoke},
		{"GET", "/forums/:id/raise", Public, s.handleRaiseForm},
		{"POST", "/forums/:id/raise", Public, s.handleRaise},
		{"GET", "/issues/:id", Public, s.handleIssue},
		{"POST", "/issues/:id/support", Public, s.handleSupport},
		{"POST", "/issues/:id/unsupport", Public, s.handleUnsupport},
		{"POST", "/issues/:id/comments", SignedIn, s.handleComment},
		{"POST", "/issues/:id/status", SignedIn, s.handleStatus},
		{"POST", "/issues/:id/respond", SignedIn, s.handleRespond},
		{"POST", "/issues/:id/ask", SignedIn, s.handleAsk},
		{"POST", "/issues/:id/follow", SignedIn, s.handleFollow},
		{"POST", "/issues/:id/unfollow", SignedIn, s.handleUnfollow},
		{"POST", "/issues/:id/report", SignedIn, s.handleReport},
		{"GET", "/comments/:id/edit", SignedIn, s.handleCommentEditForm},
		{"POST", "/comments/:id/edit", SignedIn, s.handleCommentEdit},
		{"GET", "/forums/:id/reports", SignedIn, s.handleReports},
		{"GET", "/forums/:id/moderation", SignedIn, s.handleQueue},
		{"GET", "/moderation", SignedIn, s.handleQueues},
		{"GET", "/issues/:id/moderate", SignedIn, s.handleModeratePage},
		{"POST", "/issues/:id/moderate", SignedIn, s.handleModerate},
		{"POST", "/issues/:id/moderate/edit", SignedIn, s.handleModerateEdit},
		{"POST", "/issues/:id/merge", SignedIn, s.handleMerge},
		{"POST", "/issues/:id/themes", SignedIn, s.handleThemes},
		{"POST", "/issues/:id/quotes", SignedIn, s.handleQuote},
		{"POST", "/issues/:id/quotes/:quote/remove", SignedIn, s.handleQuoteRemove},
		{"POST", "/issues/:id/erase", AdminAny, s.handleErase},
		{"POST", "/forums/:id/themes", SignedIn, s.handleForumThemes},
		{"GET", "/forums/:id/audit", SignedIn, s.handleForumAudit},
		{"GET", "/forums/:id/audit.csv", SignedIn, s.handleForumAuditExport("csv")},
		{"GET", "/forums/:id/audit.json", SignedIn, s.handleForumAuditExport("json")},
		{"GET", "/notifications", SignedIn, s.handleNotifications},
		{"POST", "/notifications/read", SignedIn, s.handleNotificationsRead},
		{"POST", "/notifications/:id/read", SignedIn, s.handleNotificationRead},
		{"GET", "/notifications/:id/invitation", SignedIn, s.handleInvitationNotice},
		{"GET", "/account/notifications", SignedIn, s.handleNotifyPrefs},
		{"POST", "/account/notifications", SignedIn, s.handleNotifyPrefsSave},
		{"GET", "/unsubscribe/:token", Public, s.handleUnsubscribeForm},
		{"POST", "/unsubscribe/:token", Public, s.handleUnsubscribe},
		{"GET", "/unsubscribe/:token/one-click", Public, s.handleUnsubscribeForm},
		{"POST", "/unsubscribe/:token/one-click", Public, s.handleUnsubscribeOneClick}, // RFC 8058: no CSRF token (csrf)
		{"GET", "/live", Public, s.liveGuard},
		{"GET", "/live/events", Public, s.handleLiveEvents},
		{"GET", "/follow-up", Public, s.handleFollowUpForm},
		{"POST", "/follow-up", Public, s.handleFollowUp},
		{"POST", "/follow-up/detail", Public, s.handleFollowUpDetail},
		{"POST", "/follow-up/download", Public, s.handleCodeDownload},

		{"GET", "/groups", Public, s.handleGroups},
		{"GET", "/groups/new", AdminAny, s.handleGroupNew},
		{"POST", "/groups", AdminAny, s.handleGroupCreate},
		{"GET", "/groups/:id", SignedIn, s.handleGroup},
		{"GET", "/groups/:id/edit", AdminAny, s.handleGroupEdit},
		{"POST", "/groups/:id/edit", AdminAny, s.handleGroupUpdate},
		{"POST", "/groups/:id/members", AdminAny, s.handleGroupMemberAdd},
		{"POST", "/groups/:id/members/:user", AdminAny, s.handleGroupMemberUpdate},
		{"POST", "/groups/:id/members/:user/remove", AdminAny, s.handleGroupMemberRemove},
		{"POST", "/groups/:id/meetings", SignedIn, s.handleMeetingCreate},
		{"GET", "/groups/:id/invitations", SignedIn, s.handleGroupInvitations},
		{"POST", "/groups/:id/invitations", SignedIn, s.handleGroupInvitationCreate},
		{"POST", "/groups/:id/invitations/:inv/revoke", SignedIn, s.handleGroupInvitationRevoke},
		{"GET", "/groups/:id/register", SignedIn, s.handleRegister},
		{"GET", "/groups/:id/actions.csv", SignedIn, s.handleRegisterExport("actions", "csv")},
		{"GET", "/groups/:id/actions.json", SignedIn, s.handleRegisterExport("actions", "json")},
		{"GET", "/groups/:id/actions.md", SignedIn, s.handleRegisterExport("actions", "md")},
		{"GET", "/groups/:id/decisions.csv", SignedIn, s.handleRegisterExport("decisions", "csv")},
		{"GET", "/groups/:id/decisions.json", SignedIn, s.handleRegisterExport("decisions", "json")},
		{"GET", "/groups/:id/decisions.md", SignedIn, s.handleRegisterExport("decisions", "md")},
		{"GET", "/groups/:id/calendar.ics", SignedIn, s.handleGroupCalendar},
		{"GET", "/groups/:id/you-said-we-did", Public, s.handleGroupBoard},
		{"GET", "/forums/:id/you-said-we-did", Public, s.handleForumBoard},
		{"GET", "/forums/:id/dashboard", Public, s.handleForumDashboard},
		{"GET", "/forums/:id/dashboard.csv", Public, s.handleForumDashboardCSV},
		{"GET", "/groups/:id/dashboard", SignedIn, s.handleGroupDashboard},
		{"GET", "/groups/:id/dashboard.csv", SignedIn, s.handleGroupDashboardCSV},
		{"GET", "/meetings/:id", Public, s.handleMeeting},
		{"GET", "/meetings/:id/edit", SignedIn, s.handleMeetingEdit},
		{"POST", "/meetings/:id/edit", SignedIn, s.handleMeetingUpdate},
		{"POST", "/meetings/:id/status", SignedIn, s.handleMeetingStatus},
		{"GET", "/meetings/:id/agenda", SignedIn, s.handleAgenda},
		{"GET", "/meetings/:id/pack", SignedIn, s.handlePack},
		{"GET", "/meetings/:id/pack.pdf", SignedIn, s.handlePackPDF},
		{"POST", "/meetings/:id/items", SignedIn, s.handleItemAdd},
		{"POST", "/meetings/:id/questions", Public, s.handleQuestionAsk},
		{"POST", "/meetings/:id/minutes", SignedIn, s.handleMinutesSave},
		{"POST", "/meetings/:id/minutes/sign", SignedIn, s.handleMinutesSign},
		{"POST", "/meetings/:id/minutes/publish", SignedIn, s.handleMinutesPublish},
		{"POST", "/meetings/:id/minutes/amend", SignedIn, s.handleMinutesAmend},
		{"POST", "/items/:item", SignedIn, s.handleItemUpdate},
		{"POST", "/items/:item/move", SignedIn, s.handleItemMove},
		{"POST", "/items/:item/remove", SignedIn, s.handleItemRemove},
		{"POST", "/items/:item/current", SignedIn, s.handleItemCurrent},
		{"POST", "/items/:item/decisions", SignedIn, s.handleDecision},
		{"POST", "/items/:item/actions", SignedIn, s.handleActionAdd},
		{"POST", "/questions/:q/moderate", SignedIn, s.handleQuestionModerate},
		{"POST", "/questions/:q/support", Public, s.handleQuestionSupport},
		{"POST", "/questions/:q/take", SignedIn, s.handleQuestionTake},
		{"GET", "/actions/:id", SignedIn, s.handleAction},
		{"POST", "/actions/:id", SignedIn, s.handleActionUpdate},

		{"GET", "/admin", AdminAny, s.handleAdmin},
		{"GET", "/admin/users", AdminAny, s.handleUsers},
		{"GET", "/admin/users/:id", AdminAny, s.handleUser},
		{"POST", "/admin/users/:id/disable", AdminOnly, s.handleUserDisable},
		{"POST", "/admin/users/:id/enable", AdminOnly, s.handleUserEnable},
		{"POST", "/admin/users/:id/grants", AdminAny, s.handleGrantAdd},
		{"POST", "/admin/users/:id/grants/remove", AdminAny, s.handleGrantRemove},
		{"POST", "/admin/users/:id/reset", AdminOnly, s.handleResetCreate},
		{"GET", "/admin/invitations", AdminAny, s.handleInvitations},
		{"POST", "/admin/invitations", AdminAny, s.handleInvitationCreate},
		{"POST", "/admin/invitations/:id/revoke", AdminAny, s.handleInvitationRevoke},
		{"GET", "/admin/organisations", AdminOnly, s.handleOrganisations},
		{"POST", "/admin/organisations", AdminOnly, s.handleOrganisationCreate},
		{"GET", "/admin/email", AdminOnly, s.handleMailAdmin},
		{"POST", "/admin/email/retry", AdminOnly, s.handleMailRetry},
		{"GET", "/admin/audit", AdminAny, s.handleAudit},
		{"GET", "/admin/audit.csv", AdminAny, s.handleAuditExport("csv")},
		{"GET", "/admin/audit.json", AdminAny, s.handleAuditExport("json")},
		{"GET", "/admin/erasure", AdminOnly, s.handleAdminErasure},
		{"POST", "/admin/erasure/:id/carry-out", AdminOnly, s.handleErasureCarryOut},
		{"POST", "/admin/erasure/:id/refuse", AdminOnly, s.handleErasureRefuse},
	}
}

// routes registers the middleware and the route table.
func (s *Server) routes() {
	s.metrics = s.newMetrics()
	s.app.Use(s.measure) // first, so it times everything after it
	s.app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: s.logPanic}))
	s.app.Use(s.requestID, s.logRequests, s.securityHeaders, s.withLocale, s.withSession, s.csrf)

	loginLimit := limiter.New(limiter.Config{
		Max:        s.opts.LoginPerIP,
		Expiration: 10 * time.Minute,
		Next:       func(c *fiber.Ctx) bool { return c.Method() != fiber.MethodPost },
		LimitReached: func(c *fiber.Ctx) error {
			return errTooMany
		},
	})
	for _, r := range s.Routes() {
		handlers := []fiber.Handler{s.require(r.Access)}
		switch r.Path {
		case "/signin", "/signin/code", "/signin/mfa-setup", "/setup", "/reset/:token", "/invitations/:token", "/follow-up", "/follow-up/detail",
			"/password/forgot", "/unsubscribe/:token", "/unsubscribe/:token/one-click":
			handlers = append(handlers, loginLimit)
		}
		if r.Path == "/live" {
			handlers = append(handlers, r.handle, s.handleLive()) // the guard, then the upgrade
			s.app.Add(r.Method, r.Path, handlers...)
			continue
		}
		s.app.Add(r.Method, r.Path, append(handlers, r.handle)...)
	}
	s.app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}

// require checks a route's access before its handler runs.
func (s *Server) require(a Access) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := principal(c)
		switch a {
		case Public:
			return c.Next()
		case SignedIn:
			if p == nil {
				return s.signInFirst(c)
			}
		case AdminAny:
			if p == nil {
				return s.signInFirst(c)
			}
			if !p.AdministersAny() {
				return errForbidden
			}
		case AdminOnly:
			if p == nil {
				return s.signInFirst(c)
			}
			if !p.IsAdmin() {
				return errForbidden
			}
		}
		return c.Next()
	}
}

// signInFirst sends a person to sign in and back, or refuses a POST.
func (s *Server) signInFirst(c *fiber.Ctx) error {
	if c.Method() == fiber.MethodGet {
		return c.Redirect("/signin?next="+safeNext(c.OriginalURL()), fiber.StatusSeeOther)
	}
	return errSignIn
}

func (s *Server) logPanic(c *fiber.Ctx, e any) {
	s.log.Error("panic", "route", c.Route().Path, "request_id", requestIDOf(c), "panic", e)
}
