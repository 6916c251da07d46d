package server

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"slices"
	"strings"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/secret"
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
	Easy        bool // email in Easy Read
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
		Languages: locales.Languages, Language: lang, Mail: s.deps.Notify.MailEnabled(),
		Easy: pr.EasyRead || (pr.UpdatedAt.IsZero() && s.tr(c).Easy)}), nil // never chose: as they read now
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
	if err == nil {
		err = s.deps.Notify.SetEasyRead(c.UserContext(), principal(c), c.FormValue("easy_read") == "on")
	}
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

// rememberEasyRead keeps a signed-in person's last press of the Easy Read
// switch for the email Chorus sends them. The page works whatever happens
// here: a failure is logged.
func (s *Server) rememberEasyRead(c *fiber.Ctx, choice string) {
	p := principal(c)
	if p == nil || s.deps.Notify == nil || (choice != "on" && choice != "off") {
		return
	}
	if err := s.deps.Notify.SetEasyRead(c.UserContext(), p, choice == "on"); err != nil {
		s.log.Warn("remember easy read", "error", err.Error())
	}
}

// oneClickPrefix and oneClickSuffix frame the RFC 8058 one-click
// unsubscribe address, /unsubscribe/<token>/one-click.
const (
	oneClickPrefix = "/unsubscribe/"
	oneClickSuffix = "/one-click"
)

// isOneClick reports whether a path is exactly a one-click unsubscribe
// address (the case, a trailing slash or a further segment make it
// something else, which keeps the CSRF check).
func isOneClick(path string) bool {
	rest, ok := strings.CutPrefix(path, oneClickPrefix)
	if !ok {
		return false
	}
	token, ok := strings.CutSuffix(rest, oneClickSuffix)
	return ok && token != "" && !strings.Contains(token, "/")
}

// errOneClick: a POST to the one-click address without RFC 8058's body.
var errOneClick = fiber.NewError(fiber.StatusBadRequest, "List-Unsubscribe=One-Click expected")

