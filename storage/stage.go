package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"os"
	"path/filepath"
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

// spoolChunk is how much of an upload is handed at once from the
// goroutine receiving it to the one hashing and writing it: small, so
// that the disk starts on the first chunk while the rest is still
// arriving and little is left to hash and write after the last byte
// (with 256 KiB chunks that tail cost 0.7 ms of a 1 MiB upload, with
// 64 KiB about a quarter of that); large enough that a MiB takes 16
// write calls, not hundreds.
const spoolChunk = 64 << 10

// spoolDepth is how many chunks of one upload may be in memory at once.
// The receiver waits when the disk falls behind, so memory stays bounded
// (384 KiB per upload) whatever the file's size.
const spoolDepth = 6

// Stage copies r into a temporary file under the data directory, hashing
// as it goes. KindTooLarge beyond max bytes; KindInvalid when r fails (the
// client's stream broke off), with r's error as the cause.
//
// Receiving and storing run side by side: this goroutine reads r (for an
// upload, parses the multipart stream) into chunks while another hashes
// each chunk and writes it. On the local blob store, where the staged file
// becomes the blob, each written chunk's writeback to disk starts at once,
// so the fsync that makes the blob durable mostly waits for the tail;
// staging for S3 does not, since that file is only read back and deleted.
func (s *Store) Stage(r io.Reader, max int64) (*Staged, error) {
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
		err = cpaudit.Errorf(cpaudit.KindTooLarge, "the file is larger than the limit of %d MiB", max>>20)
	}
	if err != nil {
		st.Close()
		var ce *cpaudit.Error
		if errors.As(err, &ce) {
			return nil, err
		}
		return nil, &cpaudit.Error{Kind: cpaudit.KindInvalid, Op: op, Message: "the upload was interrupted", Err: err}
	}
	st.SHA256, st.Size = hex.EncodeToString(sp.hash.Sum(nil)), n
	return st, nil
}

// spool is the two-goroutine pipeline of Stage: ReadFrom fills chunks and
// sends them on full; the writer goroutine hashes and writes each one and
// returns it on free.
type spool struct {
	s         *Store
	f         *os.File
	writeBack bool
	hash      hash.Hash
	full      chan []byte
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
		full: make(chan []byte, spoolDepth), free: make(chan []byte, spoolDepth), done: make(chan error, 1),
	}
	for range spoolDepth {
		sp.free <- s.spoolBuffer()
	}
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

// write hashes and writes the chunks sent on full until it is closed.
// After a write error it keeps returning chunks without writing, so the
// receiver never blocks on a writer that has given up.
func (sp *spool) write() {
	var err error
	var off int64
	for b := range sp.full {
		if err == nil {
			sp.hash.Write(b)
			var n int
			n, err = sp.f.Write(b)
			if n > 0 && sp.writeBack {
				startWriteback(sp.f, off, int64(n))
			}
			off += int64(n)
			if err != nil {
				sp.failed.Store(true)
			}
		}
		sp.free <- b[:0]
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
			sp.full <- sp.cur
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

// finish sends the last partial chunk, waits for the writer to drain and
// stop, returns the chunks to the store's pool, and reports the writer's
// error. It must be called exactly once, after ReadFrom.
func (sp *spool) finish() error {
	if sp.finished {
		return nil
	}
	sp.finished = true
	if len(sp.cur) > 0 {
		sp.full <- sp.cur
	} else if sp.cur != nil {
		sp.free <- sp.cur
	}
	sp.cur = nil
	close(sp.full)
	err := <-sp.done // when the writer failed, its error replaces errSpoolFailed
	for range spoolDepth {
		b := <-sp.free
		sp.s.spoolBufs.Put(&b)
	}
	return err
}
