package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is everything an installation can set. Each field has a flag and a
// CHORUS_* environment variable; the flag wins.
type Config struct {
	Addr               string
	BaseURL            string
	DataDir            string
	MongoURI           string
	MongoDatabase      string
	NATSURL            string
	SecretFile         string
	TrustedProxies     []string
	Timezone           string
	ExitURL            string
	LogFormat          string
	SMTPURL            string
	MetricsAddr        string // separate listener for /metrics; empty: none
	PrivacyContact     string // who to ask for a copy or erasure, shown on /privacy
	SubmitPerIPSetting string // anonymous issues, reports and quiet-voice questions per address per hour
	SubmitPerIP        int
	// Retention periods (retention.go); 0 keeps for ever.
	RetainFollowUpMonths    string
	RetainAuditMonths       string
	RetainNotificationsDays string
	Retention               Retention
}

// setting describes one configuration field for flags, the environment and --help.
type setting struct {
	name, env, def, usage string
	target                *string
}

func (c *Config) settings() []setting {
	return []setting{
		{"addr", "CHORUS_ADDR", "localhost:8080", "address to serve on", &c.Addr},
		{"base-url", "CHORUS_BASE_URL", "", "public URL (e.g. https://chorus.example.org); https turns on __Host- cookies and HSTS", &c.BaseURL},
		{"data-dir", "CHORUS_DATA_DIR", "data", "directory for the embedded store and the generated secret", &c.DataDir},
		{"mongodb-uri", "CHORUS_MONGODB_URI", "", "MongoDB URI; when set, MongoDB is used instead of the embedded store", &c.MongoURI},
		{"mongodb-database", "CHORUS_MONGODB_DATABASE", "chorus", "MongoDB database name", &c.MongoDatabase},
		{"nats-url", "CHORUS_NATS_URL", "", "NATS URL carrying live updates between several instances (one instance needs none)", &c.NATSURL},
		{"secret-file", "CHORUS_SECRET_FILE", "", "file holding the key for signed tokens, shared by every instance (default: <data-dir>/secret.key, generated when absent)", &c.SecretFile},
		{"trusted-proxies", "CHORUS_TRUSTED_PROXIES", "", "comma-separated proxy addresses whose X-Forwarded-For is believed", nil},
		{"timezone", "CHORUS_TIMEZONE", "Europe/London", "time zone for dates and due dates", &c.Timezone},
		{"exit-url", "CHORUS_EXIT_URL", "https://www.bbc.co.uk/weather", "neutral site that quick exit sends people to", &c.ExitURL},
		{"log-format", "CHORUS_LOG_FORMAT", "json", "log format: json or text", &c.LogFormat},
		{"smtp-url", "CHORUS_SMTP_URL", "", "SMTP server for email notifications and self-service password reset, e.g. smtp://user:pass@host:587?from=chorus@example.org (none: no email)", &c.SMTPURL},
		{"metrics-addr", "CHORUS_METRICS_ADDR", "", "separate address serving Prometheus /metrics, e.g. 127.0.0.1:9090 (none: no metrics); keep it off the public network", &c.MetricsAddr},
		{"privacy-contact", "CHORUS_PRIVACY_CONTACT", "", "who people ask for a copy of their data or its erasure, shown on /privacy (none: the page says to ask the forum's facilitator)", &c.PrivacyContact},
		{"submit-per-ip", "CHORUS_SUBMIT_PER_IP", "30", "anonymous issues, reports and quiet-voice questions one address may send in an hour (counted in memory, never stored)", &c.SubmitPerIPSetting},
		{"retain-followup-months", "CHORUS_RETAIN_FOLLOWUP_MONTHS", "24", "months after an anonymous issue closes that its follow-up code and private questions and answers are removed (0: kept for ever)", &c.RetainFollowUpMonths},
		{"retain-audit-months", "CHORUS_RETAIN_AUDIT_MONTHS", "0", "months the audit trail is kept (0: for ever)", &c.RetainAuditMonths},
		{"retain-notifications-days", "CHORUS_RETAIN_NOTIFICATIONS_DAYS", "180", "days read notifications are kept (0: for ever)", &c.RetainNotificationsDays},
	}
}

// parseConfig reads flags (args) over environment variables over defaults.
func parseConfig(name string, args []string, getenv func(string) string, out io.Writer) (*Config, []string, error) {
	c := &Config{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	var proxies string
	for _, s := range c.settings() {
		def := s.def
		if v := getenv(s.env); v != "" {
			def = v
		}
		target := s.target
		if target == nil {
			target = &proxies
		}
		fs.StringVar(target, s.name, def, fmt.Sprintf("%s (env %s)", s.usage, s.env))
	}
	fs.Usage = func() { usage(fs, out) }
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	for _, p := range strings.Split(proxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	if c.SecretFile == "" {
		c.SecretFile = filepath.Join(c.DataDir, "secret.key")
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil {
		return nil, nil, fmt.Errorf("CHORUS_TIMEZONE: %w", err)
	}
	for _, r := range []struct {
		env, v string
		to     *int
	}{{"CHORUS_RETAIN_FOLLOWUP_MONTHS", c.RetainFollowUpMonths, &c.Retention.FollowUpMonths},
		{"CHORUS_RETAIN_AUDIT_MONTHS", c.RetainAuditMonths, &c.Retention.AuditMonths},
		{"CHORUS_RETAIN_NOTIFICATIONS_DAYS", c.RetainNotificationsDays, &c.Retention.NotificationDays},
		{"CHORUS_SUBMIT_PER_IP", c.SubmitPerIPSetting, &c.SubmitPerIP}} {
		n, err := strconv.Atoi(strings.TrimSpace(r.v))
		if err != nil || n < 0 {
			return nil, nil, fmt.Errorf("%s: %q is not a whole number of 0 or more", r.env, r.v)
		}
		*r.to = n
	}
	return c, fs.Args(), nil
}

func usage(fs *flag.FlagSet, out io.Writer) {
	fmt.Fprint(out, `Chorus: parent carer forums and keyworker steering groups, in one line of sight.

Usage:
  chorus [flags]                      serve (embedded storage in ./data by default)
  chorus [flags] user add --role admin --email EMAIL [--name NAME] --password-stdin
                                      create an account (the password is read from standard input)
  chorus [flags] demo                 fill an empty store with a demonstration region
  chorus [flags] backup --to FILE     copy the embedded store while it serves
  chorus [flags] restore --from FILE [--replace]
                                      put a backup back (Chorus stopped)
  chorus [flags] healthcheck          ask a running Chorus whether it is alive
  chorus migrate --from DATA-DIR --to MONGODB-URI [--database NAME] [--into-nonempty]
                                      move an embedded installation to MongoDB and verify it

Flags (each has an environment variable twin):
`)
	fs.PrintDefaults()
}

// loadSecret reads the signing key, generating it on first start.
func loadSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		key := []byte(newSecretKey())
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if os.IsExist(err) { // another instance made it first
			return loadSecret(path)
		}
		if err != nil {
			return nil, err
		}
		if _, err := f.Write(key); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, err
		}
		return key, f.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("read secret: %w", err)
	}
	key := []byte(strings.TrimSpace(string(b)))
	if len(key) < 32 {
		return nil, fmt.Errorf("secret in %s is shorter than 32 bytes", path)
	}
	return key, nil
}
