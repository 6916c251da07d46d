// Package mongotest gives tests a MongoDB-compatible server.
//
// With CHORUS_TEST_MONGODB_URI set, tests use that server (a real MongoDB or
// a FerretDB someone runs). Otherwise the first test that asks starts one for
// the whole test process: a throwaway PostgreSQL cluster in a temporary
// directory and, over it, FerretDB 1.24 built from internal/tools/ferretdb
// (a separate module, so FerretDB never enters the main module's build; the
// binary is cached and rebuilt only when that module's files change). Both
// stop when the package's tests finish, which is why a package that uses
// this one must run its tests through Run:
//
//	func TestMain(m *testing.M) { os.Exit(mongotest.Run(m)) }
//
// Where PostgreSQL or the go command is missing, tests that ask for a server
// are skipped with a message saying how to get one, unless
// CHORUS_REQUIRE_ALL=1 (as CI sets), where they fail.
package mongotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Environment variables read by this package.
const (
	// EnvURI names a server to use instead of starting one.
	EnvURI = "CHORUS_TEST_MONGODB_URI"
	// EnvRequireAll, set to 1, turns a missing prerequisite into a failure.
	EnvRequireAll = "CHORUS_REQUIRE_ALL"
)

// The process-wide state: one server (and one client to drop databases with)
// for every test in the process.
var (
	running atomic.Bool // Run is in charge of shutting down

	startOnce sync.Once
	started   *instance // what start produced
	startErr  error
)

// instance is a server in use: its URI, an administrative client and, when
// this process started it, the processes to stop.
type instance struct {
	uri    string
	client *mongo.Client
	local  *localServer // nil when the URI came from the environment
}

// Run runs the tests of m and then stops the server they used, if this
// process started one. It returns m.Run's exit code. When a test failed, the
// PostgreSQL and FerretDB logs are kept and their directory printed.
func Run(m *testing.M) int {
	running.Store(true)
	code := m.Run()
	if started != nil {
		if err := started.close(code != 0); err != nil {
			fmt.Fprintln(os.Stderr, "mongotest:", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// URI returns the URI of a MongoDB-compatible server for t, starting one on
// first use. It skips t (or fails it, with CHORUS_REQUIRE_ALL=1) when neither
// CHORUS_TEST_MONGODB_URI nor the tools to start a server are there.
func URI(t testing.TB) string {
	t.Helper()
	return get(t).uri
}

// Database returns the URI of a server (as URI does) and the name of a new,
// empty database for t alone, dropped when t ends.
func Database(t testing.TB) (uri, name string) {
	t.Helper()
	inst := get(t)
	name = databaseName(t.Name())
	t.Cleanup(func() {
		// t's own context is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := inst.client.Database(name).Drop(ctx); err != nil {
			t.Errorf("mongotest: drop database %s: %v%s", name, err, inst.logTails())
		}
	})
	return inst.uri, name
}

// get returns the process's server, starting it on first use.
func get(t testing.TB) *instance {
	t.Helper()
	if !running.Load() {
		t.Fatal("mongotest: this package's tests must run through mongotest.Run, which stops the server afterwards:\n" +
			"\tfunc TestMain(m *testing.M) { os.Exit(mongotest.Run(m)) }")
	}
	startOnce.Do(func() { started, startErr = start() })
	if startErr != nil {
		var missing *missingError
		if errors.As(startErr, &missing) {
			if os.Getenv(EnvRequireAll) != "1" {
				t.Skipf("%v (skipped; %s=1 makes this a failure)", startErr, EnvRequireAll)
			}
			t.Fatalf("%v (a failure, not a skip, because %s=1)", startErr, EnvRequireAll)
		}
		t.Fatal(startErr)
	}
	return started
}

// missingError says that a prerequisite is not installed, and how to get it.
type missingError struct{ what, how string }

func (e *missingError) Error() string {
	return fmt.Sprintf("mongotest: %s: %s, or set %s to the URI of a MongoDB or FerretDB server", e.what, e.how, EnvURI)
}

// start connects to the server named in the environment, or starts one.
func start() (*instance, error) {
	if uri := os.Getenv(EnvURI); uri != "" {
		client, err := connect(uri, 30*time.Second)
		if err != nil {
			return nil, fmt.Errorf("mongotest: %s=%s: %w", EnvURI, redact(uri), err)
		}
		return &instance{uri: uri, client: client}, nil
	}
	began := time.Now()
	local, err := startLocal()
	if err != nil {
		return nil, err
	}
	client, err := connect(local.uri, 60*time.Second)
	if err != nil {
		err = fmt.Errorf("mongotest: FerretDB at %s does not answer: %w%s", local.uri, err, local.logTails())
		return nil, errors.Join(err, local.stop(true))
	}
	fmt.Fprintf(os.Stderr, "mongotest: FerretDB on PostgreSQL serving %s (started in %s%s)\n",
		local.uri, time.Since(began).Round(100*time.Millisecond), local.buildNote)
	return &instance{uri: local.uri, client: client, local: local}, nil
}

// connect returns a client that has answered a ping within wait.
func connect(uri string, wait time.Duration) (*mongo.Client, error) {
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetServerSelectionTimeout(wait))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := client.Ping(ctx, nil); err != nil {
		return nil, errors.Join(err, client.Disconnect(ctx))
	}
	return client, nil
}

// close disconnects and stops what this process started.
func (i *instance) close(keepLogs bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := i.client.Disconnect(ctx)
	if i.local != nil {
		err = errors.Join(err, i.local.stop(keepLogs))
	}
	return err
}

// logTails returns the end of the server logs for a failure message, or ""
// for a server this process did not start.
func (i *instance) logTails() string {
	if i.local == nil {
		return ""
	}
	return i.local.logTails()
}

// databaseName makes a database name for a test: readable, unique, and within
// what FerretDB accepts ([a-zA-Z0-9_-]{1,63}; lower case, as PostgreSQL
// folds schema names).
func databaseName(test string) string {
	var b strings.Builder
	b.WriteString("t_")
	for _, r := range strings.ToLower(test) {
		if b.Len() >= 40 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	b.WriteByte('_')
	b.WriteString(hex.EncodeToString(suffix))
	return b.String()
}

// redact hides a password in a URI before it goes into a message.
func redact(uri string) string {
	scheme, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return uri
	}
	creds, host, ok := strings.Cut(rest, "@")
	if !ok {
		return uri
	}
	if user, _, hasPass := strings.Cut(creds, ":"); hasPass {
		return scheme + "://" + user + ":xxxxx@" + host
	}
	return uri
}
