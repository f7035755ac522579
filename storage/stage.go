package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"

	"github.com/cpaudit/cpaudit"
)

// Staged is an upload written to a local temporary file while hashing,
// so that the blob store gets a known size and a content address, memory
// use does not grow with the file, and the form fields that came after the
// file can still be read before anything is stored. Close removes it.
type Staged struct {
	file   *os.File
	SHA256 string
	Size   int64
}

// Close removes the staged file; it is safe to call more than once.
func (st *Staged) Close() error {
	st.file.Close()
	return os.Remove(st.file.Name())
}

// Sum is the SHA-256 and size of the staged bytes (cpaudit.Staged).
func (st *Staged) Sum() (string, int64) { return st.SHA256, st.Size }

// staged is the store's own staged upload behind st: only what this
// package staged can be stored.
func staged(op string, st cpaudit.Staged) (*Staged, error) {
	if own, ok := st.(*Staged); ok && own != nil {
		return own, nil
	}
	return nil, cpaudit.Internal(op, errors.New("the upload was not staged by this store"))
}

// spoolChunk is how much of an upload is handed at once from one stage
// of Stage's pipeline to the next: small, so that hashing and the disk
// start on the first chunk while the rest is still arriving and little is
// left to do after the last byte (with 256 KiB chunks that tail cost
// 0.7 ms of a 1 MiB upload, with 64 KiB about a quarter of that); large
// enough that a MiB takes 16 write calls, not hundreds.
const spoolChunk = 64 << 10

// spoolDepth is how many chunks of one upload may be in memory at once,
// across the three stages. The receiver waits when hashing or the disk
// falls behind, so memory stays bounded (512 KiB per upload) whatever the
// file's size.
const spoolDepth = 8

// writebackWindow is how much of a staged upload is written before its
// writeback to disk is started, in one call for the whole window. A chunk
// at a time (64 KiB) cost more system calls than it saved fsync time; in
// interleaved runs of 1,000 uploads of 1 MiB, 256 KiB windows gave the
// lowest median (0.4 to 0.6 ms below 64 KiB, and below 512 KiB in two
// runs of three), no writeback the highest.
const writebackWindow = 256 << 10

// Stage copies r into a temporary file under the data directory, hashing
// as it goes. KindTooLarge beyond max bytes; KindInvalid when r fails (the
// client's stream broke off), with r's error as the cause.
//
// Receiving, hashing and writing run side by side, a chunk at a time:
// this goroutine reads r (for an upload, parses the multipart stream)
// into chunks, a second hashes each chunk and a third writes it. Hashing
// and writing one after the other in a single goroutine made that
// goroutine the bottleneck of an upload (SHA-256 of a MiB takes 0.6 ms
// here, writing it 0.3 to 0.5 ms), so the receiver waited on it: in
// interleaved runs of 1 MiB uploads the median was 0.7 ms lower with
// three goroutines than with two. On the local blob store, where the
// staged file becomes the blob, writeback to disk starts after every
// writebackWindow bytes, so the fsync that makes the blob durable mostly
// waits for the tail; staging for S3 does not, since that file is only
// read back and deleted.
func (s *Store) Stage(r io.Reader, max int64) (cpaudit.Staged, error) {
	st, err := s.stage(r, max)
	if err != nil {
		return nil, err
	}
	return st, nil
}

// stage is Stage with the store's own type.
func (s *Store) stage(r io.Reader, max int64) (*Staged, error) {
	const op = "storage.Stage"
	f, err := os.CreateTemp(filepath.Join(s.dataDir, "tmp"), "upload-*")
	if err != nil {
		return nil, cpaudit.Internal(op, err)
	}
	st := &Staged{file: f}
	_, local := s.blobs.(adopter)
	sp := s.newSpool(f, local)
	n, err := sp.ReadFrom(io.LimitReader(r, max+1))
	if werr := sp.finish(); werr != nil {
		err = werr
	}
	if err == nil && n > max {
		err = cpaudit.Refuse(cpaudit.KindTooLarge, cpaudit.CodeUploadTooLarge, "the file is larger than the limit of %d MiB", max>>20).With("max", strconv.FormatInt(max>>20, 10))
	}
	if err != nil {
		st.Close()
		var ce *cpaudit.Error
		if errors.As(err, &ce) {
			return nil, err
		}
		return nil, &cpaudit.Error{Kind: cpaudit.KindInvalid, Code: cpaudit.CodeUploadInterrupted, Op: op, Message: "the upload was interrupted", Err: err}
	}
	st.SHA256, st.Size = hex.EncodeToString(sp.hash.Sum(nil)), n
	return st, nil
}

