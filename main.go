// Chorus is a co-production platform for parent carer forums and keyworker
// steering groups: families raise issues, steering groups act on them, and
// every step flows back to the family who spoke.
package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // CHORUS_TIMEZONE works on machines without zoneinfo

	"chorus/account"
	"chorus/audit"
	"chorus/forum"
	"chorus/internal/fault"
	"chorus/internal/secret"
	"chorus/locales"
	"chorus/mail"
	"chorus/notify"
	"chorus/realtime"
	"chorus/server"
	"chorus/services"
	"chorus/steering"
	"chorus/store/mongo"
	"chorus/store/sqlite"

	"github.com/nats-io/nats.go"
	"github.com/nicksnyder/go-i18n/v2/i18n"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "chorus:", err)
			os.Exit(1)
		}
	}
}

// Store is what the application needs of a storage adapter: what the
// services need, and what retention removes.
type Store interface {
	services.Store
	retentionStore
}

// app is a configured Chorus: its store and domain services.
type app struct {
	cfg      *Config
	log      *slog.Logger
	store    Store
	close    func() error
	audit    *audit.Log
	accounts *account.Service
	forums   *forum.Service
	steering *steering.Service
	secret   []byte
	notify   *notify.Service // notification preferences and email
}

// run is the whole program; tests call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg, rest, err := parseConfig("chorus", args, getenv, stderr)
	if err != nil {
		return err
	}
	switch {
	case len(rest) > 0 && rest[0] == "restore": // before the store is opened: it is replaced
		return restore(ctx, cfg, rest[1:], stdout, stderr)
	case len(rest) > 0 && rest[0] == "healthcheck": // asks a running Chorus; opens nothing
		return healthcheck(ctx, cfg, stdout)
	case len(rest) > 0 && rest[0] == "migrate": // opens the two stores it names
		return migrate(ctx, cfg, rest[1:], stdout, stderr)
	}
	a, err := open(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	switch {
	case len(rest) == 0 || rest[0] == "serve":
		return a.serve(ctx, stdout)
	case rest[0] == "user" && len(rest) > 1 && rest[1] == "add":
		return a.userAdd(ctx, rest[2:], stdin, stdout, stderr)
	case rest[0] == "demo":
		return a.demo(ctx, stdout)
	case rest[0] == "backup":
		return a.backup(ctx, rest[1:], stdout, stderr)
	}
	return fmt.Errorf("unknown command %q (see --help)", strings.Join(rest, " "))
}

// open connects the store chosen by the configuration and builds the services.
func open(ctx context.Context, cfg *Config, logOut io.Writer) (*app, error) {
	var handler slog.Handler = slog.NewJSONHandler(logOut, nil)
	if cfg.LogFormat == "text" {
		handler = slog.NewTextHandler(logOut, nil)
	}
	a := &app{cfg: cfg, log: slog.New(handler)}
	if cfg.MongoURI != "" {
		openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		db, err := mongo.Open(openCtx, cfg.MongoURI, cfg.MongoDatabase)
		if err != nil {
			return nil, fmt.Errorf("open MongoDB: %w", err)
		}
		a.store = db
		a.close = func() error {
			closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return db.Close(closeCtx)
		}
	} else {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
		db, err := sqlite.Open(ctx, cfg.DataDir)
		if err != nil {
			return nil, fmt.Errorf("open embedded store: %w", err)
		}
		a.store, a.close = db, db.Close
	}
	key, err := loadSecret(cfg.SecretFile)
	if err != nil {
		a.close()
		return nil, err
	}
	a.secret = key
	set, err := a.services(cfg)
	if err != nil {
		a.close()
		return nil, err
	}
	a.audit, a.accounts, a.forums, a.steering, a.notify = set.Audit, set.Accounts, set.Forums, set.Steering, set.Notify
	return a, nil
}

// services builds the domain services on the store, with email through
// CHORUS_SMTP_URL when it is set (the notification centre works the same
// without it).
func (a *app) services(cfg *Config) (*services.Set, error) {
	var sender notify.Sender
	if cfg.SMTPURL != "" {
		m, err := mail.New(cfg.SMTPURL)
		if err != nil {
			return nil, err
		}
		sender = m
	}
	loc, err := time.LoadLocation(cfg.Timezone)
	if err != nil {
		return nil, err
	}
	base := cfg.BaseURL
	if base == "" {
		base = "http://" + cfg.Addr
	}
	return services.New(a.store, services.Config{Clock: time.Now, Secret: a.secret, Location: loc,
		Accounts: account.DefaultSettings, BaseURL: base, Sender: sender, Logger: a.log})
}

