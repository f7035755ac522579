package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	_ "github.com/mattn/go-sqlite3" // the FTS5 baseline; built with -tags sqlite_fts5
)

// fts is the baseline: SQLite FTS5 with the trigram tokenizer over the
// same texts, in one file, as a careful engineer would set it up for
// substring search. Terms of three runes or more are FTS5 phrases (exact
// for trigram); shorter ones cannot be served by trigrams and go to LIKE,
// which scans the table.
type fts struct {
	db *sql.DB
}

func openFTS(file string) (*fts, error) {
	db, err := sql.Open("sqlite3", "file:"+file+"?_journal_mode=WAL&_synchronous=FULL")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE VIRTUAL TABLE IF NOT EXISTS docs USING fts5(body, tokenize='trigram')`); err != nil {
		db.Close()
		return nil, fmt.Errorf("fts5 (built with -tags sqlite_fts5?): %w", err)
	}
	return &fts{db: db}, nil
}

// put inserts texts in one transaction.
func (f *fts) put(texts []string) error {
	tx, err := f.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.Prepare(`INSERT INTO docs(body) VALUES (?)`)
	if err != nil {
		return err
	}
	for _, t := range texts {
		if _, err := st.Exec(t); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// count returns how many documents match terms (folded, as ParseQuery
// returns them).
func (f *fts) count(ctx context.Context, terms []term) (int, error) {
	var match, notMatch []string
	var where []string
	var args []any
	for _, t := range terms {
		if utf8.RuneCountInString(t.text) >= 3 {
			phrase := `"` + strings.ReplaceAll(t.text, `"`, `""`) + `"`
			if t.exclude {
				notMatch = append(notMatch, phrase)
			} else {
				match = append(match, phrase)
			}
			continue
		}
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(t.text) + "%"
		if t.exclude {
			where = append(where, `body NOT LIKE ? ESCAPE '\'`)
		} else {
			where = append(where, `body LIKE ? ESCAPE '\'`)
		}
		args = append(args, like)
	}
	switch {
	case len(match) > 0:
		expr := "(" + strings.Join(match, " AND ") + ")"
		for _, n := range notMatch {
			expr += " NOT " + n
		}
		where = append([]string{`docs MATCH ?`}, where...)
		args = append([]any{expr}, args...)
	case len(notMatch) > 0:
		where = append(where, `rowid NOT IN (SELECT rowid FROM docs WHERE docs MATCH ?)`)
		args = append(args, strings.Join(notMatch, " OR "))
	}
	var n int
	err := f.db.QueryRowContext(ctx, `SELECT count(*) FROM docs WHERE `+strings.Join(where, " AND "), args...).Scan(&n)
	return n, err
}

func (f *fts) close() error { return f.db.Close() }