// spool is the pipeline of Stage: ReadFrom fills chunks and sends them on
// toHash; the hasher hashes each and passes it on toWrite; the writer
// writes it and returns it on free. Every chunk goes through both stages
// in order, so the hash and the file see the same bytes.
type spool struct {
	s         *Store
	f         *os.File
	writeBack bool
	hash      hash.Hash // the hasher's until it has closed toWrite
	toHash    chan []byte
	toWrite   chan []byte
	free      chan []byte
	done      chan error // the writer's first error, or nil, once it has stopped
	cur       []byte     // the chunk being filled
	failed    atomic.Bool
	finished  bool
}

// errSpoolFailed stops ReadFrom when the writer has failed; finish
// returns the writer's own error instead.
var errSpoolFailed = errors.New("staging write failed")

func (s *Store) newSpool(f *os.File, writeBack bool) *spool {
	sp := &spool{
		s: s, f: f, writeBack: writeBack, hash: sha256.New(),
		toHash: make(chan []byte, spoolDepth), toWrite: make(chan []byte, spoolDepth),
		free: make(chan []byte, spoolDepth), done: make(chan error, 1),
	}
	for range spoolDepth {
		sp.free <- s.spoolBuffer()
	}
	go sp.hashChunks()
	go sp.write()
	return sp
}

// spoolBuffer returns a chunk from the store's pool, so that uploads
// reuse them instead of allocating and collecting a MiB each.
func (s *Store) spoolBuffer() []byte {
	if b, ok := s.spoolBufs.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, spoolChunk)
}

// hashChunks hashes the chunks sent on toHash and passes each on to the
// writer, closing toWrite when toHash is closed.
func (sp *spool) hashChunks() {
	for b := range sp.toHash {
		sp.hash.Write(b)
		sp.toWrite <- b
	}
	close(sp.toWrite)
}

// write writes the chunks sent on toWrite until it is closed. After a
// write error it keeps returning chunks without writing, so the stages
// before it never block on a writer that has given up.
func (sp *spool) write() {
	var err error
	var off, started int64 // bytes written; bytes whose writeback has started
	for b := range sp.toWrite {
		if err == nil {
			var n int
			n, err = sp.f.Write(b)
			off += int64(n)
			if sp.writeBack && off-started >= writebackWindow {
				startWriteback(sp.f, started, off-started)
				started = off
			}
			if err != nil {
				sp.failed.Store(true)
			}
		}
		sp.free <- b[:0]
	}
	// The tail, shorter than a window, goes to disk now too: the fsync
	// that makes the blob durable comes only after the request's other
	// checks.
	if err == nil && sp.writeBack && off > started {
		startWriteback(sp.f, started, off-started)
	}
	sp.done <- err
}

// ReadFrom reads r to its end straight into the chunks (no intermediate
// copy buffer) and returns how many bytes it read. It stops early if the
// writer failed; finish reports that error.
func (sp *spool) ReadFrom(r io.Reader) (int64, error) {
	var total int64
	for {
		if sp.cur == nil {
			if sp.failed.Load() {
				return total, errSpoolFailed
			}
			sp.cur = <-sp.free
		}
		n, err := r.Read(sp.cur[len(sp.cur):cap(sp.cur)])
		sp.cur = sp.cur[:len(sp.cur)+n]
		total += int64(n)
		if len(sp.cur) == cap(sp.cur) {
			sp.toHash <- sp.cur
			sp.cur = nil
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// finish sends the last partial chunk, waits for the hasher and the
// writer to drain and stop, returns the chunks to the store's pool, and
// reports the writer's error. It must be called exactly once, after
// ReadFrom.
func (sp *spool) finish() error {
	if sp.finished {
		return nil
	}
	sp.finished = true
	if len(sp.cur) > 0 {
		sp.toHash <- sp.cur
	} else if sp.cur != nil {
		sp.free <- sp.cur
	}
	sp.cur = nil
	close(sp.toHash)
	err := <-sp.done // when the writer failed, its error replaces errSpoolFailed
	for range spoolDepth {
		b := <-sp.free
		sp.s.spoolBufs.Put(&b)
	}
	return err
}
