package mongotest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// localServer is a PostgreSQL cluster and a FerretDB over it, started by this
// process in a temporary directory:
//
//	dir/data          the cluster (trust authentication, no TCP: a Unix socket in dir)
//	dir/postgres.log  PostgreSQL's output
//	dir/ferretdb.log  FerretDB's output
//	dir/owner.pid     this process's ID, so a later run can clean up after a crash
type localServer struct {
	dir       string
	uri       string
	buildNote string // how the FerretDB binary was had, for the start message

	pg       *process
	ferretdb *process
	stdin    io.WriteCloser // FerretDB's stdin: closing it stops FerretDB
}

// unsupported, when set, is why this platform cannot start the servers.
var unsupported error

const (
	dirPrefix   = "chorus-mongotest-"
	pgPort      = "5432" // names the socket file only: the cluster listens on no TCP port
	pgLogName   = "postgres.log"
	fdbLogName  = "ferretdb.log"
	ownerPIDRel = "owner.pid"
	startWait   = 60 * time.Second
	stopWait    = 15 * time.Second
)

// startLocal builds (or reuses) FerretDB, starts PostgreSQL and FerretDB and
// returns once FerretDB listens.
func startLocal() (_ *localServer, err error) {
	if unsupported != nil {
		return nil, unsupported
	}
	pgBin, err := findPostgres()
	if err != nil {
		return nil, err
	}
	runAs, err := postgresUser()
	if err != nil {
		return nil, err
	}
	bin, note, err := ferretdbBinary()
	if err != nil {
		return nil, err
	}

	removeStaleDirs()
	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, fmt.Errorf("mongotest: %w", err)
	}
	s := &localServer{dir: dir, buildNote: note}
	defer func() {
		if err != nil {
			// Keep the logs: the error quotes only their last lines.
			err = errors.Join(err, s.stop(true))
		}
	}()
	if err := os.WriteFile(filepath.Join(dir, ownerPIDRel), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return nil, fmt.Errorf("mongotest: %w", err)
	}
	if runAs != nil {
		// initdb and postgres run as the postgres user: the directory is theirs.
		if err := os.Chown(dir, runAs.uid, runAs.gid); err != nil {
			return nil, fmt.Errorf("mongotest: %w", err)
		}
	}

	if err := s.startPostgres(pgBin, runAs); err != nil {
		return nil, err
	}
	if err := s.startFerretDB(bin); err != nil {
		return nil, err
	}
	return s, nil
}

// startPostgres creates a cluster and runs its server in the foreground, as
// this process's child, so that it can be stopped (and dies with us).
func (s *localServer) startPostgres(bin string, runAs *account) error {
	logPath := filepath.Join(s.dir, pgLogName)
	data := filepath.Join(s.dir, "data")
	// FerretDB accepts only UTF8 with the C or en_US locale; --no-sync because
	// the cluster is thrown away.
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres",
		"-E", "UTF8", "--locale=C", "--no-sync")
	initdb.Dir = s.dir // the working directory must be readable by the postgres user
	initdb.SysProcAttr = sysProcAttr(runAs, false)
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("mongotest: initdb: %w\n%s", err, tail(out, 30))
	}

	// No TCP: FerretDB reaches the cluster through a Unix socket in s.dir, so
	// no port can clash. Durability is switched off: nothing here is kept.
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", s.dir, "-p", pgPort,
		"-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	cmd.Dir = s.dir
	cmd.SysProcAttr = sysProcAttr(runAs, true)
	p, err := startProcess(cmd, logPath)
	if err != nil {
		return fmt.Errorf("mongotest: start postgres: %w", err)
	}
	s.pg = p

	// Ready when pg_isready says it accepts connections (not merely that the
	// socket exists: it also exists while the server is starting up).
	deadline := time.Now().Add(startWait)
	for {
		check := exec.Command(filepath.Join(bin, "pg_isready"), "-q", "-h", s.dir, "-p", pgPort, "-U", "postgres", "-d", "postgres")
		if check.Run() == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("mongotest: postgres exited while starting: %v%s", p.err, s.logTails())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("mongotest: postgres not ready after %s%s", startWait, s.logTails())
		}
	}
}

// startFerretDB runs FerretDB and reads the URI it prints.
func (s *localServer) startFerretDB(bin string) error {
	pgURL := url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/postgres",
		RawQuery: url.Values{"host": {s.dir}, "port": {pgPort}}.Encode()}
	cmd := exec.Command(bin, "-postgresql-url", pgURL.String(), "-port", "0", "-exit-on-stdin-close", "-log-level", "warn")
	cmd.Dir = s.dir
	cmd.SysProcAttr = sysProcAttr(nil, true)
	// FerretDB stops when this pipe closes: when we stop it, and when this
	// process dies in any way, since the kernel closes our end then.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("mongotest: %w", err)
	}
	s.stdin = stdin
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("mongotest: %w", err)
	}
	p, err := startProcess(cmd, filepath.Join(s.dir, fdbLogName))
	if err != nil {
		return fmt.Errorf("mongotest: start FerretDB: %w", err)
	}
	s.ferretdb = p

	line := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		l, _ := r.ReadString('\n')
		line <- strings.TrimSpace(l)
		// Keep reading so that FerretDB never blocks on a full pipe.
		_, _ = io.Copy(io.Discard, r)
	}()
	select {
	case l := <-line:
		if !strings.HasPrefix(l, "mongodb://") {
			return fmt.Errorf("mongotest: FerretDB printed %q instead of its URI: %v%s", l, p.err, s.logTails())
		}
		s.uri = l
		return nil
	case <-p.done:
		return fmt.Errorf("mongotest: FerretDB exited while starting: %v%s", p.err, s.logTails())
	case <-time.After(startWait):
		return fmt.Errorf("mongotest: FerretDB printed no URI within %s%s", startWait, s.logTails())
	}
}

