package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"

	"chorus/internal/fault"
)

// Group commit. With synchronous=FULL every commit waits for an fsync of the
// write-ahead log, and SQLite runs one writer at a time: written one by one,
// concurrent writes queue behind each other's fsync (about 370 supports a
// second on the 2-core machine, however many people press at once). The
// committer instead runs the writes that arrive together in one transaction
// with one fsync, and answers each only after that commit returned, so
// nothing acknowledged can be lost (docs/decisions/0006-group-commit.md).
//
// One goroutine does all the batched writing, on a connection of its own
// (so that it never waits for the pool while it holds the write lock, which
// writers outside it may be waiting for with pooled connections). It takes
// the first waiting write, then every other already waiting (up to
// maxBatch), and runs them in order inside BEGIN IMMEDIATE … COMMIT, each
// under its own savepoint so that one that fails (a support already there, a
// row already gone) leaves the others' changes in place. There is no
// deliberate delay: a lone write commits at once, and while one commit waits
// for its fsync the next batch gathers by itself.

// maxBatch bounds a batch, so that one commit holds the write lock briefly.
const maxBatch = 128

// writeFunc is one write inside a batch's transaction: statements run
// through tx.exec, with the ctx it is given (never cancelled: an
// interrupted statement would roll back the whole batch).
type writeFunc func(ctx context.Context, tx *batchTx) error

type writeReq struct {
	ctx  context.Context // the caller's: a write whose caller gave up before its turn is skipped
	fn   writeFunc
	done chan error // buffered: the committer never blocks on an answer
}

// committer batches concurrent writes into one transaction.
type committer struct {
	mu   sync.RWMutex // held for reading while sending on reqs; close takes it to close reqs
	shut bool
	reqs chan *writeReq
	done chan struct{}
	tx   batchTx
	// commits and writes count transactions committed and the writes they
	// carried (tests and benchmarks read them).
	commits, writes atomic.Int64
	// hold, when set (tests only), runs before each batch begins.
	hold func()
}

// batchTx is the committer's connection and its statements, each prepared
// once: inside a batch, the one transaction open on it.
type batchTx struct {
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
}

func newCommitter(ctx context.Context, db *sql.DB) (*committer, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, translate(err)
	}
	c := &committer{reqs: make(chan *writeReq, maxBatch), done: make(chan struct{}),
		tx: batchTx{conn: conn, stmts: map[string]*sql.Stmt{}}}
	go c.run()
	return c, nil
}

// exec runs a statement of fixed text on the committer's connection, on its
// prepared statement.
func (t *batchTx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st := t.stmts[query]
	if st == nil {
		var err error
		if st, err = t.conn.PrepareContext(ctx, query); err != nil {
			return nil, err
		}
		t.stmts[query] = st
	}
	return st.ExecContext(ctx, args...)
}

// write runs fn in the next batch and returns once that batch committed (or
// failed: then nothing of fn is kept). A write whose caller's context ends
// before its turn is not run.
func (d *DB) write(ctx context.Context, fn writeFunc) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	c := d.commit
	c.mu.RLock()
	if c.shut {
		c.mu.RUnlock()
		return fault.ErrUnavailable.Wrap(fmt.Errorf("sqlite: store closed"))
	}
	c.reqs <- r
	c.mu.RUnlock()
	// Wait for the answer even when ctx ends meanwhile: the write may
	// already be in a batch, and its outcome is known only after the commit.
	return <-r.done
}

// execWrite runs one statement of fixed text through the group commit and
// returns the number of rows it changed.
func (d *DB) execWrite(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := d.write(ctx, func(ctx context.Context, tx *batchTx) error {
		res, err := tx.exec(ctx, query, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, translate(err)
}

// changedOne turns execWrite's answer into ErrNotFound when no row changed.
func changedOne(n int64, err error) error {
	if err == nil && n == 0 {
		return fault.ErrNotFound
	}
	return err
}

func (c *committer) run() {
	defer close(c.done)
	batch := make([]*writeReq, 0, maxBatch)
	for first := range c.reqs {
		batch = append(batch[:0], first)
	gather:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-c.reqs:
				if !ok {
					break gather
				}
				batch = append(batch, r)
			default:
				break gather
			}
		}
		if c.hold != nil {
			c.hold()
		}
		c.commitBatch(batch)
		clear(batch)
	}
}

// commitBatch runs a batch in one transaction and answers every write.
func (c *committer) commitBatch(batch []*writeReq) {
	tx := &c.tx
	// Not the callers' contexts: cancelling one would interrupt a statement
	// and so roll back everyone's writes. The values (none today) are kept.
	ctx := context.WithoutCancel(batch[0].ctx)
	results := make([]error, len(batch))
	fail := func(err error) {
		tx.exec(ctx, "ROLLBACK") // when the transaction is still open; an error otherwise, which changes nothing
		err = translate(err)
		for _, r := range batch {
			r.done <- err
		}
	}
	if _, err := tx.exec(ctx, "BEGIN IMMEDIATE"); err != nil {
		fail(err)
		return
	}
	savepoints := len(batch) > 1
	ran := 0
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		ran++
		if !savepoints {
			results[i] = r.fn(ctx, tx)
			continue
		}
		if _, err := tx.exec(ctx, "SAVEPOINT w"); err != nil {
			fail(err)
			return
		}
		if results[i] = r.fn(ctx, tx); results[i] != nil {
			// Undo what this write did; if even that fails, the transaction
			// is in doubt and nobody's write may be acknowledged.
			if _, err := tx.exec(ctx, "ROLLBACK TO w"); err != nil {
				fail(err)
				return
			}
		}
		if _, err := tx.exec(ctx, "RELEASE w"); err != nil {
			fail(err)
			return
		}
	}
	if !savepoints && results[0] != nil {
		// A lone write that failed or was not run: keep nothing of it.
		tx.exec(ctx, "ROLLBACK")
		batch[0].done <- results[0]
		return
	}
	if _, err := tx.exec(ctx, "COMMIT"); err != nil {
		fail(err)
		return
	}
	c.commits.Add(1)
	c.writes.Add(int64(ran))
	for i, r := range batch {
		r.done <- results[i]
	}
}

// close lets the writes already sent finish, then stops the committer and
// gives its connection back.
func (c *committer) close() {
	c.mu.Lock()
	if !c.shut {
		c.shut = true
		close(c.reqs)
	}
	c.mu.Unlock()
	<-c.done
	for _, st := range c.tx.stmts {
		st.Close()
	}
	c.tx.conn.Close()
}
