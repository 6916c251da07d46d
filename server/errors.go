package server

import (
	"errors"
	"log/slog"
	"strings"

	"chorus/internal/fault"

	"github.com/gofiber/fiber/v2"
)

var kindStatus = map[fault.Kind]int{
	fault.Internal:        fiber.StatusInternalServerError,
	fault.Invalid:         fiber.StatusBadRequest,
	fault.NotFound:        fiber.StatusNotFound,
	fault.Forbidden:       fiber.StatusForbidden,
	fault.Unauthenticated: fiber.StatusForbidden,
	fault.Conflict:        fiber.StatusConflict,
	fault.TooMany:         fiber.StatusTooManyRequests,
	fault.Unavailable:     fiber.StatusServiceUnavailable,
	fault.Gone:            fiber.StatusGone,
}

// statusMessages are the messages for errors that arrive as bare statuses
// (from Fiber itself: unknown routes, oversized bodies).
var statusMessages = map[int]string{
	fiber.StatusBadRequest:            "error.bad_request",
	fiber.StatusForbidden:             "error.forbidden",
	fiber.StatusNotFound:              "error.not_found",
	fiber.StatusMethodNotAllowed:      "error.not_found",
	fiber.StatusConflict:              "error.conflict",
	fiber.StatusGone:                  "error.gone",
	fiber.StatusRequestEntityTooLarge: "error.too_large",
	fiber.StatusTooManyRequests:       "error.too_many",
	fiber.StatusServiceUnavailable:    "error.unavailable",
	fiber.StatusInternalServerError:   "error.internal",
	fiber.StatusRequestTimeout:        "error.bad_request",
	fiber.StatusUpgradeRequired:       "error.bad_request", // the live route without a websocket
}

func statusOf(err error) int {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return fe.Code
	}
	return kindStatus[fault.KindOf(err)]
}

// errorData is what the error page shows.
type errorData struct {
	Status    int
	Message   string
	RequestID string
	SignIn    bool
}

// handleError is the one place errors become responses: a localized page, or
// JSON when the client asks for it. Internal errors are logged in full and
// shown only as "something went wrong" with a reference.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	status := statusOf(err)
	msgID := statusMessages[status]
	var f *fault.Error
	if errors.As(err, &f) && f.Kind != fault.Internal {
		msgID = f.MsgID
	}
	if msgID == "" {
		msgID = "error.internal"
		status = fiber.StatusInternalServerError
	}
	if status >= 500 {
		s.log.Error("request failed", slog.String("route", c.Route().Path), slog.Int("status", status),
			slog.String("request_id", requestIDOf(c)), slog.String("error", err.Error()))
	}
	t := s.tr(c)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentSecurityPolicy, contentSecurityPolicy)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	if status == fiber.StatusServiceUnavailable {
		c.Set(fiber.HeaderRetryAfter, "5")
	}
	if wantsJSON(c) {
		return c.Status(status).JSON(fiber.Map{"error": fiber.Map{"status": status, "code": msgID, "message": t.M(msgID), "request_id": requestIDOf(c)}})
	}
	p := s.page(c, "error.title", errorData{Status: status, Message: t.M(msgID), RequestID: requestIDOf(c),
		SignIn: fault.KindOf(err) == fault.Unauthenticated})
	if rerr := s.render(c, status, "error", p); rerr != nil {
		s.log.Error("error page failed", slog.String("error", rerr.Error()))
		return c.Status(status).SendString(t.M(msgID))
	}
	return nil
}

func wantsJSON(c *fiber.Ctx) bool {
	if strings.HasPrefix(c.Path(), "/api/") {
		return true
	}
	accept := c.Get(fiber.HeaderAccept)
	return strings.Contains(accept, fiber.MIMEApplicationJSON) && !strings.Contains(accept, fiber.MIMETextHTML)
}
