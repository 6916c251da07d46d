package server

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image/png"
	"net/url"
	"strconv"
	"strings"
	"time"

	"chorus/account"
	"chorus/internal/fault"
	"chorus/internal/secret"

	"github.com/gofiber/fiber/v2"
	"github.com/pquerna/otp"
)

var errPendingGone = fault.New(fault.Gone, "signin.error.pending_gone")

// pendingCookie carries a half-finished sign-in (password accepted, code or
// MFA setup still to come): the person's ID, what is owed, the return
// address and an expiry, signed with the server secret. No session exists
// until the sign-in is complete.
const pendingCookie = "chorus_pending"

const pendingLife = 10 * time.Minute

type pending struct {
	UserID string
	Step   account.Step
	Next   string
}

func (s *Server) setPending(c *fiber.Ctx, p pending) {
	exp := time.Now().Add(pendingLife).Unix()
	msg := strings.Join([]string{p.UserID, strconv.Itoa(int(p.Step)), strconv.FormatInt(exp, 10), base64.RawURLEncoding.EncodeToString([]byte(p.Next))}, ".")
	s.setCookie(c, pendingCookie, msg+"."+secret.Sign(s.opts.Secret, "pending|"+msg), int(pendingLife.Seconds()))
}

func (s *Server) readPending(c *fiber.Ctx, step account.Step) (pending, bool) {
	parts := strings.Split(c.Cookies(pendingCookie), ".")
	if len(parts) != 5 {
		return pending{}, false
	}
	msg := strings.Join(parts[:4], ".")
	if !secret.Verify(s.opts.Secret, "pending|"+msg, parts[4]) {
		return pending{}, false
	}
	st, err1 := strconv.Atoi(parts[1])
	exp, err2 := strconv.ParseInt(parts[2], 10, 64)
	next, err3 := base64.RawURLEncoding.DecodeString(parts[3])
	if err1 != nil || err2 != nil || err3 != nil || time.Now().Unix() > exp || account.Step(st) != step {
		return pending{}, false
	}
	return pending{UserID: parts[0], Step: step, Next: string(next)}, true
}

// signInData is the sign-in page: where to go next, and whether a
// forgotten password can be reset by email.
type signInData struct {
	Next string
	Mail bool
}

func (s *Server) handleSignInForm(c *fiber.Ctx) error {
	if principal(c) != nil {
		return c.Redirect("/account", fiber.StatusSeeOther)
	}
	return s.render(c, fiber.StatusOK, "signin", s.page(c, "signin.title", signInData{Next: localNext(c.Query("next")), Mail: s.deps.Notify.MailEnabled()}))
}

func (s *Server) handleSignIn(c *fiber.Ctx) error {
	next := localNext(c.FormValue("next"))
	u, step, err := s.deps.Accounts.SignIn(c.UserContext(), c.FormValue("email"), c.FormValue("password"))
	if err != nil {
		p := s.page(c, "signin.title", signInData{Next: next, Mail: s.deps.Notify.MailEnabled()})
		if p.withForm(c, []string{"email"}, err) {
			return s.render(c, statusOf(err), "signin", p)
		}
		return err
	}
	return s.continueSignIn(c, u.ID, step, next)
}

// continueSignIn starts the session, or asks for what is still owed.
func (s *Server) continueSignIn(c *fiber.Ctx, userID string, step account.Step, next string) error {
	switch step {
	case account.StepTOTP:
		s.setPending(c, pending{UserID: userID, Step: step, Next: next})
		return c.Redirect("/signin/code", fiber.StatusSeeOther)
	case account.StepEnrolMFA:
		s.setPending(c, pending{UserID: userID, Step: step, Next: next})
		return c.Redirect("/signin/mfa-setup", fiber.StatusSeeOther)
	}
	return s.startSession(c, userID, next)
}

