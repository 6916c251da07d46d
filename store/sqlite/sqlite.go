// Package sqlite is the embedded storage adapter: one SQLite file in the data
// directory (pure Go, no cgo), WAL mode with synchronous=FULL so that a write
// is durable before it is acknowledged, and versioned migrations applied at
// start. It implements the domain packages' Store interfaces.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"chorus/account"
	"chorus/audit"
	"chorus/internal/fault"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// DB is an open embedded store.
type DB struct {
	db  *sql.DB
	dir string
	// stmts holds the hottest queries prepared once (each per connection,
	// lazily, by database/sql), keyed by their text: preparing a statement
	// afresh for every query was about 15% of the server's CPU while
	// viewers join a room.
	stmts sync.Map // string → *sql.Stmt
	// commit batches concurrent writes of the hot paths into one
	// transaction and one fsync (commit.go).
	commit *committer
}

var (
	_ account.Store = (*DB)(nil)
	_ audit.Store   = (*DB)(nil)
)

// FileName is the database file inside the data directory.
const FileName = "chorus.db"

// Open opens (creating if needed) the store in dir and applies migrations.
func Open(ctx context.Context, dir string) (*DB, error) {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(ON)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + filepath.Join(dir, FileName) + "?" + q.Encode()
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	// Reads run in parallel under WAL; writers queue on SQLite's lock. One
	// connection is the group commit's own (commit.go), eight serve the rest.
	sqldb.SetMaxOpenConns(9)
	// Keep them all open when idle: database/sql keeps two by default, so
	// under concurrent load connections were closed and opened again
	// (pragmas, schema, every prepared statement anew), half the cost of a
	// support's reads in its CPU profile.
	sqldb.SetMaxIdleConns(9)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	d := &DB{db: sqldb, dir: dir}
	if err := d.migrate(ctx); err != nil {
		sqldb.Close()
		return nil, err
	}
	if d.commit, err = newCommitter(ctx, sqldb); err != nil {
		sqldb.Close()
		return nil, err
	}
	return d, nil
}

// Dir is the directory holding the database files.
func (d *DB) Dir() string { return d.dir }

// Close closes the database.
func (d *DB) Close() error {
	d.commit.close()
	d.stmts.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		d.stmts.Delete(k)
		return true
	})
	return d.db.Close()
}

// prepared returns a hot query's statement, prepared on first use. Only
// queries of fixed text belong here: the cache is never pruned.
func (d *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := d.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := d.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, translate(err)
	}
	if prev, loaded := d.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// queryRow runs a hot single-row query through its prepared statement.
func (d *DB) queryRow(ctx context.Context, query string, args ...any) interface{ Scan(...any) error } {
	st, err := d.prepared(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// errRow is a row whose statement could not be prepared.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// Ping reports whether the database answers.
func (d *DB) Ping(ctx context.Context) error {
	var one int
	if err := d.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fault.ErrUnavailable.Wrap(err)
	}
	return nil
}

// translate maps driver errors to domain faults.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fault.ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fault.ErrConflict.Wrap(err)
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL:
			return fault.ErrUnavailable.Wrap(err)
		}
	}
	if strings.Contains(err.Error(), "database is closed") {
		return fault.ErrUnavailable.Wrap(err)
	}
	return err
}

// exec runs a statement and reports ErrNotFound when it changed no row.
func (d *DB) execOne(ctx context.Context, query string, args ...any) error {
	res, err := d.db.ExecContext(ctx, query, args...)
	if err != nil {
		return translate(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fault.ErrNotFound
	}
	return nil
}

// Times are stored as Unix milliseconds: exact, sortable, zone-free.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}
