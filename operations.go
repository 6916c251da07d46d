package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"chorus/store/sqlite"
)

// backup writes a consistent copy of the embedded store while Chorus may be
// serving it: `chorus backup --to <file>`.
func (a *app) backup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	to := fs.String("to", "", "new file to write the backup to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" {
		return errors.New("backup: --to <file> is required")
	}
	db, ok := a.store.(*sqlite.DB)
	if !ok {
		return errors.New("backup is for the embedded store; with MongoDB use mongodump (see docs/operations.md)")
	}
	if err := db.Backup(ctx, *to); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Backed up %s to %s\n", db.Dir(), *to)
	return nil
}

// restore puts a backup in place as the embedded store of the data
// directory, with Chorus stopped: `chorus restore --from <file> [--replace]`.
func restore(ctx context.Context, cfg *Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "backup file to restore")
	replace := fs.Bool("replace", false, "replace an existing database (it is kept beside the restored one)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" {
		return errors.New("restore: --from <file> is required")
	}
	if cfg.MongoURI != "" {
		return errors.New("restore is for the embedded store; with MongoDB use mongorestore (see docs/operations.md)")
	}
	if err := sqlite.Restore(ctx, *from, cfg.DataDir, *replace); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Restored %s into %s. Start Chorus to serve it.\n", *from, cfg.DataDir)
	return nil
}

// healthcheck asks the Chorus serving on the configured address whether it
// is alive, for container health checks where no curl is installed:
// `chorus healthcheck` exits non-zero unless /healthz answers 200.
func healthcheck(ctx context.Context, cfg *Config, stdout io.Writer) error {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return fmt.Errorf("healthcheck: address %q: %w", cfg.Addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: /healthz answered %d", res.StatusCode)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}
