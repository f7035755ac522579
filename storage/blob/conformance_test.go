package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
)

// testStore is the contract of Store, which every implementation
// must pass. newStore returns an empty store; each subtest takes its own.
func testStore(t *testing.T, newStore func(t *testing.T) Store) {
	ctx := context.Background()

	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		for _, n := range []int{0, 1, 3 << 20} {
			data := randomBlob(n)
			key := fmt.Sprintf("t/sha256/ab/blob-%d", n)
			if err := s.Put(ctx, key, bytes.NewReader(data), int64(n)); err != nil {
				t.Fatalf("Put %d bytes: %v", n, err)
			}
			if got := readBlob(t, s, key); !bytes.Equal(got, data) {
				t.Fatalf("%d bytes: read back %d bytes that differ", n, len(got))
			}
			if size, err := s.Stat(ctx, key); err != nil || size != int64(n) {
				t.Fatalf("Stat after putting %d bytes = %d, %v", n, size, err)
			}
		}
		// A reader that cannot seek, of unknown size, takes other paths
		// (no retries on S3, a multipart upload).
		data := randomBlob(3 << 20)
		if err := s.Put(ctx, "t/unknown-size", onlyReader{bytes.NewReader(data)}, -1); err != nil {
			t.Fatalf("Put of unknown size: %v", err)
		}
		if got := readBlob(t, s, "t/unknown-size"); !bytes.Equal(got, data) {
			t.Fatalf("unknown size: read back %d bytes that differ", len(got))
		}
		if size, err := s.Stat(ctx, "t/unknown-size"); err != nil || size != int64(len(data)) {
			t.Fatalf("Stat after a Put of unknown size = %d, %v", size, err)
		}
	})

	// Above 16 MiB, S3 uploads go in parts; a wrong length must still
	// abort the upload, found only in its last part.
	t.Run("Large", func(t *testing.T) {
		s := newStore(t)
		const n = 17 << 20
		data := randomBlob(n + 1)
		putBlob(t, s, "t/large", data[:n])
		if got := readBlob(t, s, "t/large"); !bytes.Equal(got, data[:n]) {
			t.Fatalf("read back %d bytes that differ", len(got))
		}
		for name, r := range map[string]io.Reader{"short": bytes.NewReader(data[:n-1]), "long": onlyReader{bytes.NewReader(data)}} {
			err := s.Put(ctx, "t/large-"+name, r, n)
			wantBlobKind(t, name+": Put", err, cpaudit.KindInvalid)
			_, err = s.Stat(ctx, "t/large-"+name)
			wantBlobKind(t, name+": Stat after a mismatched Put", err, cpaudit.KindNotFound)
		}
	})

	t.Run("Chinese", func(t *testing.T) {
		s := newStore(t)
		text := []byte("清洁生产审核报告：河北省某钢铁企业，节水量 12000 吨/年。")
		if err := s.Put(ctx, "t/zh", onlyReader{bytes.NewReader(text)}, int64(len(text))); err != nil {
			t.Fatal(err)
		}
		if got := readBlob(t, s, "t/zh"); !bytes.Equal(got, text) {
			t.Fatalf("read back %q", got)
		}
	})

	t.Run("OverwriteIsAtomic", func(t *testing.T) {
		s := newStore(t)
		const n = 1 << 20
		v1, v2 := bytes.Repeat([]byte{'1'}, n), bytes.Repeat([]byte{'2'}, n)
		putBlob(t, s, "t/k", v1)
		// Readers racing a stream of overwrites see one value or the
		// other, whole, never a mix or a truncated file.
		var done atomic.Bool
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				for reads := 0; !done.Load() || reads == 0; reads++ {
					rc, err := s.Open(ctx, "t/k")
					if err != nil {
						t.Errorf("Open during overwrites: %v", err)
						return
					}
					got, err := io.ReadAll(rc)
					rc.Close()
					if err != nil {
						t.Errorf("reading during overwrites: %v", err)
						return
					}
					if !bytes.Equal(got, v1) && !bytes.Equal(got, v2) {
						t.Errorf("read %d bytes that are neither value", len(got))
						return
					}
				}
			})
		}
		for _, v := range [][]byte{v2, v1, v2, v1, v2} {
			if err := s.Put(ctx, "t/k", bytes.NewReader(v), n); err != nil {
				t.Error(err)
			}
		}
		done.Store(true)
		wg.Wait()
		if got := readBlob(t, s, "t/k"); !bytes.Equal(got, v2) {
			t.Fatal("Open does not return the last value put")
		}

		// Failed overwrites keep the old content.
		failing := []struct {
			name string
			r    io.Reader
			size int64
		}{
			{"failing reader", failAfter(v1[:n/2]), n},
			{"short reader", bytes.NewReader(v1[:n-1]), n},
			{"long reader", bytes.NewReader(append(v1, '1')), n},
		}
		for _, f := range failing {
			if err := s.Put(ctx, "t/k", f.r, f.size); err == nil {
				t.Errorf("%s: Put succeeded", f.name)
			}
			if got := readBlob(t, s, "t/k"); !bytes.Equal(got, v2) {
				t.Fatalf("%s: a failed overwrite changed the blob (%d bytes)", f.name, len(got))
			}
		}
	})

	t.Run("Missing", func(t *testing.T) {
		s := newStore(t)
		_, err := s.Open(ctx, "t/none")
		wantBlobKind(t, "Open of a missing key", err, cpaudit.KindNotFound)
		_, err = s.Stat(ctx, "t/none")
		wantBlobKind(t, "Stat of a missing key", err, cpaudit.KindNotFound)
		// A key that is only the prefix of others (a directory for the
		// local store) is no blob either.
		putBlob(t, s, "t/dir/x", []byte("x"))
		_, err = s.Open(ctx, "t/dir")
		wantBlobKind(t, "Open of a parent of keys", err, cpaudit.KindNotFound)
		_, err = s.Stat(ctx, "t/dir")
		wantBlobKind(t, "Stat of a parent of keys", err, cpaudit.KindNotFound)
		if err := s.Delete(ctx, "t/dir"); err != nil {
			t.Errorf("Delete of a parent of keys: %v", err)
		}
		if got := readBlob(t, s, "t/dir/x"); string(got) != "x" {
			t.Errorf("t/dir/x = %q after deleting t/dir", got)
		}
		// A key under a blob ("t/file/x" with a blob "t/file") is absent.
		putBlob(t, s, "t/file", []byte("f"))
		_, err = s.Stat(ctx, "t/file/x")
		wantBlobKind(t, "Stat under a blob", err, cpaudit.KindNotFound)
	})

	t.Run("DeleteIsIdempotent", func(t *testing.T) {
		s := newStore(t)
		if err := s.Delete(ctx, "t/never"); err != nil {
			t.Fatalf("Delete of a key never stored: %v", err)
		}
		putBlob(t, s, "t/gone", []byte("bye"))
		for i := range 2 {
			if err := s.Delete(ctx, "t/gone"); err != nil {
				t.Fatalf("Delete #%d: %v", i+1, err)
			}
		}
		_, err := s.Stat(ctx, "t/gone")
		wantBlobKind(t, "Stat after Delete", err, cpaudit.KindNotFound)
		_, err = s.Open(ctx, "t/gone")
		wantBlobKind(t, "Open after Delete", err, cpaudit.KindNotFound)
	})

	t.Run("List", func(t *testing.T) {
		s := newStore(t)
		start := time.Now()
		// In lexical order; note '-' < '.' < '/', which a walk that sorts
		// each directory's names would get wrong.
		want := []string{"a/sha256/01/w", "a/sha256/01/x", "a/sha256/02/y", "a/x-z", "a/x.z", "a/x/y"}
		others := []string{"ab/sha256/00/z", "b/sha256/00/v", "a-b/c"}
		all := append(append([]string{}, want...), others...)
		sizes := map[string]int64{}
		for i, k := range []int{3, 0, 5, 1, 4, 2, 6, 8, 7} { // not in order
			key := all[k]
			sizes[key] = int64(i + 1)
			putBlob(t, s, key, bytes.Repeat([]byte{'x'}, i+1))
		}
		got := listKeys(t, s, "a/", func(key string, size int64, mod time.Time) {
			if size != sizes[key] {
				t.Errorf("%s: size %d, want %d", key, size, sizes[key])
			}
			// S3's clock is another machine's: allow some skew.
			if mod.Before(start.Add(-time.Hour)) || mod.After(time.Now().Add(time.Hour)) {
				t.Errorf("%s: modification time %v, put at %v", key, mod, start)
			}
		})
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("List(a/) = %v, want %v", got, want)
		}
		if got, want := listKeys(t, s, "a/sha256/0", nil), want[:3]; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("List(a/sha256/0) = %v, want %v", got, want)
		}
		if got, want := listKeys(t, s, "a/x", nil), want[3:]; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("List(a/x) = %v, want %v", got, want)
		}
		if got := listKeys(t, s, "c/", nil); len(got) != 0 {
			t.Errorf("List(c/) = %v, want nothing", got)
		}
		everything := listKeys(t, s, "", nil)
		sorted := slices.Sorted(slices.Values(all))
		if strings.Join(everything, " ") != strings.Join(sorted, " ") {
			t.Errorf("List() = %v, want %v", everything, sorted)
		}

		// fn's error stops the walk and comes back unchanged.
		stop := errors.New("stop")
		calls := 0
		err := s.List(ctx, "", func(string, int64, time.Time) error { calls++; return stop })
		if err != stop || calls != 1 {
			t.Errorf("stopping a walk: %v after %d calls", err, calls)
		}

		// fn may delete what it is given, as garbage collection does.
		err = s.List(ctx, "a/sha256/", func(key string, _ int64, _ time.Time) error { return s.Delete(ctx, key) })
		if err != nil {
			t.Fatalf("deleting while listing: %v", err)
		}
		if got := listKeys(t, s, "a/sha256/", nil); len(got) != 0 {
			t.Errorf("after deleting while listing: %v", got)
		}

		for _, prefix := range []string{"../", "/", "a//", "a b", "a/../"} {
			err := s.List(ctx, prefix, func(string, int64, time.Time) error { return nil })
			wantBlobKind(t, fmt.Sprintf("List(%q)", prefix), err, cpaudit.KindInvalid)
		}
	})

	t.Run("FailingReader", func(t *testing.T) {
		s := newStore(t)
		cases := []struct {
			name string
			r    io.Reader
			size int64
		}{
			{"small", failAfter(randomBlob(1000)), 5000},
			{"unknown size", failAfter(randomBlob(1000)), -1},
			{"large", failAfter(randomBlob(2 << 20)), 3 << 20},
			{"at once", failAfter(nil), 10},
		}
		for i, c := range cases {
			key := fmt.Sprintf("t/failing-%d", i)
			err := s.Put(ctx, key, c.r, c.size)
			if !errors.Is(err, errBlobSource) {
				t.Errorf("%s: Put = %v, want the reader's error", c.name, err)
			}
			_, err = s.Stat(ctx, key)
			wantBlobKind(t, c.name+": Stat after a failed Put", err, cpaudit.KindNotFound)
		}
		// The reader's kind survives, so that a limit hit while reading
		// an upload still reads as too large.
		tooLarge := &cpaudit.Error{Kind: cpaudit.KindTooLarge, Message: "too large"}
		err := s.Put(ctx, "t/too-large", io.MultiReader(strings.NewReader("abc"), errorReader{tooLarge}), 10)
		wantBlobKind(t, "a reader's KindTooLarge", err, cpaudit.KindTooLarge)
	})

	t.Run("SizeMismatch", func(t *testing.T) {
		s := newStore(t)
		big := randomBlob(3 << 20)
		cases := []struct {
			name string
			r    io.Reader
			size int64
		}{
			{"short", strings.NewReader("short"), 10},
			{"short, no seek", onlyReader{strings.NewReader("short")}, 10},
			{"empty", strings.NewReader(""), 10},
			{"long", strings.NewReader("too long"), 3},
			{"long, no seek", onlyReader{strings.NewReader("too long")}, 3},
			{"not empty", strings.NewReader("x"), 0},
			{"large, one byte short", bytes.NewReader(big[:len(big)-1]), int64(len(big))},
			{"large, one byte long", onlyReader{bytes.NewReader(big)}, int64(len(big) - 1)},
		}
		for i, c := range cases {
			key := fmt.Sprintf("t/mismatch-%d", i)
			err := s.Put(ctx, key, c.r, c.size)
			wantBlobKind(t, c.name+": Put", err, cpaudit.KindInvalid)
			_, err = s.Stat(ctx, key)
			wantBlobKind(t, c.name+": Stat after a mismatched Put", err, cpaudit.KindNotFound)
		}
	})

	t.Run("InvalidKeys", func(t *testing.T) {
		s := newStore(t)
		bad := []string{"", "../x", "/a", "a/", "a//b", "a b", ".", "..", "a/./b", "a/../b", "a\\b", "a?b", "中文", "a\x00b", strings.Repeat("a", 513)}
		for _, key := range bad {
			err := s.Put(ctx, key, strings.NewReader("x"), 1)
			wantBlobKind(t, fmt.Sprintf("Put(%q)", key), err, cpaudit.KindInvalid)
			_, err = s.Open(ctx, key)
			wantBlobKind(t, fmt.Sprintf("Open(%q)", key), err, cpaudit.KindInvalid)
			_, err = s.Stat(ctx, key)
			wantBlobKind(t, fmt.Sprintf("Stat(%q)", key), err, cpaudit.KindInvalid)
			err = s.Delete(ctx, key)
			wantBlobKind(t, fmt.Sprintf("Delete(%q)", key), err, cpaudit.KindInvalid)
		}
		// The edges of what is allowed.
		for _, key := range []string{"Tenant-1/sha256/AB/a.b_c-d", "..x/x..", strings.Repeat("a/", 255) + "ab"} {
			putBlob(t, s, key, []byte(key))
			if got := readBlob(t, s, key); string(got) != key {
				t.Errorf("%q: read back %q", key, got)
			}
		}
	})

	t.Run("ConcurrentPuts", func(t *testing.T) {
		s := newStore(t)
		values := make([][]byte, 8)
		var wg sync.WaitGroup
		for i := range values {
			values[i] = bytes.Repeat([]byte{byte('a' + i)}, 256<<10)
			wg.Go(func() {
				if err := s.Put(ctx, "t/same", bytes.NewReader(values[i]), int64(len(values[i]))); err != nil {
					t.Errorf("Put #%d: %v", i, err)
				}
			})
		}
		wg.Wait()
		got := readBlob(t, s, "t/same")
		for _, v := range values {
			if bytes.Equal(got, v) {
				return
			}
		}
		t.Fatalf("concurrent Puts left %d bytes that are none of the values", len(got))
	})

	t.Run("Ping", func(t *testing.T) {
		if err := newStore(t).Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("Cancelled", func(t *testing.T) {
		s := newStore(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		err := s.Put(cctx, "t/cancelled", bytes.NewReader(randomBlob(1<<20)), 1<<20)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Put with a cancelled context = %v, want context.Canceled", err)
		}
		_, err = s.Stat(ctx, "t/cancelled")
		wantBlobKind(t, "Stat after a cancelled Put", err, cpaudit.KindNotFound)

		// Cancelled half-way through the upload, by a reader that goes on
		// giving bytes: the store must notice the context, not the reader.
		cctx, cancel = context.WithCancel(ctx)
		defer cancel()
		const size = 4 << 20
		r := &cancellingReader{r: bytes.NewReader(randomBlob(size)), after: 1 << 20, cancel: cancel}
		err = s.Put(cctx, "t/cancelled-midway", r, size)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Put cancelled half-way = %v, want context.Canceled", err)
		}
		_, err = s.Stat(ctx, "t/cancelled-midway")
		wantBlobKind(t, "Stat after a Put cancelled half-way", err, cpaudit.KindNotFound)
	})
}

