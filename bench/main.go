// Command bench is Chorus's load generator. It builds Chorus, runs it as a
// separate process on a temporary embedded store, and measures it beside
// baselines started in the same run (a bare Fiber websocket hub and Fiber's
// hello world), against the targets in PERFORMANCE.md.
//
//	go run ./bench all                    every benchmark; exit status 1 if a target is missed
//	go run ./bench viewers|broadcast|supports|meeting|page|startup|restart
//	go run ./bench all -sizes 200 -supporters 300 -duration 2s   a quick smoke run
//	go run ./bench all -rev HEAD          measure the last commit, not the working tree
//	go run ./bench all -bin /tmp/chorus   measure a binary built elsewhere
//
// viewers and broadcast are one benchmark (the broadcast goes to the
// viewers held). The barehub sub-command is the baseline server itself.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	raiseFileLimit()
	cmd, args := "all", os.Args[1:]
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	if cmd == "barehub" {
		err = runBareHub(args)
	} else {
		err = runBench(cmd, args)
	}
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
		os.Exit(1)
	}
}

// runner holds one run's settings and what its benchmarks share.
type runner struct {
	repo       string
	dir        string // temporary: binaries, stores, server logs
	self       string // this program, to start the bare hub
	rev        string // git revision to build; empty: the working tree
	sizes      []int
	messages   int
	supporters int
	watchers   int
	duration   time.Duration
	followers  int           // the meeting room's audience
	changes    int           // "now discussing" changes in the meeting room
	every      time.Duration // between those changes
	store      string        // a MongoDB URI; empty: the embedded store

	buildOnce  sync.Once
	bin        string
	binErr     error
	chorusOnce sync.Once
	ch         *chorus
	chErr      error
	table      table
}

func runBench(cmd string, args []string) error {
	fs := flag.NewFlagSet("bench "+cmd, flag.ContinueOnError)
	sizes := fs.String("sizes", "1000,5000,10000", "viewers held in one room, comma-separated")
	messages := fs.Int("messages", 20, "broadcasts per room size")
	supporters := fs.Int("supporters", 4000, "visitors who each support the issue once, 64 at a time")
	watchers := fs.Int("watchers", 1000, "viewers watching the count during the support burst")
	duration := fs.Duration("duration", 5*time.Second, "length of each page-load run")
	followers := fs.Int("followers", 1000, "followers of the live meeting (meeting benchmark)")
	changes := fs.Int("changes", 8, "changes of the meeting's current item")
	every := fs.Duration("every", 3*time.Second, "time between those changes")
	bin := fs.String("bin", "", "measure this Chorus binary instead of building one")
	rev := fs.String("rev", "", "build this git revision (e.g. HEAD) instead of the working tree")
	keep := fs.Bool("keep", false, "keep the temporary directory (server logs) afterwards")
	store := fs.String("store", "", "a mongodb:// URI: run Chorus on a new database there instead of the embedded store")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r := &runner{bin: *bin, rev: *rev, messages: *messages, supporters: *supporters, watchers: *watchers, duration: *duration,
		followers: *followers, changes: *changes, every: *every, store: *store}
	if r.store != "" && !strings.HasPrefix(r.store, "mongodb://") && !strings.HasPrefix(r.store, "mongodb+srv://") {
		return fmt.Errorf("-store %q: want a mongodb:// URI (the embedded store is the default)", r.store)
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return fmt.Errorf("-sizes: %q is not a positive number", s)
		}
		r.sizes = append(r.sizes, n)
	}
	var err error
	if r.repo, err = os.Getwd(); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(r.repo, "go.mod")); err != nil {
		return errors.New("run from the repository root: go run ./bench all")
	}
	if r.self, err = os.Executable(); err != nil {
		return err
	}
	if r.dir, err = os.MkdirTemp("", "chorus-bench-"); err != nil {
		return err
	}
	if *keep {
		fmt.Println("logs and stores in", r.dir)
	} else {
		defer os.RemoveAll(r.dir)
	}
	storeName := "embedded SQLite"
	if r.store != "" {
		storeName = "MongoDB " + redactURI(r.store)
	}
	fmt.Printf("bench %s on %s: %d CPUs, GOMAXPROCS %d, open-files limit %d, %s, load average %s\n", cmd, storeName, runtime.NumCPU(), runtime.GOMAXPROCS(0), fileLimit(), runtime.Version(), loadAverage())
	// Clients and servers share the cores: other work on the machine skews
	// every figure, so the report says how busy it was.
	defer func() { fmt.Println("load average at the end:", loadAverage()) }()

	benchmarks := map[string]func() error{
		"startup": r.benchStartup, "page": r.benchPage, "supports": r.benchSupports,
		"viewers": r.benchRooms, "restart": r.benchRestart, "meeting": r.benchMeeting,
	}
	todo := []string{cmd}
	switch cmd {
	case "all":
		todo = []string{"startup", "page", "supports", "meeting", "viewers", "restart"}
	case "broadcast":
		todo = []string{"viewers"} // the broadcast goes to the viewers held
	}
	for _, name := range todo {
		bench, ok := benchmarks[name]
		if !ok {
			return fmt.Errorf("unknown benchmark %q: all, viewers, broadcast, supports, meeting, page, startup, restart or barehub", cmd)
		}
		// A benchmark that cannot finish is a missed target; the others
		// still run.
		if err := bench(); err != nil {
			fmt.Fprintf(os.Stderr, "bench %s: %v\n", name, err)
			r.table.check(name+" benchmark", "failed", "", "", "completes", false)
		}
	}
	r.table.print(os.Stdout)
	if missed := r.table.missed(); missed > 0 {
		return fmt.Errorf("%d target(s) missed", missed)
	}
	return nil
}

func (r *runner) logPath(name string) string { return filepath.Join(r.dir, name) }

// chorus builds Chorus and seeds its store, once per run.
func (r *runner) chorus() (*chorus, error) {
	r.chorusOnce.Do(func() {
		r.ch, r.chErr = r.newChorus("store")
	})
	return r.ch, r.chErr
}

// newChorus builds (or reuses) the binary and seeds a new store in dir/name.
func (r *runner) newChorus(name string) (*chorus, error) {
	bin, err := r.binary()
	if err != nil {
		return nil, err
	}
	ch := &chorus{bin: bin, dataDir: filepath.Join(r.dir, name), logDir: r.dir}
	if r.store != "" {
		// A new database per store and run: the seed expects an empty one.
		ch.mongoURI, ch.mongoDB = r.store, fmt.Sprintf("bench_%s_%d", name, time.Now().UnixNano())
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	step("seeding a store: demo region, a forum of 20 issues")
	return ch, ch.seed(addr)
}

// binary builds Chorus once per run.
func (r *runner) binary() (string, error) {
	r.buildOnce.Do(func() {
		if r.bin != "" {
			return // given with -bin
		}
		what := "(working tree)"
		if r.rev != "" {
			out, _ := exec.Command("git", "-C", r.repo, "rev-parse", "--short", r.rev).Output()
			what = r.rev + " = " + strings.TrimSpace(string(out))
		}
		step("building chorus %s", what)
		r.bin, r.binErr = buildChorus(r.repo, r.rev, r.dir)
	})
	return r.bin, r.binErr
}

// step tells the person running the benchmark what is happening.
func step(format string, a ...any) {
	fmt.Printf("%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, a...)...)
}

// redactURI hides a URI's password, for printing.
func redactURI(uri string) string {
	if u, err := url.Parse(uri); err == nil {
		return u.Redacted()
	}
	return "(unparsable URI)"
}
