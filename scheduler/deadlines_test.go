package scheduler_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/scheduler"
	"github.com/cpaudit/cpaudit/storage"
	"github.com/cpaudit/cpaudit/storage/blob"
)

// manualClock is a clock the test moves; the store and the scheduler
// share it, so the daily job sees the day change.
type manualClock struct {
	mu    sync.Mutex
	now   time.Time
	waits chan time.Duration
	fire  chan time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) After(d time.Duration) <-chan time.Time {
	c.waits <- d
	return c.fire
}

func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	t := c.now
	c.mu.Unlock()
	c.fire <- t
}

// TestDailyDeadlineJob: the job runs at start (nothing overdue on the due
// date), then at 01:00 the next day, when the registration that nobody
// made is overdue: one notice for the regulator and the consultancy.
func TestDailyDeadlineJob(t *testing.T) {
	loc := cpaudit.ChinaLocation()
	clock := &manualClock{now: time.Date(2026, 1, 31, 15, 0, 0, 0, loc), waits: make(chan time.Duration), fire: make(chan time.Time)}
	ctx := context.Background()
	store, err := storage.Open(ctx, storage.Config{DataDir: t.TempDir(), Blobs: blob.NewMem(), Now: clock.Now,
		Passwords: storage.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	tn, err := store.CreateTenant(ctx, "hebei", "河北省生态环境厅")
	if err != nil {
		t.Fatal(err)
	}
	sys := cpaudit.SystemActor(tn.ID)
	first17 := "91130100MA0CXXXX0"
	ent, err := store.CreateOrganisation(ctx, sys, cpaudit.Organisation{Kind: cpaudit.OrgEnterprise, Name: "石家庄某化工有限公司",
		CreditCode: first17 + string(cpaudit.CreditCodeCheck(first17)), Industry: "C2614", Region: "130102"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.CreateBatch(ctx, sys, cpaudit.Batch{Year: 2026, Number: 1, Name: "2026年第一批",
		Obligations: cpaudit.Obligations{Register: "2026-01-31"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.StartAudit(ctx, sys, cpaudit.NewAudit{EnterpriseID: ent.ID, BatchID: b.ID}); err != nil {
		t.Fatal(err)
	}
	newly := make(chan int)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		scheduler.Daily{At: "01:00", Location: loc, Clock: clock, Job: func(ctx context.Context) error {
			n, err := store.RecomputeDeadlines(ctx, tn.ID)
			if err != nil {
				t.Error(err)
			}
			newly <- n
			return err
		}}.Run(runCtx)
	}()
	if n := <-newly; n != 0 {
		t.Errorf("on the due date, %d newly overdue", n)
	}
	wait := <-clock.waits
	if wait != 10*time.Hour {
		t.Errorf("waits %s for 01:00, want 10h", wait)
	}
	clock.advance(wait)
	if n := <-newly; n != 1 {
		t.Errorf("the next night, %d newly overdue, want 1", n)
	}
	if _, total, err := store.Notices(ctx, sys, 10, 0); err != nil || total != 1 {
		t.Errorf("notices: %d, %v", total, err)
	}
	<-clock.waits
	cancel()
	<-done
}
