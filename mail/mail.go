// Package mail is the SMTP adapter: it sends notify's messages through the
// server named by CHORUS_SMTP_URL, using go-mail for the MIME (a plain-text
// part with an HTML alternative) and for the SMTP conversation.
package mail

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"chorus/notify"

	gomail "github.com/wneessen/go-mail"
)

// Sender sends email through one SMTP server.
type Sender struct {
	host string
	from string
	opts []gomail.Option
}

var _ notify.Sender = (*Sender)(nil)

// New reads an SMTP URL:
//
//	smtp://user:pass@host:587?from=chorus@example.org    STARTTLS required (the default port is 587)
//	smtps://user:pass@host:465?from=...                   TLS from the start
//	smtp://host:25?from=...&tls=none                      no TLS (a relay on the same machine; tests)
//	smtp://host:25?from=...&tls=opportunistic             STARTTLS when offered
//
// The error never repeats the URL, which may hold a password.
func New(raw string) (*Sender, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("CHORUS_SMTP_URL is not a URL")
	}
	q := u.Query()
	s := &Sender{host: u.Hostname(), from: q.Get("from")}
	if s.host == "" {
		return nil, errors.New("CHORUS_SMTP_URL names no host")
	}
	if s.from == "" {
		return nil, errors.New("CHORUS_SMTP_URL needs ?from=address")
	}
	port := 587
	switch u.Scheme {
	case "smtp":
	case "smtps":
		port = 465
		s.opts = append(s.opts, gomail.WithSSL())
	default:
		return nil, errors.New("CHORUS_SMTP_URL must start smtp:// or smtps://")
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, errors.New("CHORUS_SMTP_URL has a port that is not a number")
		}
	}
	s.opts = append(s.opts, gomail.WithPort(port), gomail.WithTimeout(20*time.Second))
	if u.Scheme == "smtp" {
		policy := gomail.TLSMandatory
		switch q.Get("tls") {
		case "none":
			policy = gomail.NoTLS
		case "opportunistic":
			policy = gomail.TLSOpportunistic
		case "", "required":
		default:
			return nil, errors.New("CHORUS_SMTP_URL: tls must be required, opportunistic or none")
		}
		s.opts = append(s.opts, gomail.WithTLSPolicy(policy))
	}
	if u.User != nil {
		pass, _ := u.User.Password()
		s.opts = append(s.opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	if err := gomail.NewMsg().From(s.from); err != nil {
		return nil, errors.New("CHORUS_SMTP_URL: from is not an email address")
	}
	return s, nil
}

// From is the sender address.
func (s *Sender) From() string { return s.from }

// Send sends one message.
func (s *Sender) Send(ctx context.Context, m *notify.Message) error {
	msg := gomail.NewMsg()
	if err := msg.FromFormat("Chorus", s.from); err != nil {
		return fmt.Errorf("mail: from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("mail: to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetGenHeader(gomail.HeaderContentLang, m.Lang)
	if m.Unsubscribe != "" {
		// RFC 8058: a mail provider's "Unsubscribe" button POSTs
		// "List-Unsubscribe=One-Click" to the address, with no cookie and no
		// form token; the signed token in the address is the authority.
		// (The provider trusts the pair only under a DKIM signature that
		// covers both headers: the outgoing mail server's job.)
		msg.SetGenHeader(gomail.HeaderListUnsubscribe, "<"+m.Unsubscribe+">")
		msg.SetGenHeader(gomail.Header("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click")
	}
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetMessageID()
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail: send: %w", err)
	}
	return nil
}