// handleUnsubscribeOneClick is RFC 8058's one-click unsubscribe: a mail
// provider's own "Unsubscribe" button POSTs "List-Unsubscribe=One-Click" to
// the List-Unsubscribe address, without cookies, a form token or an Origin.
// The CSRF check lets exactly this route through (see csrf): the signed
// token in the address is the whole authority, and all it can do is turn
// its one person's email off, which is what a forged request would want
// least. A tampered token changes nothing.
func (s *Server) handleUnsubscribeOneClick(c *fiber.Ctx) error {
	if s.deps.Notify == nil {
		return fiber.ErrNotFound
	}
	if c.FormValue("List-Unsubscribe") != "One-Click" {
		return errOneClick
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

// mailAdminData is the administrators' page of emails not sent.
type mailAdminData struct {
	Mail   bool
	Emails []mailRow
}

// mailRow is one email: never its body, which is composed when sent.
type mailRow struct {
	*notify.Delivery
	To     string
	Failed bool // tried as often as the sweep does: only a person retries it now
	Retry  bool // may be tried again now
}

// handleMailAdmin lists the emails that failed after every retry and those
// waiting for one, with the last error, for installation administrators.
func (s *Server) handleMailAdmin(c *fiber.Ctx) error {
	if s.deps.Notify == nil {
		return fiber.ErrNotFound
	}
	list, err := s.deps.Notify.Undelivered(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	d := mailAdminData{Mail: s.deps.Notify.MailEnabled()}
	for _, x := range list {
		row := mailRow{Delivery: x, Failed: x.Attempts >= notify.MaxAttempts, Retry: d.Mail && x.Attempts > 0}
		if u, err := s.deps.Notify.Recipient(c.UserContext(), x); err == nil {
			row.To = u.Email
		} else if !errors.Is(err, forum.ErrNotFound) {
			return err
		}
		d.Emails = append(d.Emails, row)
	}
	pg, _, err := s.adminPage(c, "mail.admin.title")
	if err != nil {
		return err
	}
	pg.Data = d
	return s.render(c, fiber.StatusOK, "admin_email", pg)
}

// handleMailRetry tries one email again now and says how it went.
func (s *Server) handleMailRetry(c *fiber.Ctx) error {
	if s.deps.Notify == nil {
		return fiber.ErrNotFound
	}
	d, err := s.deps.Notify.RetryNow(c.UserContext(), principal(c), c.FormValue("key"))
	switch {
	case errors.Is(err, notify.ErrRetryBusy):
		s.flash(c, "mail.admin.busy")
	case errors.Is(err, notify.ErrRetrySent):
		s.flash(c, "mail.admin.already_sent")
	case err != nil:
		return err
	case d.SentAt.IsZero():
		s.flash(c, "mail.admin.failed")
	default:
		s.flash(c, "mail.admin.sent")
	}
	return c.Redirect("/admin/email", fiber.StatusSeeOther)
}

// tellInvitees puts an invitation in the notification centre (and so in
// the email) of the people with an account whom its note names. The
// notification carries the link sealed under the installation secret:
// only this server opens it, for that person, and the store never holds a
// usable token. Failing to tell them never fails the invitation, which the
// inviter has on screen.
func (s *Server) tellInvitees(c *fiber.Ctx, inv *account.Invitation, token string) {
	if s.deps.Notify == nil || s.deps.Forums == nil || inv == nil {
		return
	}
	ctx, p := c.UserContext(), principal(c)
	ids, err := s.deps.Notify.Invitees(ctx, inv, p.User.ID)
	if err == nil && len(ids) > 0 {
		var name string
		if name, err = s.deps.Accounts.ScopeName(ctx, inv.Scope); err == nil {
			if name == "" {
				name = "Chorus"
			}
			err = s.deps.Forums.Notify(ctx, forum.Notice{Kind: forum.NoticeInvitation, Title: name, Ref: s.sealRef(token)}, ids, p.User.ID)
		}
	}
	if err != nil {
		s.log.Warn("tell invitees", "error", err.Error())
	}
}

// handleInvitationNotice opens the invitation an invitation notification
// carries, for the person it was for: marked read, then on to the
// invitation's own page (which says when it is used, revoked or expired).
func (s *Server) handleInvitationNotice(c *fiber.Ctx) error {
	if s.deps.Notify == nil {
		return fiber.ErrNotFound
	}
	p := principal(c)
	n, err := s.deps.Notify.Notification(c.UserContext(), p, c.Params("id"))
	if err != nil {
		return err
	}
	token, ok := s.openRef(n.Ref)
	if n.Kind != forum.NoticeInvitation || !ok {
		return forum.ErrNotFound
	}
	if err := s.deps.Forums.MarkOneRead(c.UserContext(), p, n.ID); err != nil {
		return err
	}
	return c.Redirect("/invitations/"+token, fiber.StatusSeeOther)
}

func init() {
	forum.RegisterNoticeLink(forum.NoticeInvitation, func(n *forum.Notification) string {
		return "/notifications/" + n.ID + "/invitation"
	})
}

// refCipher is AES-GCM under a key derived from the installation secret.
func (s *Server) refCipher() cipher.AEAD {
	key := sha256.Sum256([]byte("chorus notice ref|" + string(s.opts.Secret)))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err) // a 32-byte key always makes a cipher
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

// sealRef encrypts a link's token for a notification's Ref.
func (s *Server) sealRef(token string) string {
	aead := s.refCipher()
	nonce := secret.Bytes(aead.NonceSize())
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(token), nil))
}

// openRef decrypts a sealed Ref; false when it was not sealed here.
func (s *Server) openRef(ref string) (string, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(ref)
	aead := s.refCipher()
	if err != nil || len(raw) < aead.NonceSize() {
		return "", false
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], nil)
	if err != nil {
		return "", false
	}
	return string(plain), true
}
