package server

import (
	"context"

	"chorus/audit"
	"chorus/forum"

	"github.com/gofiber/fiber/v2"
)

// forumAuditData is what a forum's audit page shows.
type forumAuditData struct {
	Forum *forum.Forum
	Audit *auditView
}

// handleForumAudit shows a forum's audit trail to its facilitators and its
// organisation's administrators.
func (s *Server) handleForumAudit(c *fiber.Ctx) error {
	d, src, f, label, err := s.forumAudit(c)
	if d == nil {
		return err
	}
	pg := s.page(c, "audit.forum.title", d)
	pg.Wide = true
	switch {
	case err == nil:
		names := map[string]string{d.Forum.ID: d.Forum.Name}
		if err := s.auditPage(c, d.Audit, src, f, "/forums/"+d.Forum.ID+"/audit", label, names); err != nil {
			return err
		}
	case auditFormError(pg, err):
		return s.render(c, fiber.StatusBadRequest, "forum_audit", pg)
	default:
		return err
	}
	return s.render(c, fiber.StatusOK, "forum_audit", pg)
}

// handleForumAuditExport sends a forum's filtered trail as CSV or JSON.
func (s *Server) handleForumAuditExport(format string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		_, src, f, label, err := s.forumAudit(c)
		if err != nil {
			return err
		}
		return s.exportAudit(c, src, f, format, "chorus-forum-audit", label)
	}
}

// forumAudit checks that the person may read the forum's trail and reads
// the filter form. It returns nil data when the page cannot be shown at
// all, and data with an error when only the filter is wrong.
func (s *Server) forumAudit(c *fiber.Ctx) (*forumAuditData, auditSource, audit.Filter, func(*audit.Entry) string, error) {
	ctx, v := c.UserContext(), s.viewer(c)
	fm, err := s.deps.Forums.CanFacilitate(ctx, v, c.Params("id"))
	if err != nil {
		return nil, nil, audit.Filter{}, nil, err
	}
	members, err := s.deps.Forums.Members(ctx, v, fm.ID)
	if err != nil {
		return nil, nil, audit.Filter{}, nil, err
	}
	form, f, formErr := s.readAuditForm(c)
	form.Forum = "" // the forum is the page's own
	d := &forumAuditData{Forum: fm, Audit: &auditView{Form: form, PickActor: true}}
	names := map[string]string{}
	for _, m := range members {
		names[m.UserID] = m.DisplayName
		if m.Role == forum.RoleFacilitator {
			d.Audit.Actors = append(d.Audit.Actors, m)
		}
	}
	f.Forum, f.ActorID = fm.ID, form.Actor
	// The people in a forum's trail are named as the forum knows them;
	// anyone else who acted (an administrator) is not named to facilitators.
	other := s.tr(c).M("audit.actor.other")
	label := func(e *audit.Entry) string {
		if e.ActorID == "" {
			return ""
		}
		if n, ok := names[e.ActorID]; ok {
			return n
		}
		return other
	}
	src := func(ctx context.Context, f audit.Filter) ([]*audit.Entry, error) {
		return s.deps.Forums.AuditTrail(ctx, v, fm.ID, f)
	}
	return d, src, f, label, formErr
}
