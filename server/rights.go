package server

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"

	"chorus/account"
	"chorus/audit"
	"chorus/forum"
	"chorus/steering"
)

// personalData is the data-rights download: everything Chorus holds about
// one person, gathered from each domain. Its field names are documented in
// docs/operations.md ("Data rights") and do not change without a new
// Format.
type personalData struct {
	Format        string                   `json:"format"` // "chorus-personal-data/1"
	MadeAt        time.Time                `json:"made_at"`
	Account       *account.PersonalAccount `json:"account"`
	Forums        *forum.PersonalForums    `json:"forums"`
	Preferences   *personalPreferences     `json:"notification_preferences"`
	SteeringSeats []steering.PersonalSeat  `json:"steering_seats"`
	Audit         []personalAudit          `json:"audit"`
}

type personalPreferences struct {
	Frequency string   `json:"frequency"`
	Muted     []string `json:"muted"`
}

// personalAudit is an audit entry where the person acted: what, on what,
// when; never others' content.
type personalAudit struct {
	Action  string    `json:"action"`
	Subject string    `json:"subject"`
	At      time.Time `json:"at"`
}

// personalData gathers what each domain holds about p.
func (s *Server) personalData(ctx context.Context, p *account.Principal) (*personalData, error) {
	out := &personalData{Format: "chorus-personal-data/1", MadeAt: time.Now().UTC(), SteeringSeats: []steering.PersonalSeat{}, Audit: []personalAudit{}}
	var err error
	if out.Account, err = s.deps.Accounts.PersonalData(ctx, p); err != nil {
		return nil, err
	}
	if out.Forums, err = s.deps.Forums.PersonalData(ctx, p); err != nil {
		return nil, err
	}
	if s.deps.Notify != nil {
		pr, err := s.deps.Notify.Preferences(ctx, p)
		if err != nil {
			return nil, err
		}
		out.Preferences = &personalPreferences{Frequency: string(pr.Frequency), Muted: []string{}}
		for _, k := range pr.Muted {
			out.Preferences.Muted = append(out.Preferences.Muted, string(k))
		}
	}
	if s.deps.Steering != nil {
		if out.SteeringSeats, err = s.deps.Steering.PersonalData(ctx, p); err != nil {
			return nil, err
		}
	}
	var before int64
	for {
		es, err := s.deps.Audit.List(ctx, audit.Filter{ActorID: p.User.ID, Before: before, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			out.Audit = append(out.Audit, personalAudit{Action: e.Action, Subject: e.Subject, At: e.At})
			before = e.Seq
		}
		if len(es) < 500 {
			break
		}
	}
	return out, nil
}

// handlePersonalData sends the signed-in person one JSON file of what
// Chorus holds about them. It is a POST (with the form key) although it
// changes nothing but the audit log, so that no other site can make a
// browser fetch it.
func (s *Server) handlePersonalData(c *fiber.Ctx) error {
	p := principal(c)
	ctx := c.UserContext()
	d, err := s.personalData(ctx, p)
	if err != nil {
		return err
	}
	body, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	if err := s.deps.Audit.Record(ctx, audit.Entry{ActorID: p.User.ID, Action: "rights.download", Subject: "user:" + p.User.ID}); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="chorus-personal-data.json"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusOK).Send(body)
}