// stop stops FerretDB, then PostgreSQL, and removes the directory; with
// keepLogs it keeps the logs (and says where) but still removes the data.
func (s *localServer) stop(keepLogs bool) error {
	var errs []error
	if s.ferretdb != nil {
		// SIGTERM is FerretDB's clean stop; closing stdin is the fallback.
		if err := s.ferretdb.stop(stopSignal, s.stdin); err != nil {
			errs = append(errs, fmt.Errorf("stop FerretDB: %w", err))
		}
	} else if s.stdin != nil {
		s.stdin.Close()
	}
	if s.pg != nil {
		// SIGINT is PostgreSQL's "fast" shutdown: disconnect clients, then stop cleanly.
		if err := s.pg.stop(os.Interrupt, nil); err != nil {
			errs = append(errs, fmt.Errorf("stop postgres: %w", err))
		}
	}
	if keepLogs || len(errs) > 0 {
		if err := os.RemoveAll(filepath.Join(s.dir, "data")); err != nil {
			errs = append(errs, err)
		}
		fmt.Fprintf(os.Stderr, "mongotest: PostgreSQL and FerretDB logs kept in %s\n", s.dir)
	} else if err := os.RemoveAll(s.dir); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("mongotest: %w", err)
	}
	return nil
}

// logTails returns the last lines of both logs, for failure messages.
func (s *localServer) logTails() string {
	var b strings.Builder
	for _, name := range []string{pgLogName, fdbLogName} {
		data, err := os.ReadFile(filepath.Join(s.dir, name))
		if err != nil || len(bytes.TrimSpace(data)) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n--- %s (last lines) ---\n%s", filepath.Join(s.dir, name), tail(data, 30))
	}
	return b.String()
}

// tail returns the last n lines of out.
func tail(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// process is a started child and the result of waiting for it.
type process struct {
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{} // closed once the process has exited
	err  error         // its exit status, once done
}

// startProcess starts cmd with stderr, and stdout unless StdoutPipe took it,
// appended to logPath.
func startProcess(cmd *exec.Cmd, logPath string) (*process, error) {
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	if cmd.Stdout == nil {
		cmd.Stdout = log
	}
	cmd.Stderr = log
	if err := startOnKeptThread(cmd); err != nil {
		log.Close()
		return nil, err
	}
	p := &process{cmd: cmd, log: log, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		log.Close()
		close(p.done)
	}()
	return p, nil
}

// stop asks the process to end with sig (and by closing closer, if any),
// waits, and kills it if it has not ended within stopWait.
func (p *process) stop(sig os.Signal, closer io.Closer) error {
	select {
	case <-p.done:
		return nil // already gone
	default:
	}
	sigErr := p.cmd.Process.Signal(sig)
	if closer != nil {
		closer.Close()
	}
	select {
	case <-p.done:
		if sigErr != nil {
			return nil // it was exiting anyway
		}
		return exitedCleanly(p.err)
	case <-time.After(stopWait):
		p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("did not stop within %s after %v; killed", stopWait, sig)
	}
}

// exitedCleanly treats an exit by the signal we sent as clean.
func exitedCleanly(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && signalled(ee) {
		return nil
	}
	return err
}

// findPostgres returns the directory holding initdb, postgres and pg_isready.
func findPostgres() (string, error) {
	var dirs []string
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	// Debian installs each major version in its own directory; newest first.
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(found, func(a, b string) int { return versionOf(b) - versionOf(a) })
	dirs = append(dirs, found...)
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dirs = append(dirs, filepath.Dir(real))
		}
	}
	for _, d := range dirs {
		if exists(filepath.Join(d, "initdb")) && exists(filepath.Join(d, "postgres")) && exists(filepath.Join(d, "pg_isready")) {
			return d, nil
		}
	}
	return "", &missingError{what: "PostgreSQL not found (looked at pg_config --bindir, /usr/lib/postgresql/*/bin and PATH)",
		how: "install it with `apt-get install -y postgresql` (Debian/Ubuntu)"}
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// account is a user to run PostgreSQL as.
type account struct{ uid, gid int }