// serve runs the web server until ctx ends, then shuts down gracefully.
// server builds the web server on the app's services. With a NATS URL, live
// events travel between instances through NATS; bus is then that
// connection's bus and must be drained by the caller (nil otherwise).
func (a *app) server() (*server.Server, *nats.Conn, error) {
	loc, err := time.LoadLocation(a.cfg.Timezone)
	if err != nil {
		return nil, nil, err
	}
	deps := server.Deps{Accounts: a.accounts, Forums: a.forums, Steering: a.steering, Audit: a.audit, Ready: a.store.Ping, Logger: a.log, LiveLog: a.store, Notify: a.notify}
	var nc *nats.Conn
	if a.cfg.NATSURL != "" {
		if nc, err = nats.Connect(a.cfg.NATSURL, nats.Name("chorus"), nats.MaxReconnects(-1)); err != nil {
			return nil, nil, fmt.Errorf("connect to NATS: %w", err)
		}
		deps.LiveBus = realtime.NewNATSBus(nc, "")
	}
	srv, err := server.New(server.Options{
		BaseURL: strings.TrimRight(a.cfg.BaseURL, "/"), ExitURL: a.cfg.ExitURL, Secret: a.secret,
		TrustedProxies: a.cfg.TrustedProxies, Location: loc, SubmitPerIP: a.cfg.SubmitPerIP,
		Privacy: server.Privacy{Contact: a.cfg.PrivacyContact, FollowUpMonths: a.cfg.Retention.FollowUpMonths,
			AuditMonths: a.cfg.Retention.AuditMonths, NotificationDays: a.cfg.Retention.NotificationDays},
	}, deps)
	if err != nil && nc != nil {
		nc.Close()
	}
	return srv, nc, err
}

// sweep does the work that waits on the clock: escalating safeguarding
// holds the lead has not handled in time. Every instance sweeps; each hold
// is escalated once.
func (a *app) sweep(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := a.forums.EscalateOverdue(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("escalate safeguarding holds", slog.String("error", err.Error()))
		} else if n > 0 {
			a.log.Info("escalated safeguarding holds", slog.Int("count", n))
		}
		if n, err := a.notify.Sweep(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("send digests and retry email", slog.String("error", err.Error()))
		} else if n > 0 {
			a.log.Info("sent email", slog.Int("count", n))
		}
		if _, err := a.retain(ctx, time.Now()); err != nil && ctx.Err() == nil { // once a day
			a.log.Warn("apply retention periods", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (a *app) serve(ctx context.Context, stdout io.Writer) error {
	srv, nc, err := a.server()
	if err != nil {
		return err
	}
	if nc != nil {
		defer nc.Close()
	}
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return err
	}
	base := a.cfg.BaseURL
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	need, err := a.accounts.NeedsSetup(ctx)
	if err != nil {
		ln.Close()
		return err
	}
	if need {
		// Printed plainly for the person at the console; never logged.
		token := secret.NewToken()
		srv.SetSetupToken(token)
		fmt.Fprintf(stdout, "\nChorus has no administrator yet. Open %s/setup and enter this one-time setup token:\n\n    %s\n\n", base, token)
	}
	fmt.Fprintf(stdout, "Chorus is serving on %s\n", base)
	a.log.Info("serving", slog.String("addr", ln.Addr().String()), slog.Bool("mongodb", a.cfg.MongoURI != ""))

	errc := make(chan error, 1)
	if a.cfg.MetricsAddr != "" { // a listener of its own, never the public site
		mln, err := net.Listen("tcp", a.cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("metrics listener: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", srv.MetricsHandler())
		ms := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go ms.Serve(mln)
		defer ms.Close()
		fmt.Fprintf(stdout, "Metrics are served on http://%s/metrics\n", mln.Addr())
	}
	go func() { errc <- srv.App().Listener(ln) }()
	sweepCtx, stopSweep := context.WithCancel(ctx)
	defer stopSweep()
	go a.sweep(sweepCtx, time.Minute)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	defer a.notify.Wait() // emails under way finish (each is bounded by a timeout)
	return srv.Shutdown(shutCtx)
}

// userAdd creates an account from the command line.
func (a *app) userAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	role := fs.String("role", "admin", "role: admin or org_admin")
	org := fs.String("organisation", "", "organisation ID, for org_admin")
	email := fs.String("email", "", "email address")
	name := fs.String("name", "", "name (default: the part of the email before @)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*fromStdin {
		return errors.New("user add: --password-stdin is required, so the password never appears in the process list or shell history")
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	if *name == "" {
		*name, _, _ = strings.Cut(*email, "@")
	}
	sc := account.Installation
	if account.Role(*role) == account.RoleOrgAdmin {
		sc = account.OrganisationScope(*org)
	}
	u, err := a.accounts.AddUser(ctx, nil, account.NewUser{Email: *email, Name: *name, Password: strings.TrimRight(line, "\r\n")}, account.Role(*role), sc)
	if err != nil {
		return fmt.Errorf("user add: %s", describe(err))
	}
	fmt.Fprintf(stdout, "Created %s (%s) with role %s.\n", u.Email, u.ID, *role)
	return nil
}

// describe turns a domain error into English words for the command line.
func describe(err error) string {
	var f *fault.Error
	if !errors.As(err, &f) || f.Kind == fault.Internal {
		return err.Error()
	}
	b, berr := locales.Bundle()
	if berr != nil {
		return f.MsgID
	}
	msg, lerr := i18n.NewLocalizer(b, "en").Localize(&i18n.LocalizeConfig{MessageID: f.MsgID})
	if lerr != nil {
		return f.MsgID
	}
	return msg
}

func newSecretKey() string { return base64.RawURLEncoding.EncodeToString(secret.Bytes(48)) }
