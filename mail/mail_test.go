package mail_test

import (
	"strings"
	"testing"

	"chorus/mail"
)

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"smtp://user:s3cret@mail.example.org:587?from=chorus@example.org", true},
		{"smtps://user:s3cret@mail.example.org?from=chorus@example.org", true},
		{"smtp://127.0.0.1:2525?from=chorus@example.org&tls=none", true},
		{"smtp://mail.example.org?from=chorus@example.org&tls=opportunistic", true},
		{"smtp://user:s3cret@mail.example.org:587", false},                       // no from
		{"http://user:s3cret@mail.example.org?from=chorus@example.org", false},   // not SMTP
		{"smtp://user:s3cret@mail.example.org:x?from=chorus@example.org", false}, // bad port
		{"smtp://user:s3cret@mail.example.org?from=chorus@example.org&tls=maybe", false},
		{"smtp://user:s3cret@mail.example.org?from=not-an-address", false},
		{"smtp:///?from=chorus@example.org", false}, // no host
	} {
		s, err := mail.New(tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("New(%q) error = %v; want ok %v", tc.url, err, tc.ok)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("New(%q) error repeats the password: %v", tc.url, err)
		}
		if err == nil && s.From() != "chorus@example.org" {
			t.Errorf("New(%q) from = %q", tc.url, s.From())
		}
	}
}
