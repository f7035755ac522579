package main

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

// The floor is the least a server can do with an upload and still do what
// the foundation issue asks of cpaudit's: receive the bytes over HTTP, hash
// them with SHA-256 as they arrive, write them to a temporary file, rename
// it to its content address and make it durable (fsync of the file and of
// its directory), then commit one row about it in SQLite (WAL,
// synchronous=FULL), and answer. It reads a raw body instead of a
// multipart form and checks no login, keeps no audit log and starts no
// background work; it gets the same pipeline as cpaudit (hashing and
// writing beside receiving, writeback started as the file grows, rename
// before fsync so that one journal commit covers both). So floor/direct
// is about the best any implementation of the API can reach on this
// machine, and ours/floor is what cpaudit's own work costs on top.

// floorServer answers POST /upload and GET /readyz.
type floorServer struct {
	tmp, blobs string
	blobDir    *os.File
	db         *sql.DB
	// writer makes the uploads' transactions take turns here, as
	// cpaudit's do (storage.sqlDB), not in SQLite's busy handler, which
	// sleeps up to 100 ms a try.
	writer sync.Mutex
}

// serveFloor runs the floor server on addr with its files under dir, until
// the process is killed. It is what the benchmark runs in a child process
// of its own, as it runs cpaudit.
func serveFloor(addr, dir string) error {
	fs := &floorServer{tmp: filepath.Join(dir, "tmp"), blobs: filepath.Join(dir, "blobs")}
	for _, d := range []string{fs.tmp, fs.blobs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	var err error
	if fs.blobDir, err = os.Open(fs.blobs); err != nil {
		return err
	}
	dsn := "file:" + filepath.Join(dir, "floor.db") + "?_journal_mode=WAL&_synchronous=FULL&_txlock=immediate&_busy_timeout=10000"
	if fs.db, err = sql.Open("sqlite3", dsn); err != nil {
		return err
	}
	if _, err := fs.db.Exec(`CREATE TABLE IF NOT EXISTS blobs (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL, size INTEGER NOT NULL, stored_at TEXT NOT NULL)`); err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("POST /upload", fs.upload)
	return http.ListenAndServe(addr, mux)
}

func (fs *floorServer) upload(w http.ResponseWriter, r *http.Request) {
	id, err := fs.store(r.Body, r.ContentLength)
	if err != nil {
		log.Printf("floor: %v", err)
		http.Error(w, "upload failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"id":%d}`, id)
}

// store makes body a durable blob and commits its row after that; want is
// the body's length when the request said (-1 when it did not).
func (fs *floorServer) store(body io.Reader, want int64) (int64, error) {
	f, err := os.CreateTemp(fs.tmp, "upload-*")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sum, size, err := spool(body, f)
	if err == nil && want >= 0 && size != want {
		err = fmt.Errorf("body of %d bytes, %d announced", size, want)
	}
	if err != nil {
		os.Remove(f.Name())
		return 0, err
	}
	if err := os.Rename(f.Name(), filepath.Join(fs.blobs, sum)); err != nil {
		os.Remove(f.Name())
		return 0, err
	}
	durable := make(chan error, 1)
	go func() {
		durable <- errors.Join(f.Sync(), fs.blobDir.Sync())
	}()
	fs.writer.Lock()
	defer fs.writer.Unlock()
	tx, err := fs.db.Begin()
	if err != nil {
		return 0, errors.Join(err, <-durable)
	}
	defer tx.Rollback()
	res, err := tx.Exec(`INSERT INTO blobs (sha256, size, stored_at) VALUES (?, ?, ?)`,
		sum, size, time.Now().UTC().Format(time.RFC3339Nano))
	if err := errors.Join(err, <-durable); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// spool copies body into f while hashing it, receiving, hashing and
// writing in three goroutines a 64 KiB chunk at a time, as cpaudit does.
func spool(body io.Reader, f *os.File) (sum string, size int64, err error) {
	const chunk, depth, window = 64 << 10, 8, 256 << 10
	free, toHash, toWrite := make(chan []byte, depth), make(chan []byte, depth), make(chan []byte, depth)
	for range depth {
		free <- make([]byte, chunk)
	}
	sums, writeErr := make(chan string, 1), make(chan error, 1)
	go func() {
		h := sha256.New()
		for b := range toHash {
			h.Write(b)
			toWrite <- b
		}
		close(toWrite)
		sums <- hex.EncodeToString(h.Sum(nil))
	}()
	go func() {
		var werr error
		var written, started int64
		for b := range toWrite {
			if werr == nil {
				_, werr = f.Write(b)
			}
			written += int64(len(b))
			if written-started >= window {
				startWriteback(f, started, written-started)
				started = written
			}
			free <- b[:cap(b)]
		}
		startWriteback(f, started, written-started)
		writeErr <- werr
	}()
	for err == nil {
		b := <-free
		var n int
		n, err = io.ReadFull(body, b)
		size += int64(n)
		if n > 0 {
			toHash <- b[:n]
		}
	}
	close(toHash)
	sum = <-sums
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = nil
	}
	return sum, size, errors.Join(err, <-writeErr)
}
