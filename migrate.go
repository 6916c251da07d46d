package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"chorus/store/mongo"
	"chorus/store/sqlite"
)

// migrateBatch is how many documents one insert sends.
const migrateBatch = 500

// migrate moves an embedded installation into MongoDB, then checks that
// every moved table arrived whole: `chorus migrate --from <data dir> --to
// <mongodb uri> [--database <name>] [--into-nonempty]`. Chorus must be
// stopped (or the migration made from a restored backup): see
// docs/operations.md, "Moving to MongoDB".
func migrate(ctx context.Context, cfg *Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "data directory of the embedded store to move")
	to := fs.String("to", cfg.MongoURI, "MongoDB URI to move it to")
	database := fs.String("database", cfg.MongoDatabase, "MongoDB database name")
	intoNonempty := fs.Bool("into-nonempty", false, "add to a database that already holds documents (none is ever overwritten)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		return errors.New("migrate: --from <data directory> and --to <mongodb uri> are required")
	}
	if _, err := os.Stat(filepath.Join(*from, sqlite.FileName)); err != nil {
		return fmt.Errorf("migrate: no embedded store in %s: %w", *from, err)
	}
	src, err := sqlite.Open(ctx, *from)
	if err != nil {
		return fmt.Errorf("migrate: open embedded store: %w", err)
	}
	defer src.Close()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		return err
	}
	defer snap.Close()
	tables := snap.Tables()
	var unknown []string
	for _, t := range tables {
		if _, _, known := mongo.ImportPlan(t); !known {
			unknown = append(unknown, t)
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("migrate: the embedded store has tables this Chorus cannot move (%s); nothing was moved", strings.Join(unknown, ", "))
	}

	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	dst, err := mongo.Open(openCtx, *to, *database)
	cancel()
	if err != nil {
		return fmt.Errorf("migrate: open MongoDB: %w", err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		dst.Close(closeCtx)
	}()
	before, err := dst.Counts(ctx)
	if err != nil {
		return err
	}
	var held []string
	for coll, n := range before {
		if n > 0 {
			held = append(held, fmt.Sprintf("%s: %d", coll, n))
		}
	}
	slices.Sort(held)
	target := fmt.Sprintf("database %q at %s", *database, redactURI(*to))
	if len(held) > 0 && !*intoNonempty {
		return fmt.Errorf("migrate: %s is not empty (%s); nothing was moved. To add to it anyway, give --into-nonempty: documents already there are never overwritten",
			target, strings.Join(held, ", "))
	}

	fmt.Fprintf(stdout, "Moving the embedded store in %s to %s.\n\n", *from, target)
	moved := map[string]*tableMove{}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "table\tcollection\trows\tinserted\talready there\tconflicts")
	for _, table := range tables {
		coll, skip, _ := mongo.ImportPlan(table)
		m := &tableMove{table: table, coll: coll, skip: skip}
		moved[table] = m
		if coll == "" {
			if err := snap.Rows(ctx, table, func(map[string]any) error { m.rows++; return nil }); err != nil {
				return err
			}
			fmt.Fprintf(w, "%s\t-\t%d\t-\t-\t-\n", table, m.rows)
			continue
		}
		if err := m.move(ctx, snap, dst); err != nil {
			w.Flush()
			return fmt.Errorf("migrate: %s: %w", table, err)
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d\t%d\n", table, coll, m.rows, m.inserted, m.already, m.conflicts)
	}
	w.Flush()

	fmt.Fprintln(stdout, "\nVerifying: every moved table's rows, read again, against what the database now holds.")
	w = tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "table\tcollection\tsource\ttarget\tsource checksum\ttarget checksum\tresult")
	var failed, notMoved []string
	for _, table := range tables {
		m := moved[table]
		if m.coll == "" {
			notMoved = append(notMoved, fmt.Sprintf("%s (%d rows): %s", table, m.rows, m.skip))
			continue
		}
		v, err := verifyTable(ctx, snap, dst, m, before[m.coll])
		if err != nil {
			w.Flush()
			return fmt.Errorf("migrate: verify %s: %w", table, err)
		}
		result := "OK"
		if !v.ok {
			result = "FAILED: " + v.why
			failed = append(failed, table)
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%s\t%s\t%s\n", table, m.coll, v.sourceRows, v.targetFound, v.sourceSum[:16], v.targetSum[:16], result)
	}
	w.Flush()
	fmt.Fprintln(stdout, "\nNot moved:")
	for _, s := range notMoved {
		fmt.Fprintln(stdout, "  "+s)
	}
	if len(failed) > 0 {
		return fmt.Errorf("migrate: verification FAILED for %s: see the table above; the target was not cleaned up", strings.Join(failed, ", "))
	}
	fmt.Fprintf(stdout, "\nVerified: every moved table's count and checksum match in %s.\n", target)
	fmt.Fprintln(stdout, "Sessions were not moved: everyone signs in again. Start Chorus with --mongodb-uri and --mongodb-database,")
	fmt.Fprintln(stdout, "and give every instance the same secret file as before (CHORUS_SECRET_FILE; by default secret.key in the old data directory).")
	return nil
}

// tableMove is one table's move.
type tableMove struct {
	table, coll, skip            string
	rows                         int
	inserted, already, conflicts int
}

// move converts the table's rows and inserts them in batches.
func (m *tableMove) move(ctx context.Context, snap *sqlite.Snapshot, dst *mongo.DB) error {
	var batch []mongo.ImportDoc
	flush := func() error {
		outcomes, err := dst.Import(ctx, m.coll, batch)
		if err != nil {
			return err
		}
		for _, o := range outcomes {
			switch o {
			case mongo.Inserted:
				m.inserted++
			case mongo.AlreadyThere:
				m.already++
			default:
				m.conflicts++
			}
		}
		batch = batch[:0]
		return nil
	}
	err := snap.Rows(ctx, m.table, func(r map[string]any) error {
		m.rows++
		id, doc, err := mongo.ConvertRow(m.table, r)
		if err != nil {
			return err
		}
		if batch = append(batch, mongo.ImportDoc{ID: id, Doc: doc}); len(batch) == migrateBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// tableCheck is one table's verification.
type tableCheck struct {
	sourceRows, targetFound int
	sourceSum, targetSum    string
	ok                      bool
	why                     string
}

// verifyTable reads the table again and its collection, and compares them:
// the rows, converted as the move converts them, and the documents with
// their IDs must be as many, with the same SHA-256 over each record's
// canonical form (fields sorted by name), the records' hashes sorted; and
// the collection must hold nothing else that the move did not find there
// before.
func verifyTable(ctx context.Context, snap *sqlite.Snapshot, dst *mongo.DB, m *tableMove, before int64) (*tableCheck, error) {
	v := &tableCheck{}
	want := map[string]bool{}
	var sourceHashes, targetHashes [][]byte
	err := snap.Rows(ctx, m.table, func(r map[string]any) error {
		v.sourceRows++
		id, doc, err := mongo.ConvertRow(m.table, r)
		if err != nil {
			return err
		}
		if want[id] {
			return fmt.Errorf("two rows give the document %s", id)
		}
		want[id] = true
		h, err := recordHash(doc)
		sourceHashes = append(sourceHashes, h)
		return err
	})
	if err != nil {
		return nil, err
	}
	var total int64
	err = dst.ScanCollection(ctx, m.coll, func(id string, doc []byte) error {
		total++
		if !want[id] {
			return nil
		}
		v.targetFound++
		h, err := recordHash(doc)
		targetHashes = append(targetHashes, h)
		return err
	})
	if err != nil {
		return nil, err
	}
	v.sourceSum, v.targetSum = checksum(sourceHashes), checksum(targetHashes)
	switch {
	case v.sourceRows != m.rows:
		v.why = fmt.Sprintf("the embedded store changed during the move (%d rows, then %d)", m.rows, v.sourceRows)
	case v.targetFound != v.sourceRows:
		v.why = fmt.Sprintf("%d of %d documents are missing", v.sourceRows-v.targetFound, v.sourceRows)
	case v.sourceSum != v.targetSum:
		v.why = "the documents differ from the rows"
		if m.conflicts > 0 {
			v.why = fmt.Sprintf("%d documents already there conflict with rows", m.conflicts)
		}
	case m.conflicts > 0:
		v.why = fmt.Sprintf("%d rows conflict with documents already there", m.conflicts)
	case total != before+int64(m.inserted):
		v.why = fmt.Sprintf("the collection holds %d documents, not %d (%d before and %d inserted): something else wrote to it",
			total, before+int64(m.inserted), before, m.inserted)
	default:
		v.ok = true
	}
	return v, nil
}

// recordHash is the SHA-256 of one record's canonical form.
func recordHash(doc []byte) ([]byte, error) {
	c, err := mongo.Canonical(doc)
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(c)
	return h[:], nil
}

// checksum is the SHA-256 over a table's record hashes, sorted so that the
// order the records are read in does not matter.
func checksum(hashes [][]byte) string {
	slices.SortFunc(hashes, bytes.Compare)
	h := sha256.New()
	for _, r := range hashes {
		h.Write(r)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// redactURI hides a password in a URI for printing.
func redactURI(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "the MongoDB server"
	}
	return u.Redacted()
}
