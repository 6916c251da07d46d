// Command ferretdb runs FerretDB 1.24, embedded, over a PostgreSQL database:
// a real MongoDB-compatible server for the tests of store/mongo
// (internal/testenv/mongotest builds and starts it).
//
// It is its own Go module so that FerretDB and its many dependencies never
// enter the production binary nor the main module's build and tests.
//
// Usage:
//
//	ferretdb -postgresql-url 'postgres://postgres@/postgres?host=/tmp/pg' [-port 0] [-exit-on-stdin-close]
//
// It listens on 127.0.0.1 only. Once it accepts connections it prints the
// MongoDB URI it serves, on one line, to standard output; its logs go to
// standard error. SIGTERM or SIGINT stops it cleanly (it closes its listener
// and connections, then its PostgreSQL pool) and it exits 0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
}

// run serves until ctx is done or, with -exit-on-stdin-close, until stdin
// reaches its end.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ferretdb", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pgURL := fs.String("postgresql-url", "", "PostgreSQL URL of the database FerretDB stores into (required)")
	port := fs.Int("port", 0, "TCP port on 127.0.0.1 to listen on; 0 picks a free one")
	watchStdin := fs.Bool("exit-on-stdin-close", false,
		"stop when standard input is closed: a parent gives a pipe it never writes to, so the server stops even if the parent dies without signalling it")
	logLevel := fs.String("log-level", "warn", "log level: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pgURL == "" {
		return errors.New("-postgresql-url is required")
	}
	if *port < 0 || *port > 65535 {
		return fmt.Errorf("-port %d is out of range", *port)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if *watchStdin {
		go func() {
			// Nothing is ever written: Copy returns when the write end closes.
			_, _ = io.Copy(io.Discard, stdin)
			cancel()
		}()
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: net.JoinHostPort("127.0.0.1", strconv.Itoa(*port))},
		Logger:        slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
		Handler:       "postgresql",
		PostgreSQLURL: *pgURL,
	})
	if err != nil {
		return err
	}

	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()

	// New has already opened the listener, so the printed URI accepts
	// connections (the kernel queues them until Run accepts).
	if _, err := fmt.Fprintln(stdout, f.MongoDBURI()); err != nil {
		cancel()
		<-done
		return fmt.Errorf("print URI: %w", err)
	}
	return <-done
}