// postgresUser returns the account to run initdb and postgres as: nil (this
// one) unless we are root, which PostgreSQL refuses to run as; then the
// postgres user that Debian's package creates.
func postgresUser() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, &missingError{what: "running as root, and PostgreSQL refuses root, but there is no postgres user to run it as",
			how: "install PostgreSQL with `apt-get install -y postgresql`, which creates that user"}
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("mongotest: postgres user: %w", err)
	}
	return &account{uid: uid, gid: gid}, nil
}

// ferretdbBinary returns the path of a FerretDB binary built from
// internal/tools/ferretdb, building it unless a build of the same sources is
// cached. The note says which, for the start message.
func ferretdbBinary() (path, note string, err error) {
	src, err := toolSource()
	if err != nil {
		return "", "", err
	}
	sum := sha256.New()
	fmt.Fprintf(sum, "%s/%s\n", runtime.GOOS, runtime.GOARCH)
	files, _ := filepath.Glob(filepath.Join(src, "*.go"))
	files = append(files, filepath.Join(src, "go.mod"), filepath.Join(src, "go.sum"))
	slices.Sort(files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return "", "", fmt.Errorf("mongotest: %w", err)
		}
		fmt.Fprintf(sum, "%s %d\n", filepath.Base(f), len(data))
		sum.Write(data)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "chorus-ferretdb")
	path = filepath.Join(dir, "ferretdb-"+hex.EncodeToString(sum.Sum(nil))[:16])
	if exists(path) {
		// Marks it as in use, for removeOldBinaries.
		now := time.Now()
		_ = os.Chtimes(path, now, now)
		return path, ", cached FerretDB binary", nil
	}

	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", "", &missingError{what: "the go command is not on PATH, so FerretDB cannot be built",
			how: "install Go (the version in go.mod) and put its bin directory on PATH"}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", fmt.Errorf("mongotest: %w", err)
	}
	began := time.Now()
	// go test runs packages' test processes in parallel: one builds while the
	// others wait for it, rather than all compiling FerretDB at once.
	unlock, err := lockFile(filepath.Join(dir, "build.lock"))
	if err != nil {
		return "", "", fmt.Errorf("mongotest: %w", err)
	}
	defer unlock()
	if exists(path) {
		return path, fmt.Sprintf(", of which waiting for another process to build FerretDB %s", time.Since(began).Round(100*time.Millisecond)), nil
	}
	// Build beside the final path, then rename, so that no process ever runs
	// a half-written binary.
	tmp := fmt.Sprintf("%s.tmp-%d", path, os.Getpid())
	build := exec.Command(goCmd, "build", "-o", tmp, ".")
	build.Dir = src
	build.Env = buildEnv()
	if out, err := build.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return "", "", fmt.Errorf("mongotest: go build in %s: %w\n%s", src, err, tail(out, 40))
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", "", fmt.Errorf("mongotest: %w", err)
	}
	removeOldBinaries(dir, path)
	return path, fmt.Sprintf(", of which building FerretDB %s", time.Since(began).Round(100*time.Millisecond)), nil
}

// toolSource finds internal/tools/ferretdb: next to this file's source when
// it is known, else above the working directory (a test runs in its
// package's directory, inside the repository).
func toolSource() (string, error) {
	rel := filepath.Join("internal", "tools", "ferretdb")
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		d := filepath.Join(filepath.Dir(file), "..", "..", "tools", "ferretdb")
		if exists(filepath.Join(d, "go.mod")) {
			return filepath.Clean(d), nil
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("mongotest: %w", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if exists(filepath.Join(d, rel, "go.mod")) {
			return filepath.Join(d, rel), nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("mongotest: %s not found above %s", rel, wd)
		}
	}
}

// buildEnv is this process's environment for building the tool module on
// its own: no workspace, and no -modfile meant for the main module.
func buildEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "GOWORK":
			continue
		case "GOFLAGS":
			var keep []string
			for _, f := range strings.Fields(v) {
				if !strings.HasPrefix(f, "-modfile") && !strings.HasPrefix(f, "--modfile") {
					keep = append(keep, f)
				}
			}
			kv = "GOFLAGS=" + strings.Join(keep, " ")
		}
		env = append(env, kv)
	}
	return append(env, "GOWORK=off")
}

// removeOldBinaries deletes builds of earlier sources that nobody has used
// for a day (a build in use by another checkout is younger than that).
func removeOldBinaries(dir, keep string) {
	old, _ := filepath.Glob(filepath.Join(dir, "ferretdb-*"))
	for _, f := range old {
		if info, err := os.Stat(f); err == nil && f != keep && time.Since(info.ModTime()) > 24*time.Hour {
			os.Remove(f)
		}
	}
}

// removeStaleDirs removes the directories of earlier test processes that
// died without stopping their servers (a test binary killed by -timeout).
func removeStaleDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, d := range dirs {
		data, err := os.ReadFile(filepath.Join(d, ownerPIDRel))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil || processAlive(pid) || !exists(filepath.Join(d, "data")) {
			continue // in use, or logs kept on purpose after a failure
		}
		// Its postgres stopped when the owner died (see sysProcAttr); what is
		// left is files.
		os.RemoveAll(d)
	}
}
