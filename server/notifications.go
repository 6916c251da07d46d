package server

import (
	"slices"

	"chorus/forum"
	"chorus/locales"
	"chorus/notify"

	"github.com/gofiber/fiber/v2"
)

// notificationsData is the notification centre: the list, and whether email
// can be set up (a hint to the settings when it can).
type notificationsData struct {
	*forum.Notices
	Mail bool
}

func (s *Server) handleNotifications(c *fiber.Ctx) error {
	n, err := s.deps.Forums.Notifications(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "notifications", s.page(c, "notifications.title", notificationsData{Notices: n, Mail: s.deps.Notify.MailEnabled()}))
}

func (s *Server) handleNotificationsRead(c *fiber.Ctx) error {
	if err := s.deps.Forums.MarkRead(c.UserContext(), principal(c)); err != nil {
		return err
	}
	s.flash(c, "notifications.all_read")
	return c.Redirect("/notifications", fiber.StatusSeeOther)
}

// handleNotificationRead marks one notification read and goes back to the list.
func (s *Server) handleNotificationRead(c *fiber.Ctx) error {
	if err := s.deps.Forums.MarkOneRead(c.UserContext(), principal(c), c.Params("id")); err != nil {
		return err
	}
	s.flash(c, "notifications.one_read")
	return c.Redirect("/notifications", fiber.StatusSeeOther)
}

// prefsData is the notification settings page.
type prefsData struct {
	Prefs       *notify.Preferences
	Kinds       []forum.NoticeKind
	Frequencies []notify.Frequency
	Languages   []locales.Language
	Language    string
	Mail        bool
}

// Wants reports whether a kind is chosen (for the template).
func (d prefsData) Wants(k forum.NoticeKind) bool { return !slices.Contains(d.Prefs.Muted, k) }

func (s *Server) prefsPage(c *fiber.Ctx) (*Page, error) {
	if s.deps.Notify == nil {
		return nil, fiber.ErrNotFound
	}
	p := principal(c)
	pr, err := s.deps.Notify.Preferences(c.UserContext(), p)
	if err != nil {
		return nil, err
	}
	lang := p.User.Language
	if lang == "" {
		lang = s.tr(c).Lang.Tag
	}
	return s.page(c, "notify.settings.title", prefsData{Prefs: pr, Kinds: forum.NoticeKinds, Frequencies: notify.Frequencies,
		Languages: locales.Languages, Language: lang, Mail: s.deps.Notify.MailEnabled()}), nil
}

// handleNotifyPrefs shows what the person hears about by email, how often,
// and in which language.
func (s *Server) handleNotifyPrefs(c *fiber.Ctx) error {
	pg, err := s.prefsPage(c)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "notification_settings", pg)
}

// handleNotifyPrefsSave stores the person's choices.
func (s *Server) handleNotifyPrefsSave(c *fiber.Ctx) error {
	if s.deps.Notify == nil {
		return fiber.ErrNotFound
	}
	var kinds []forum.NoticeKind
	for _, k := range c.Request().PostArgs().PeekMulti("kind") {
		kinds = append(kinds, forum.NoticeKind(k))
	}
	lang := c.FormValue("language")
	err := s.deps.Notify.SavePreferences(c.UserContext(), principal(c), notify.Frequency(c.FormValue("frequency")), kinds, lang)
	if err != nil {
		pg, perr := s.prefsPage(c)
		if perr != nil {
			return perr
		}
		if pg.withForm(c, nil, err) {
			return s.render(c, statusOf(err), "notification_settings", pg)
		}
		return err
	}
	s.setCookie(c, langCookie, lang, 365*24*3600) // the pages follow the language chosen here
	s.flash(c, "notify.settings.saved")
	return c.Redirect("/account/notifications", fiber.StatusSeeOther)
}

type unsubscribeData struct {
	Token string
	Done  bool
}

// handleUnsubscribeForm asks to confirm turning email off. It works without
// signing in: the signed token in the link names the person. The GET changes
// nothing (mail scanners open links); the button does.
func (s *Server) handleUnsubscribeForm(c *fiber.Ctx) error {
	if s.deps.Notify == nil {
		return fiber.ErrNotFound
	}
	if _, err := s.deps.Notify.CheckUnsubscribe(c.UserContext(), c.Params("token")); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "unsubscribe", s.page(c, "notify.unsubscribe.title", unsubscribeData{Token: c.Params("token")}))
}

// handleUnsubscribe turns every email off for the link's person.
func (s *Server) handleUnsubscribe(c *fiber.Ctx) error {
	if s.deps.Notify == nil {
		return fiber.ErrNotFound
	}
	if err := s.deps.Notify.Unsubscribe(c.UserContext(), c.Params("token")); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "unsubscribe", s.page(c, "notify.unsubscribe.title", unsubscribeData{Done: true}))
}

// handleForgotForm asks for the address to send a reset link to. Only
// when Chorus can send email; otherwise administrators reset passwords.
func (s *Server) handleForgotForm(c *fiber.Ctx) error {
	if !s.deps.Notify.MailEnabled() {
		return fiber.ErrNotFound
	}
	return s.render(c, fiber.StatusOK, "forgot", s.page(c, "forgot.title", nil))
}

// handleForgot sends a reset link if the address has an account, and
// answers the same either way.
func (s *Server) handleForgot(c *fiber.Ctx) error {
	if !s.deps.Notify.MailEnabled() {
		return fiber.ErrNotFound
	}
	if err := s.deps.Notify.RequestPasswordReset(c.UserContext(), c.FormValue("email"), s.tr(c).Lang.Tag); err != nil {
		return err
	}
	s.flash(c, "forgot.sent")
	return c.Redirect("/signin", fiber.StatusSeeOther)
}
