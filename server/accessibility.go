package server

import (
	"time"

	"github.com/gofiber/fiber/v2"
)

// statementPrepared is when the accessibility statement was written; change
// it when the statement's findings change.
var statementPrepared = time.Date(2026, time.November, 24, 0, 0, 0, 0, time.UTC)

type accessibilityData struct {
	Contact  string // whom to ask for another format or tell of a problem (CHORUS_PRIVACY_CONTACT)
	Prepared time.Time
}

// handleAccessibility shows the accessibility statement, in the form the NHS
// service manual and GOV.UK's model statement use: what people can do, what
// is not yet accessible, how to ask for another format or report a problem,
// the enforcement procedure, the compliance status, and how it was tested.
func (s *Server) handleAccessibility(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "accessibility", s.page(c, "accessibility.title",
		accessibilityData{Contact: s.opts.Privacy.Contact, Prepared: statementPrepared}))
}
