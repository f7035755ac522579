package main

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mattn/go-sqlite3" // the FTS5 baseline; built with -tags sqlite_fts5
)

// fts is the baseline: SQLite FTS5 set up as a careful engineer would for
// exact substring search over the same texts, in one file:
//
//   - docs: FTS5 with the trigram tokenizer (case-insensitive, as our
//     index folds). A term of three characters or more is an FTS5 phrase,
//     which trigram answers exactly.
//   - grams: FTS5 with detail=none (document ids only, no positions) over
//     a side column of tokens, one for each distinct character and each
//     distinct bigram of the folded text, written as fixed-width base-36
//     code points (unigram 4 letters, bigram 8) so that the ascii
//     tokenizer keeps them whole. A term of one or two characters is one
//     token there: no LIKE scan.
//   - Both tables are optimised after loading ('optimize' merges each
//     into one b-tree segment), the connection has a 64 MiB page cache
//     and maps the file (mmap_size), and every query runs as a prepared
//     statement kept for its shape.
//
// A query of terms of both kinds intersects the rowids the two tables
// give; excluded terms go into the MATCH expression of their table when it
// has a required term, else are removed with EXCEPT.
type fts struct {
	db    *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// ftsConfig is printed with the results.
const ftsConfig = "FTS5 trigram table (case-insensitive) for terms of ≥3 characters + FTS5 detail=none table of each document's " +
	"distinct characters and bigrams for terms of 1-2 characters, both optimised after loading ('optimize'); " +
	"cache_size=-65536 (64 MiB), mmap_size=1 GiB, temp_store=memory, WAL; loaded in one transaction per batch; prepared statements"

var registerOnce sync.Once

// ftsDriver opens connections with the baseline's pragmas on each one.
const ftsDriver = "sqlite3_fts_bench"

func openFTS(file string) (*fts, error) {
	registerOnce.Do(func() {
		sql.Register(ftsDriver, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
			for _, p := range []string{
				"PRAGMA cache_size=-65536",
				"PRAGMA mmap_size=1073741824",
				"PRAGMA temp_store=memory",
			} {
				if _, err := c.Exec(p, nil); err != nil {
					return err
				}
			}
			return nil
		}})
	})
	db, err := sql.Open(ftsDriver, "file:"+file+"?_journal_mode=WAL&_synchronous=FULL")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	for _, s := range []string{
		`CREATE VIRTUAL TABLE IF NOT EXISTS docs USING fts5(body, tokenize='trigram')`,
		`CREATE VIRTUAL TABLE IF NOT EXISTS grams USING fts5(toks, tokenize='ascii', detail=none)`,
	} {
		if _, err := db.Exec(s); err != nil {
			db.Close()
			return nil, fmt.Errorf("fts5 (built with -tags sqlite_fts5?): %w", err)
		}
	}
	return &fts{db: db, stmts: map[string]*sql.Stmt{}}, nil
}

