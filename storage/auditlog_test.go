package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestAuditLogGroupCommit: entries written on their own (appendLogNow, as
// every download is) that wait for the tenant's writer are committed
// together by the first of them to get it, each durable before its call
// returns, in one chain that verifies; one whose context ends while it
// waits gives up and is not written.
func TestAuditLogGroupCommit(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	db := f.db(t)
	count := func() int {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM audit_log`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before, commitsBefore := count(), db.logs.commits.Load()

	// Another writer holds the tenant's database while 40 downloads and a
	// cancelled one wait to be logged.
	db.writer <- struct{}{}
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- s.appendLogNow(ctx, f.consultant, "document.download", "document", fmt.Sprintf("d%02d", i), map[string]any{"version": 1, "标题": "节水报告"})
		})
	}
	short, cancel := context.WithCancel(ctx)
	gaveUp := make(chan error, 1)
	go func() {
		gaveUp <- s.appendLogNow(short, f.consultant, "document.download", "document", "abandoned", nil)
	}()
	waitFor(t, func() bool { db.logs.mu.Lock(); defer db.logs.mu.Unlock(); return len(db.logs.pending) == n+1 })
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("a download whose client left while waiting: %v", err)
	}
	if got := count(); got != before {
		t.Fatalf("%d entries written while the writer was held", got-before)
	}
	<-db.writer // the other writer is done

	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := count(); got != before+n {
		t.Fatalf("audit log: %d new entries, want %d", got-before, n)
	}
	var abandoned int
	db.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE object_id = 'abandoned'`).Scan(&abandoned)
	if abandoned != 0 {
		t.Errorf("the abandoned download was logged")
	}
	// The first of them to get the writer wrote all 40 in one transaction.
	if c := db.logs.commits.Load() - commitsBefore; c != 1 {
		t.Errorf("the 40 waiting entries took %d transactions, want 1", c)
	}
	rep, err := s.Verify(ctx, func(string, int, int) {})
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("verify after group commit: %v %v", err, rep.Problems)
	}
}

// waitFor polls cond for up to 10 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestAuditLogGroupCommitFailure: an entry that cannot be written fails
// alone; the others of its transaction are written again one by one.
func TestAuditLogGroupCommitFailure(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	db := f.db(t)
	db.writer <- struct{}{}
	results := make([]chan error, 5)
	for i := range results {
		results[i] = make(chan error, 1)
		detail := map[string]any{"version": 1}
		if i == 2 {
			detail["bad"] = func() {} // not JSON
		}
		go func() {
			results[i] <- s.appendLogNow(ctx, f.admin, "document.download", "document", fmt.Sprintf("文档%d", i), detail)
		}()
	}
	waitFor(t, func() bool { db.logs.mu.Lock(); defer db.logs.mu.Unlock(); return len(db.logs.pending) == len(results) })
	<-db.writer
	for i, ch := range results {
		if err := <-ch; (err != nil) != (i == 2) {
			t.Errorf("entry %d: %v", i, err)
		}
	}
	var n int
	db.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE action = 'document.download'`).Scan(&n)
	if n != 4 {
		t.Errorf("%d downloads logged, want 4", n)
	}
	if rep, err := s.Verify(ctx, func(string, int, int) {}); err != nil || len(rep.Problems) > 0 {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
}
