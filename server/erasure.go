package server

import (
	"context"
	"encoding/json"

	"github.com/gofiber/fiber/v2"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/fault"
	"chorus/notify"
)

// Erasure (data rights): a signed-in person asks, installation
// administrators carry the request out or refuse it with a reason. The
// account domain keeps the requests; carrying one out asks each domain to
// forget the person (forum, steering, email records, the live event log),
// the account last. The rules are the domains'; this file only puts them
// together, as personalData does for the download.

// erasureData is the person's erasure page.
type erasureData struct {
	Requests []*account.ErasureRequest
	Open     bool // a request waits: no new one
	Mail     bool // email is on: they will be told by email
}

func (s *Server) erasurePage(c *fiber.Ctx) (*Page, error) {
	list, err := s.deps.Accounts.MyErasureRequests(c.UserContext(), principal(c))
	if err != nil {
		return nil, err
	}
	d := erasureData{Requests: list, Mail: s.deps.Notify.MailEnabled()}
	for _, r := range list {
		d.Open = d.Open || r.Open()
	}
	return s.page(c, "erasure.title", d), nil
}

// handleErasure shows the person what an erasure removes and keeps, their
// requests, and the form to ask.
func (s *Server) handleErasure(c *fiber.Ctx) error {
	pg, err := s.erasurePage(c)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "erasure", pg)
}

// handleErasureRequest records a request and tells the installation's
// administrators (the notification names nobody).
func (s *Server) handleErasureRequest(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := principal(c)
	r, err := s.deps.Accounts.RequestErasure(ctx, p, c.FormValue("confirm") == "yes")
	if err != nil {
		return s.erasureFormError(c, err)
	}
	admins, err := s.deps.Accounts.InstallationAdmins(ctx)
	if err != nil {
		return err
	}
	if err := s.deps.Forums.Notify(ctx, forum.Notice{Kind: forum.NoticeErasure, Ref: "admin"}, admins, p.User.ID); err != nil {
		s.log.Warn("erasure notice", "request", r.ID, "error", err.Error())
	}
	s.flash(c, "erasure.requested")
	return c.Redirect("/account/erasure", fiber.StatusSeeOther)
}

// handleErasureWithdraw withdraws one of the person's own open requests.
func (s *Server) handleErasureWithdraw(c *fiber.Ctx) error {
	if err := s.deps.Accounts.WithdrawErasure(c.UserContext(), principal(c), c.Params("id")); err != nil {
		return s.erasureFormError(c, err)
	}
	s.flash(c, "erasure.withdrawn")
	return c.Redirect("/account/erasure", fiber.StatusSeeOther)
}

func (s *Server) erasureFormError(c *fiber.Ctx, err error) error {
	pg, perr := s.erasurePage(c)
	if perr != nil {
		return perr
	}
	if pg.withForm(c, nil, err) {
		return s.render(c, statusOf(err), "erasure", pg)
	}
	return err
}

// adminErasureData is the administrators' erasure page.
type adminErasureData struct {
	Open    []adminErasureCase
	Handled []adminErasureCase
}

type adminErasureCase struct {
	account.ErasureCase
	Holds int // the person's posts held for safeguarding
}

func (s *Server) adminErasurePage(c *fiber.Ctx) (*Page, error) {
	ctx := c.UserContext()
	cases, err := s.deps.Accounts.ErasureRequests(ctx, principal(c))
	if err != nil {
		return nil, err
	}
	d := &adminErasureData{}
	for _, ec := range cases {
		ac := adminErasureCase{ErasureCase: ec}
		if ec.Request.Open() {
			if ec.User != nil {
				if ac.Holds, err = s.deps.Forums.ErasureHolds(ctx, ec.User.ID); err != nil {
					return nil, err
				}
			}
			d.Open = append(d.Open, ac)
		} else {
			d.Handled = append(d.Handled, ac)
		}
	}
	pg := s.page(c, "erasure.admin.title", d)
	pg.Wide = true
	return pg, nil
}

// handleAdminErasure lists the requests for installation administrators.
func (s *Server) handleAdminErasure(c *fiber.Ctx) error {
	pg, err := s.adminErasurePage(c)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "erasure_admin", pg)
}

func (s *Server) adminErasureError(c *fiber.Ctx, err error) error {
	pg, perr := s.adminErasurePage(c)
	if perr != nil {
		return perr
	}
	if pg.withForm(c, []string{"reason"}, err) {
		pg.Form["request"] = c.Params("id")
		return s.render(c, statusOf(err), "erasure_admin", pg)
	}
	return err
}

var errErasureCarryConfirm = fault.InvalidField("confirm", "erasure.error.carry_confirm")

// handleErasureCarryOut carries a request out.
func (s *Server) handleErasureCarryOut(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := principal(c)
	if _, err := s.deps.Accounts.ErasureCase(ctx, p, c.Params("id")); err != nil {
		return err
	}
	if c.FormValue("confirm") != "yes" {
		return s.adminErasureError(c, errErasureCarryConfirm)
	}
	if err := s.carryOutErasure(ctx, p, c.Params("id")); err != nil {
		return s.adminErasureError(c, err)
	}
	s.flash(c, "erasure.admin.done")
	return c.Redirect("/admin/erasure", fiber.StatusSeeOther)
}