// put inserts texts in one transaction, rowids from first on.
func (f *fts) put(first int64, texts []string) error {
	tx, err := f.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	body, err := tx.Prepare(`INSERT INTO docs(rowid, body) VALUES (?, ?)`)
	if err != nil {
		return err
	}
	toks, err := tx.Prepare(`INSERT INTO grams(rowid, toks) VALUES (?, ?)`)
	if err != nil {
		return err
	}
	var buf []byte
	for i, t := range texts {
		if _, err := body.Exec(first+int64(i), t); err != nil {
			return err
		}
		buf = gramTokens(buf[:0], t)
		if _, err := toks.Exec(first+int64(i), buf); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// optimize merges each table's segments into one.
func (f *fts) optimize() error {
	for _, s := range []string{
		`INSERT INTO docs(docs) VALUES('optimize')`,
		`INSERT INTO grams(grams) VALUES('optimize')`,
	} {
		if _, err := f.db.Exec(s); err != nil {
			return err
		}
	}
	_, err := f.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// gramTokens appends to buf the tokens of grams' column for text: each
// distinct character and each distinct bigram of the folded text, once.
func gramTokens(buf []byte, text string) []byte {
	seen := make(map[uint64]struct{}, len(text)/3)
	var prev rune = -1
	for _, r := range text {
		r = unicode.ToLower(r) // rune by rune, as the index folds
		if _, ok := seen[uint64(r)|1<<63]; !ok {
			seen[uint64(r)|1<<63] = struct{}{}
			buf = appendToken(buf, r, -1)
		}
		if prev >= 0 {
			k := uint64(prev)<<21 | uint64(r)
			if _, ok := seen[k]; !ok {
				seen[k] = struct{}{}
				buf = appendToken(buf, prev, r)
			}
		}
		prev = r
	}
	return buf
}

// appendToken appends the token of a (b < 0) or of the bigram ab, and a
// space.
func appendToken(buf []byte, a, b rune) []byte {
	buf = appendCode(buf, a)
	if b >= 0 {
		buf = appendCode(buf, b)
	}
	return append(buf, ' ')
}

// appendCode appends r in base 36, four digits (36⁴ > U+10FFFF).
func appendCode(buf []byte, r rune) []byte {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	n := uint32(r)
	return append(buf, digits[n/46656%36], digits[n/1296%36], digits[n/36%36], digits[n%36])
}

// gramToken is the grams token of a term of one or two runes.
func gramToken(t string) string {
	rs := []rune(t)
	if len(rs) == 1 {
		return strings.TrimSpace(string(appendToken(nil, rs[0], -1)))
	}
	return strings.TrimSpace(string(appendToken(nil, rs[0], rs[1])))
}

// count returns how many documents match terms (folded, as ParseQuery
// returns them).
func (f *fts) count(ctx context.Context, terms []term) (int, error) {
	var long, short, notLong, notShort []string
	for _, t := range terms {
		if utf8.RuneCountInString(t.text) >= 3 {
			phrase := `"` + strings.ReplaceAll(t.text, `"`, `""`) + `"`
			if t.exclude {
				notLong = append(notLong, phrase)
			} else {
				long = append(long, phrase)
			}
			continue
		}
		if t.exclude {
			notShort = append(notShort, gramToken(t.text))
		} else {
			short = append(short, gramToken(t.text))
		}
	}
	// One SELECT of rowids per table with a required term (its excluded
	// terms inside its MATCH), INTERSECTed; excluded terms of a table
	// without a required one EXCEPTed.
	var selects, excepts []string
	var args []any
	add := func(table string, req, not []string) {
		switch {
		case len(req) > 0:
			expr := strings.Join(req, " AND ")
			if len(not) > 0 {
				expr = "(" + expr + ") NOT (" + strings.Join(not, " OR ") + ")"
			}
			selects = append(selects, `SELECT rowid FROM `+table+` WHERE `+table+` MATCH ?`)
			args = append(args, expr)
		case len(not) > 0:
			excepts = append(excepts, `SELECT rowid FROM `+table+` WHERE `+table+` MATCH ?`)
			args = append(args, strings.Join(not, " OR "))
		}
	}
	add("docs", long, notLong)
	add("grams", short, notShort)
	var q string
	if len(selects) == 1 && len(excepts) == 0 {
		q = strings.Replace(selects[0], "SELECT rowid", "SELECT count(*)", 1)
	} else {
		q = `SELECT count(*) FROM (` + strings.Join(selects, " INTERSECT ")
		for _, e := range excepts {
			q += " EXCEPT " + e
		}
		q += ")"
	}
	st, err := f.stmt(q)
	if err != nil {
		return 0, err
	}
	var n int
	err = st.QueryRowContext(ctx, args...).Scan(&n)
	return n, err
}

// stmt returns the prepared statement of q, preparing it the first time.
func (f *fts) stmt(q string) (*sql.Stmt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if st, ok := f.stmts[q]; ok {
		return st, nil
	}
	st, err := f.db.Prepare(q)
	if err != nil {
		return nil, err
	}
	f.stmts[q] = st
	return st, nil
}

func (f *fts) close() error {
	for _, st := range f.stmts {
		st.Close()
	}
	f.stmts = map[string]*sql.Stmt{}
	return f.db.Close()
}

// statements says how many distinct prepared statements the queries used.
func (f *fts) statements() string { return strconv.Itoa(len(f.stmts)) }