// startSession replaces any earlier session with a new one (a new ID on
// every sign-in) and goes on to next.
func (s *Server) startSession(c *fiber.Ctx, userID, next string) error {
	if err := s.deps.Accounts.SignOut(c.UserContext(), c.Cookies(s.sessionCookie())); err != nil {
		return err
	}
	token, err := s.deps.Accounts.StartSession(c.UserContext(), userID)
	if err != nil {
		return err
	}
	s.setCookie(c, s.sessionCookie(), token, 0)
	s.clearCookie(c, pendingCookie)
	if next == "" {
		next = "/account"
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

func (s *Server) handleCodeForm(c *fiber.Ctx) error {
	if _, ok := s.readPending(c, account.StepTOTP); !ok {
		return c.Redirect("/signin", fiber.StatusSeeOther)
	}
	return s.render(c, fiber.StatusOK, "signin_code", s.page(c, "signin.code.title", nil))
}

func (s *Server) handleCode(c *fiber.Ctx) error {
	pd, ok := s.readPending(c, account.StepTOTP)
	if !ok {
		return c.Redirect("/signin", fiber.StatusSeeOther)
	}
	if err := s.deps.Accounts.CheckTOTP(c.UserContext(), pd.UserID, c.FormValue("code")); err != nil {
		p := s.page(c, "signin.code.title", nil)
		if p.withForm(c, nil, err) {
			return s.render(c, statusOf(err), "signin_code", p)
		}
		return err
	}
	return s.startSession(c, pd.UserID, pd.Next)
}

// enrolData is the multi-factor setup page: the secret to type or scan.
type enrolData struct {
	Secret string
	URL    string
	QR     string // data: URL of a PNG
	Action string
}

func (s *Server) enrolPage(c *fiber.Ctx, u *account.User, action, key string) (*Page, error) {
	if key == "" {
		k, err := s.deps.Accounts.NewTOTPKey(u)
		if err != nil {
			return nil, err
		}
		key = k.Secret()
	}
	q := url.Values{"secret": {key}, "issuer": {"Chorus"}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	d := enrolData{Secret: key, Action: action, URL: "otpauth://totp/Chorus:" + url.PathEscape(u.Email) + "?" + q.Encode()}
	if k, err := otp.NewKeyFromURL(d.URL); err == nil {
		if img, err := k.Image(220, 220); err == nil {
			var buf bytes.Buffer
			if png.Encode(&buf, img) == nil {
				d.QR = "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
			}
		}
	}
	return s.page(c, "mfa.setup.title", d), nil
}

func (s *Server) pendingUser(c *fiber.Ctx, step account.Step) (*account.User, pending, error) {
	pd, ok := s.readPending(c, step)
	if !ok {
		return nil, pd, errPendingGone
	}
	u, err := s.deps.Accounts.PendingUser(c.UserContext(), pd.UserID)
	return u, pd, err
}

func (s *Server) handleEnrolForm(c *fiber.Ctx) error {
	u, _, err := s.pendingUser(c, account.StepEnrolMFA)
	if errors.Is(err, errPendingGone) {
		return c.Redirect("/signin", fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	p, err := s.enrolPage(c, u, "/signin/mfa-setup", "")
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "mfa_setup", p)
}

func (s *Server) handleEnrol(c *fiber.Ctx) error {
	u, pd, err := s.pendingUser(c, account.StepEnrolMFA)
	if errors.Is(err, errPendingGone) {
		return c.Redirect("/signin", fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	key := c.FormValue("secret")
	if err := s.deps.Accounts.EnableTOTP(c.UserContext(), u.ID, key, c.FormValue("code")); err != nil {
		p, perr := s.enrolPage(c, u, "/signin/mfa-setup", key)
		if perr != nil {
			return perr
		}
		if p.withForm(c, nil, err) {
			return s.render(c, statusOf(err), "mfa_setup", p)
		}
		return err
	}
	return s.startSession(c, u.ID, pd.Next)
}

func (s *Server) handleSignOut(c *fiber.Ctx) error {
	s.endLive(c)
	if err := s.deps.Accounts.SignOut(c.UserContext(), c.Cookies(s.sessionCookie())); err != nil {
		return err
	}
	s.clearCookie(c, s.sessionCookie())
	s.flash(c, "signout.done")
	return c.Redirect("/", fiber.StatusSeeOther)
}
