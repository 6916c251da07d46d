package mongotest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a PostgreSQL cluster and a FerretDB over it started for one test
// alone, so that the test may stop the database and start it again (an
// outage) or outlive a process that used it (a crash), without disturbing
// other tests. It needs no TestMain: everything stops when the test ends.
type Server struct {
	t     testing.TB
	mu    sync.Mutex
	local *localServer
	bin   string // the FerretDB binary
	port  string // FerretDB's port, kept across restarts so the URI stays valid
}

// Own starts a PostgreSQL and a FerretDB for t. It skips t (or fails it,
// with CHORUS_REQUIRE_ALL=1) when PostgreSQL or the go command is missing.
// Unlike URI and Database it ignores CHORUS_TEST_MONGODB_URI: a server the
// test did not start is not one it may stop.
func Own(t testing.TB) *Server {
	t.Helper()
	began := time.Now()
	local, err := startLocal()
	if err != nil {
		var missing *missingError
		if errors.As(err, &missing) {
			if os.Getenv(EnvRequireAll) != "1" {
				t.Skipf("%v (skipped; %s=1 makes this a failure)", err, EnvRequireAll)
			}
			t.Fatalf("%v (a failure, not a skip, because %s=1)", err, EnvRequireAll)
		}
		t.Fatal(err)
	}
	bin, _, err := ferretdbBinary() // cached by startLocal: only its path
	if err != nil {
		t.Fatal(errors.Join(err, local.stop(true)))
	}
	u, err := url.Parse(local.uri)
	if err != nil {
		t.Fatal(errors.Join(err, local.stop(true)))
	}
	s := &Server{t: t, local: local, bin: bin, port: u.Port()}
	t.Cleanup(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if err := s.local.stop(t.Failed()); err != nil {
			t.Error(err)
		}
	})
	t.Logf("mongotest: own FerretDB on PostgreSQL at %s (started in %s)", local.uri, time.Since(began).Round(100*time.Millisecond))
	return s
}

// URI returns the server's URI; it stays the same across StopFerretDB and
// StartFerretDB.
func (s *Server) URI() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.local.uri
}

// StopFerretDB stops FerretDB (PostgreSQL keeps running, with the data):
// clients now find nothing listening on its port.
func (s *Server) StopFerretDB() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.local.ferretdb == nil {
		return
	}
	if err := s.local.ferretdb.stop(stopSignal, s.local.stdin); err != nil {
		s.t.Fatalf("mongotest: stop FerretDB: %v%s", err, s.local.logTails())
	}
	s.local.ferretdb, s.local.stdin = nil, nil
}

// StartFerretDB starts FerretDB again on the same port, over the same data.
func (s *Server) StartFerretDB() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.local.ferretdb != nil {
		return
	}
	// The port was FerretDB's a moment ago; wait until nothing holds it.
	deadline := time.Now().Add(startWait)
	for {
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", s.port))
		if err == nil {
			ln.Close()
			break
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("mongotest: port %s still taken after %s: %v", s.port, startWait, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := s.local.startFerretDBOn(s.bin, s.port); err != nil {
		s.t.Fatal(err)
	}
}

// startFerretDBOn runs FerretDB on a given port and waits for its URI, as
// startFerretDB does for a free port.
func (s *localServer) startFerretDBOn(bin, port string) error {
	pgURL := url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/postgres",
		RawQuery: url.Values{"host": {s.dir}, "port": {pgPort}}.Encode()}
	cmd := exec.Command(bin, "-postgresql-url", pgURL.String(), "-port", port, "-exit-on-stdin-close", "-log-level", "warn")
	cmd.Dir = s.dir
	cmd.SysProcAttr = sysProcAttr(nil, true)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("mongotest: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("mongotest: %w", err)
	}
	p, err := startProcess(cmd, filepath.Join(s.dir, fdbLogName))
	if err != nil {
		return fmt.Errorf("mongotest: start FerretDB: %w", err)
	}
	s.ferretdb, s.stdin = p, stdin
	line := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		l, _ := r.ReadString('\n')
		line <- strings.TrimSpace(l)
		_, _ = io.Copy(io.Discard, r)
	}()
	select {
	case l := <-line:
		if !strings.HasPrefix(l, "mongodb://") {
			return fmt.Errorf("mongotest: FerretDB printed %q instead of its URI: %v%s", l, p.err, s.logTails())
		}
		return nil
	case <-p.done:
		return fmt.Errorf("mongotest: FerretDB exited while starting: %v%s", p.err, s.logTails())
	case <-time.After(startWait):
		return fmt.Errorf("mongotest: FerretDB printed no URI within %s%s", startWait, s.logTails())
	}
}
