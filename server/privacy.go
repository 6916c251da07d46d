package server

import "github.com/gofiber/fiber/v2"

// Privacy is what the privacy notice says that depends on the
// installation's configuration: the retention periods in force (0: kept
// for ever) and whom to ask for a copy or erasure.
type Privacy struct {
	Contact          string // CHORUS_PRIVACY_CONTACT; empty: ask the forum's facilitator
	FollowUpMonths   int    // CHORUS_RETAIN_FOLLOWUP_MONTHS
	AuditMonths      int    // CHORUS_RETAIN_AUDIT_MONTHS
	NotificationDays int    // CHORUS_RETAIN_NOTIFICATIONS_DAYS
}

type privacyData struct {
	Privacy
	Email bool // email is configured, so email records are kept
}

// handlePrivacy shows the privacy notice, made from the configuration.
func (s *Server) handlePrivacy(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "privacy", s.page(c, "privacy.title",
		privacyData{Privacy: s.opts.Privacy, Email: s.deps.Notify.MailEnabled()}))
}
