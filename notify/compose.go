package notify

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"chorus/account"
	"chorus/forum"
	"chorus/internal/fault"
	"chorus/locales"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

//go:embed templates
var templateFiles embed.FS

var (
	htmlTemplates = htmltemplate.Must(htmltemplate.ParseFS(templateFiles, "templates/*.html"))
	textTemplates = texttemplate.Must(texttemplate.ParseFS(templateFiles, "templates/*.txt"))
)

// Tr translates an email's words into its recipient's language.
type Tr struct {
	Lang locales.Language
	// Easy: the recipient wants Easy Read. The email takes the Easy Read
	// layout (one thing per line, larger type, the link on its own line);
	// in English the words also come from the Easy Read message set, as on
	// the pages.
	Easy bool
	loc  *i18n.Localizer
}

func (s *Service) tr(tag string, easy bool) *Tr {
	l, ok := locales.Lookup(tag)
	if !ok {
		l = locales.Languages[0]
	}
	t := &Tr{Lang: l, Easy: easy, loc: i18n.NewLocalizer(s.bundle, l.Tag, "en")}
	if easy && l.Tag == "en" {
		t.loc = i18n.NewLocalizer(s.easy, "en")
	}
	return t
}

// M returns message id filled with key/value pairs.
func (t *Tr) M(id string, kv ...any) string {
	data := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		data[fmt.Sprint(kv[i])] = kv[i+1]
	}
	msg, err := t.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil && msg == "" {
		return id
	}
	return msg
}

// N returns the plural form of message id for n, which the message has as
// {{.Count}}.
func (t *Tr) N(id string, n int) string {
	msg, err := t.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: map[string]any{"Count": n}, PluralCount: n})
	if err != nil && msg == "" {
		return id
	}
	return msg
}

// Item is one line of an email: what happened, and where to read it.
type Item struct {
	What string
	Link string
}

// mailData is what every email template receives.
type mailData struct {
	T           *Tr
	Name        string
	Intro       string
	Items       []Item
	More        string // how many more a long digest leaves for the page
	Page        string // the Notifications page, when More is set
	Link        string // the reset link
	Settings    string
	Unsubscribe string // the page with the button (in the body)
	OneClick    string // the RFC 8058 address (in List-Unsubscribe)
	Why         string
}

// what says in words what a notification is about. Neither the issue's
// title nor a facilitator's reason goes into an email: mail passes through
// other people's servers, and the page, after signing in, has the rest.
func what(t *Tr, n *forum.Notification) string {
	if n.Kind == forum.NoticeStatus {
		return t.M("notifications.status", "Status", t.M("status."+string(n.Status)))
	}
	return t.M("notifications." + string(n.Kind))
}

// subjectOf is a subject line that says nothing sensitive: only whether the
// email is about an issue the person follows, their own post, or something
// they look after.
func subjectOf(k forum.NoticeKind) string {
	switch k {
	case forum.NoticeHeld, forum.NoticeReleased, forum.NoticeHidden, forum.NoticeRestored, forum.NoticeEdited:
		return "mail.subject.own"
	case forum.NoticeEscalated, forum.NoticeErasure:
		return "mail.subject.attention"
	case forum.NoticeInvitation:
		return "mail.subject.invitation"
	}
	return "mail.subject.follow"
}

// Digest paging: a digest reads a person's unread notifications of its
// period digestPage at a time, all of them; it lists the first digestShown
// and counts the rest, which the Notifications page shows.
const (
	digestPage  = 200
	digestShown = 100
)