// randomBlob returns n random bytes.
func randomBlob(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func putBlob(t *testing.T, s Store, key string, data []byte) {
	t.Helper()
	if err := s.Put(context.Background(), key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("Put %s: %v", key, err)
	}
}

func readBlob(t *testing.T, s Store, key string) []byte {
	t.Helper()
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %s: %v", key, err)
	}
	return b
}

// listKeys lists prefix, checking each entry with check if it is not nil.
func listKeys(t *testing.T, s Store, prefix string, check func(key string, size int64, mod time.Time)) []string {
	t.Helper()
	var keys []string
	err := s.List(context.Background(), prefix, func(key string, size int64, mod time.Time) error {
		keys = append(keys, key)
		if check != nil {
			check(key, size, mod)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	return keys
}

// wantBlobKind reports (without stopping) an error that is not of kind want.
func wantBlobKind(t *testing.T, what string, err error, want cpaudit.Kind) {
	t.Helper()
	if err == nil || !cpaudit.IsKind(err, want) {
		t.Errorf("%s: error %v (kind %v), want kind %v", what, err, cpaudit.ErrorKind(err), want)
	}
}

// errBlobSource is the failure of a client's upload stream.
var errBlobSource = errors.New("connection reset by client")

// failAfter yields data, then fails with errBlobSource, like an upload
// whose client goes away. It cannot seek.
func failAfter(data []byte) io.Reader {
	return io.MultiReader(bytes.NewReader(data), errorReader{errBlobSource})
}

type errorReader struct{ err error }

func (r errorReader) Read([]byte) (int, error) { return 0, r.err }

// onlyReader hides everything of a reader but Read (seeking, ReadAt,
// WriteTo), as a network stream would.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// cancellingReader calls cancel once it has given after bytes, and goes on.
type cancellingReader struct {
	r      io.Reader
	after  int
	n      int
	cancel context.CancelFunc
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	if c.n >= c.after {
		c.cancel()
	}
	return n, err
}