// handleErasureRefuse refuses a request with a reason, and tells the
// person in the notification centre and, when email is on, by email.
func (s *Server) handleErasureRefuse(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := principal(c)
	if _, err := s.deps.Accounts.ErasureCase(ctx, p, c.Params("id")); err != nil {
		return err
	}
	r, err := s.deps.Accounts.RefuseErasure(ctx, p, c.Params("id"), c.FormValue("reason"))
	if err != nil {
		return s.adminErasureError(c, err)
	}
	if err := s.deps.Forums.Notify(ctx, forum.Notice{Kind: forum.NoticeErasure, Note: r.Reason}, []string{r.UserID}, p.User.ID); err != nil {
		s.log.Warn("erasure notice", "request", r.ID, "error", err.Error())
	}
	if u, err := s.deps.Accounts.UserByID(ctx, p, r.UserID); err == nil {
		if err := s.deps.Notify.TellErasure(ctx, u.User, notify.ErasureRefused); err != nil {
			s.log.Warn("erasure email", "request", r.ID, "error", err.Error())
		}
	}
	s.flash(c, "erasure.admin.refused")
	return c.Redirect("/admin/erasure", fiber.StatusSeeOther)
}

// liveScrubber is a live event log that can empty stored events naming an
// erased person (both store adapters can).
type liveScrubber interface {
	ScrubLiveEvents(ctx context.Context, needles [][]byte) (int, error)
}

// carryOutErasure erases a person: the forums erase their named issues and
// comments (tombstones stay) and forget them, steering groups keep their
// papers under "Former member", email records go, stored live events that
// named them are emptied, their live connections close, and last the
// account becomes a disabled former member's. They are emailed first, if
// email is on: afterwards there is no address. A person whose posts are
// held for safeguarding is not erased: the administrator refuses or waits,
// with a reason. Every step can run again, so a run cut short is finished
// by pressing the button again.
func (s *Server) carryOutErasure(ctx context.Context, by *account.Principal, id string) error {
	r, u, err := s.deps.Accounts.StartErasure(ctx, by, id)
	if err != nil {
		return err
	}
	if held, err := s.deps.Forums.ErasureHolds(ctx, u.ID); err != nil {
		return err
	} else if held > 0 {
		return forum.ErrSafeguardingHold
	}
	var needles [][]byte
	if u.ID != r.FormerID { // not a run finishing after the account was forgotten
		if needles, err = s.erasureNeedles(ctx, u); err != nil {
			return err
		}
		if err := s.deps.Notify.TellErasure(ctx, u, notify.ErasureCarriedOut); err != nil {
			s.log.Warn("erasure email", "request", r.ID, "error", err.Error())
		}
	}
	if _, err := s.deps.Forums.ErasePerson(ctx, by, u.ID, r.FormerID, account.FormerMember); err != nil {
		return err
	}
	if s.deps.Steering != nil {
		if err := s.deps.Steering.ForgetPerson(ctx, by, u.ID, r.FormerID, account.FormerMember, []string{u.Name}); err != nil {
			return err
		}
	}
	if s.deps.Notify != nil {
		if err := s.deps.Notify.ForgetPerson(ctx, u.ID); err != nil {
			return err
		}
	}
	if ls, ok := s.deps.LiveLog.(liveScrubber); ok && len(needles) > 0 {
		if _, err := ls.ScrubLiveEvents(ctx, needles); err != nil {
			return err
		}
	}
	if s.live != nil {
		uid := u.ID
		s.live.hub.Disconnect(func(v any) bool {
			q, ok := v.(*account.Principal)
			return ok && q.User != nil && q.User.ID == uid
		})
	}
	return s.deps.Accounts.FinishErasure(ctx, by, r, u)
}

// erasureNeedles are what marks a stored live event as the person's: their
// ID and email address, their names (account, forum display names, seat
// names) and the IDs of their comments, names and IDs as the JSON strings
// the events hold them in.
func (s *Server) erasureNeedles(ctx context.Context, u *account.User) ([][]byte, error) {
	d, err := s.personalData(ctx, &account.Principal{User: u})
	if err != nil {
		return nil, err
	}
	out := [][]byte{[]byte(u.ID), []byte(u.Email)}
	quoted := func(v string) {
		if v == "" {
			return
		}
		b, err := json.Marshal(v)
		if err == nil {
			out = append(out, b)
		}
	}
	quoted(u.Name)
	for _, m := range d.Forums.Memberships {
		quoted(m.DisplayName)
	}
	for _, seat := range d.SteeringSeats {
		quoted(seat.Name)
	}
	for _, c := range d.Forums.Comments {
		quoted(c.ID)
		quoted(c.AuthorName)
	}
	for _, i := range d.Forums.Issues {
		quoted(i.AuthorName)
	}
	return out, nil
}