// compose writes a recorded email, or says there is nothing to send.
func (s *Service) compose(ctx context.Context, d *Delivery, n *forum.Notification) (*Message, error) {
	u, err := s.store.FindUserByID(ctx, d.UserID)
	if err != nil {
		return nil, err
	}
	if u.Disabled || u.Email == "" {
		return nil, errNothing
	}
	pr, err := s.preferences(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	t := s.tr(u.Language, pr.EasyRead)
	token := s.UnsubscribeToken(u.ID)
	data := &mailData{T: t, Name: u.Name, Settings: s.link("/account/notifications", t),
		Unsubscribe: s.link("/unsubscribe/"+token, t), OneClick: s.link("/unsubscribe/"+token+"/one-click", t)}
	var subject string
	switch d.Kind {
	case DeliverNotice:
		if n == nil {
			n, err = s.store.FindNotification(ctx, u.ID, d.Ref)
			if errors.Is(err, fault.ErrNotFound) {
				return nil, errNothing // removed (retention) before a retry
			} else if err != nil {
				return nil, err
			}
		}
		if n.Read || pr.Frequency != Immediate || !pr.Wants(n.Kind) {
			return nil, errNothing // read on the page, or turned off, before a retry
		}
		subject = t.M(subjectOf(n.Kind))
		data.Intro = t.M("mail.notice.intro")
		data.Items = []Item{{What: what(t, n), Link: s.link(n.Link(), t)}}
		data.Why = t.M("mail.why.immediate")
	case DeliverDaily, DeliverWeekly:
		start, err := time.ParseInLocation(time.DateOnly, d.Ref, s.cfg.Location)
		if err != nil {
			return nil, err
		}
		end := start.AddDate(0, 0, 1)
		subject, data.Intro, data.Why = t.M("mail.subject.daily"), t.M("mail.digest.intro.daily"), t.M("mail.why.daily")
		if d.Kind == DeliverWeekly {
			end = start.AddDate(0, 0, 7)
			subject, data.Intro, data.Why = t.M("mail.subject.weekly"), t.M("mail.digest.intro.weekly"), t.M("mail.why.weekly")
		}
		more := 0
		for after := (Cursor{At: start}); ; {
			page, err := s.store.ListUnreadSince(ctx, u.ID, after, end, digestPage)
			if err != nil {
				return nil, err
			}
			for _, x := range page {
				after = Cursor{At: x.At, ID: x.ID}
				switch {
				case !pr.Wants(x.Kind):
				case len(data.Items) < digestShown:
					data.Items = append(data.Items, Item{What: what(t, x), Link: s.link(x.Link(), t)})
				default:
					more++
				}
			}
			if len(page) < digestPage {
				break
			}
		}
		if len(data.Items) == 0 {
			return nil, errNothing
		}
		if more > 0 {
			data.More = t.N("mail.digest.more", more)
			data.Page = s.link("/notifications", t)
		}
	default:
		return nil, fmt.Errorf("notify: unknown email kind %q", d.Kind)
	}
	return s.render(u, t, subject, "notice", data)
}

// link is the address of a page in the email's language: the page opens in
// it even on a device that never chose one (?lang= sets it, then drops out).
func (s *Service) link(path string, t *Tr) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return s.cfg.BaseURL + path + sep + "lang=" + t.Lang.Tag
}

// resetMessage is the email with a password-reset link.
func (s *Service) resetMessage(u *account.User, t *Tr, path string) *Message {
	m, err := s.render(u, t, t.M("mail.subject.reset"), "reset", &mailData{T: t, Name: u.Name, Link: s.link(path, t)})
	if err != nil { // the templates are fixed: a failure here is a bug caught by the tests
		panic(err)
	}
	m.Unsubscribe = ""
	return m
}

func (s *Service) render(u *account.User, t *Tr, subject, name string, data *mailData) (*Message, error) {
	var text, html bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&text, name+".txt", data); err != nil {
		return nil, err
	}
	if err := htmlTemplates.ExecuteTemplate(&html, name+".html", data); err != nil {
		return nil, err
	}
	return &Message{To: u.Email, Subject: subject, Lang: t.Lang.Tag, Text: strings.TrimSpace(text.String()) + "\n",
		HTML: html.String(), Unsubscribe: data.OneClick}, nil
}
