package storage

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/storage/blob"
)

var cheap = PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}

func newTestStore(t *testing.T, blobs blob.Store) *Store {
	t.Helper()
	if blobs == nil {
		blobs = blob.NewMem()
	}
	s, err := Open(context.Background(), Config{DataDir: t.TempDir(), Blobs: blobs, Passwords: cheap})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustKind(t *testing.T, err error, want cpaudit.Kind) {
	t.Helper()
	if got := cpaudit.ErrorKind(err); err == nil || got != want {
		t.Fatalf("error %v: kind %v, want %v", err, got, want)
	}
}

// fixture is one tenant with an enterprise, two consultancies, an audit
// run by the first, and a user per role.
type fixture struct {
	s                  *Store
	sys                cpaudit.Actor
	ent, cons, cons2   cpaudit.Organisation
	audit              cpaudit.Audit
	consultant, other  cpaudit.Actor // of cons and of cons2
	enterprise, admin  cpaudit.Actor
	regulator, expert  cpaudit.Actor
	publisher, unbound cpaudit.Actor // unbound: an enterprise user with no organisation
}

func code(first17 string) string { return first17 + string(cpaudit.CreditCodeCheck(first17)) }

func newFixture(t *testing.T, s *Store, slug string) *fixture {
	t.Helper()
	ctx := context.Background()
	tn, err := s.CreateTenant(ctx, slug, "河北省生态环境厅")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{s: s, sys: cpaudit.SystemActor(tn.ID)}
	mk := func(o cpaudit.Organisation) cpaudit.Organisation {
		o, err := s.CreateOrganisation(ctx, f.sys, o)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	f.ent = mk(cpaudit.Organisation{Kind: cpaudit.OrgEnterprise, Name: "保定印染有限公司", CreditCode: code("91130600MA0DYYYY1"), Industry: "C1713", Region: "130600"})
	f.cons = mk(cpaudit.Organisation{Kind: cpaudit.OrgConsultancy, Name: "绿源环保咨询", CreditCode: code("91130100MA0CXXXX0")})
	f.cons2 = mk(cpaudit.Organisation{Kind: cpaudit.OrgConsultancy, Name: "蓝天咨询", CreditCode: code("91130100MA0CYYYY2")})
	if f.audit, err = s.CreateAudit(ctx, f.sys, f.ent.ID, f.cons.ID); err != nil {
		t.Fatal(err)
	}
	user := func(email string, role cpaudit.Role, org string) cpaudit.Actor {
		u, err := s.CreateUser(ctx, f.sys, cpaudit.NewUser{Email: email, Role: role, Password: "密码足够长了吧abc", OrgID: org})
		if err != nil {
			t.Fatal(err)
		}
		return cpaudit.Actor{TenantID: tn.ID, UserID: u.ID, Email: u.Email, Role: role, OrgID: org, ClientAddr: "10.0.0.1"}
	}
	f.consultant = user("zhang@lvyuan.cn", cpaudit.RoleConsultant, f.cons.ID)
	f.other = user("li@lantian.cn", cpaudit.RoleConsultant, f.cons2.ID)
	f.enterprise = user("wang@yinran.cn", cpaudit.RoleEnterprise, f.ent.ID)
	f.admin = user("admin@hebei.gov.cn", cpaudit.RoleAdmin, "")
	f.regulator = user("chen@hebei.gov.cn", cpaudit.RoleRegulator, "")
	f.expert = user("zhao@expert.cn", cpaudit.RoleExpert, "")
	f.publisher = user("pub@cpc.cn", cpaudit.RolePublisher, "")
	f.unbound = user("nobody@x.cn", cpaudit.RoleEnterprise, "")
	return f
}

func (f *fixture) upload(t *testing.T, a cpaudit.Actor, nd cpaudit.NewDocument, content string) (cpaudit.Document, error) {
	t.Helper()
	st, err := f.s.stage(strings.NewReader(content), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	return f.s.CreateDocument(context.Background(), a, nd, st)
}

func TestTenants(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	blobs := blob.NewMem()
	s, err := Open(ctx, Config{DataDir: dir, Blobs: blobs, Passwords: cheap})
	if err != nil {
		t.Fatal(err)
	}
	tn, err := s.CreateTenant(ctx, "hebei", "河北省")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.CreateTenant(ctx, "hebei", "again")
	mustKind(t, err, cpaudit.KindConflict)
	_, err = s.CreateTenant(ctx, "../evil", "x")
	mustKind(t, err, cpaudit.KindInvalid)
	_, err = s.TenantBySlug(ctx, "nope")
	mustKind(t, err, cpaudit.KindNotFound)
	s.Close()

	// Reopening applies no migration twice and finds the tenant.
	s, err = Open(ctx, Config{DataDir: dir, Blobs: blobs, Passwords: cheap})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.TenantBySlug(ctx, "hebei")
	if err != nil || got.ID != tn.ID || got.Name != "河北省" {
		t.Fatalf("reopened: %+v %v", got, err)
	}
	db, err := s.tenantDB(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n)
	files, _ := fs.ReadDir(migrationsFS, "migrations/tenant")
	if n != len(files) {
		t.Errorf("%d migrations recorded, %d files", n, len(files))
	}
	// Foreign keys are on for every pooled connection (they are in the DSN).
	for i := 0; i < 3; i++ {
		var fk int
		conn, _ := db.Conn(ctx)
		conn.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk)
		defer conn.Close()
		if fk != 1 {
			t.Fatal("foreign keys off on a pooled connection")
		}
	}
}

// TestLoginHashesEveryWay: a login costs one password hash whichever part
// is wrong, an unknown tenant included, so that its timing tells nothing
// (issue 24: an unknown tenant answered in 1 ms, a real one in 30-100).
func TestLoginHashesEveryWay(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	newFixture(t, s, "hebei") // zhang@lvyuan.cn, 密码足够长了吧abc
	for _, c := range []struct{ slug, email, password string }{
		{"no-such-tenant", "zhang@lvyuan.cn", "密码足够长了吧abc"},
		{"", "zhang@lvyuan.cn", "密码足够长了吧abc"},
		{"hebei", "ghost@lvyuan.cn", "密码足够长了吧abc"},
		{"hebei", "not an address", "密码足够长了吧abc"},
		{"hebei", "zhang@lvyuan.cn", "wrong password"},
	} {
		before := s.passwordChecks.Load()
		_, err := s.Login(ctx, c.slug, c.email, c.password)
		mustKind(t, err, cpaudit.KindUnauthenticated)
		if n := s.passwordChecks.Load() - before; n != 1 {
			t.Errorf("login %+v: %d password hashes, want 1", c, n)
		}
	}
	u, err := s.Login(ctx, "hebei", "Zhang@lvyuan.cn", "密码足够长了吧abc")
	if err != nil || u.Email != "zhang@lvyuan.cn" || u.TenantID == "" {
		t.Fatalf("Login: %+v %v", u, err)
	}
}

func TestUsersAndTokens(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	g := newFixture(t, s, "beijing")

	_, err := s.CreateUser(ctx, f.sys, cpaudit.NewUser{Email: "ZHANG@lvyuan.cn", Role: cpaudit.RoleConsultant, Password: "long enough pw"})
	mustKind(t, err, cpaudit.KindConflict) // e-mails are case-insensitive
	_, err = s.CreateUser(ctx, f.sys, cpaudit.NewUser{Email: "x@y.cn", Role: cpaudit.RoleConsultant, Password: "short"})
	mustKind(t, err, cpaudit.KindInvalid)
	_, err = s.CreateUser(ctx, f.sys, cpaudit.NewUser{Email: "x@y.cn", Role: "boss", Password: "long enough pw"})
	mustKind(t, err, cpaudit.KindInvalid)
	_, err = s.CreateUser(ctx, f.sys, cpaudit.NewUser{Email: "x@y.cn", Role: cpaudit.RoleConsultant, Password: "long enough pw", OrgID: f.ent.ID})
	mustKind(t, err, cpaudit.KindUnprocessable) // a consultant of an enterprise
	_, err = s.CreateUser(ctx, f.sys, cpaudit.NewUser{Email: "x@y.cn", Role: cpaudit.RoleConsultant, Password: "long enough pw", OrgID: g.cons.ID})
	mustKind(t, err, cpaudit.KindNotFound) // another tenant's organisation
	_, err = s.CreateUser(ctx, f.consultant, cpaudit.NewUser{Email: "x@y.cn", Role: cpaudit.RoleAdmin, Password: "long enough pw"})
	mustKind(t, err, cpaudit.KindConflict) // only admins create users

	u, err := s.Authenticate(ctx, f.sys.TenantID, "Zhang@Lvyuan.cn", "密码足够长了吧abc")
	if err != nil || u.ID != f.consultant.UserID || u.OrgID != f.cons.ID {
		t.Fatalf("Authenticate: %+v %v", u, err)
	}
	_, err = s.Authenticate(ctx, f.sys.TenantID, "zhang@lvyuan.cn", "wrong password")
	mustKind(t, err, cpaudit.KindUnauthenticated)
	_, err = s.Authenticate(ctx, f.sys.TenantID, "ghost@lvyuan.cn", "密码足够长了吧abc")
	mustKind(t, err, cpaudit.KindUnauthenticated)
	_, err = s.Authenticate(ctx, g.sys.TenantID, "zhang@lvyuan.cn", "wrong")
	mustKind(t, err, cpaudit.KindUnauthenticated)

	tok, meta, err := s.CreateToken(ctx, f.sys, f.consultant.UserID, "ci")
	if err != nil {
		t.Fatal(err)
	}
	u, err = s.UserByToken(ctx, tok)
	if err != nil || u.ID != f.consultant.UserID || u.TenantID != f.sys.TenantID {
		t.Fatalf("UserByToken: %+v %v", u, err)
	}
	for _, bad := range []string{"", "cpa_", "cpa_" + g.sys.TenantID + tok[len("cpa_"+f.sys.TenantID):], tok + "x", "garbage", "cpa_nosuchtenant_abc"} {
		_, err := s.UserByToken(ctx, bad)
		mustKind(t, err, cpaudit.KindUnauthenticated)
	}
	// Another user may not revoke it; its owner may.
	mustKind(t, s.RevokeToken(ctx, f.other, meta.ID), cpaudit.KindNotFound)
	if err := s.RevokeToken(ctx, f.consultant, meta.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.UserByToken(ctx, tok)
	mustKind(t, err, cpaudit.KindUnauthenticated)
	tokens, err := s.Tokens(ctx, f.consultant, f.consultant.UserID)
	if err != nil || len(tokens) != 1 || tokens[0].RevokedAt == nil {
		t.Fatalf("Tokens: %+v %v", tokens, err)
	}

	// Sessions.
	cookie, sess, err := s.CreateSession(ctx, u, "10.0.0.2", time.Hour)
	if err != nil || sess.CSRFToken == "" {
		t.Fatal(err)
	}
	got, err := s.SessionByCookie(ctx, cookie, 30*time.Minute)
	if err != nil || got.User.ID != u.ID || got.CSRFToken != sess.CSRFToken {
		t.Fatalf("SessionByCookie: %+v %v", got, err)
	}
	if err := s.DeleteSession(ctx, f.consultant, cookie); err != nil {
		t.Fatal(err)
	}
	_, err = s.SessionByCookie(ctx, cookie, 30*time.Minute)
	mustKind(t, err, cpaudit.KindUnauthenticated)
	_, err = s.SessionByCookie(ctx, g.sys.TenantID+cookie[len(f.sys.TenantID):], 30*time.Minute)
	mustKind(t, err, cpaudit.KindUnauthenticated)

	// An expired session is refused.
	cookie, _, err = s.CreateSession(ctx, u, "10.0.0.2", time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	_, err = s.SessionByCookie(ctx, cookie, 30*time.Minute)
	mustKind(t, err, cpaudit.KindUnauthenticated)
}

func TestPasswordHash(t *testing.T) {
	h := hashPassword("清洁生产 password", DefaultPasswordParams)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q", h)
	}
	if !checkPassword("清洁生产 password", h) || checkPassword("清洁生产 passwore", h) || checkPassword("x", "not a hash") {
		t.Error("checkPassword")
	}
	if hashPassword("same", cheap) == hashPassword("same", cheap) {
		t.Error("salt is not random")
	}
}

// analysisJobs ends every pending extraction as unsupported (no text) and
// claims the analysis jobs that follows, failing unless there are want,
// with first's job first when it is among them.
func (f *fixture) analysisJobs(t *testing.T, want int, first string) []cpaudit.AnalysisJob {
	t.Helper()
	ctx := context.Background()
	completeExtractions(t, f, cpaudit.ExtractedText{Status: cpaudit.TextUnsupported})
	ajobs, err := f.s.ClaimAnalysisJobs(ctx, f.sys.TenantID, 100, time.Minute, 0)
	if err != nil || len(ajobs) != want {
		t.Fatalf("%d analysis jobs, want %d: %v", len(ajobs), want, err)
	}
	rank := func(j cpaudit.AnalysisJob) int {
		if j.Source.DocumentID == first {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(ajobs, func(a, b cpaudit.AnalysisJob) int { return rank(a) - rank(b) })
	return ajobs
}

// remigrate undoes part of the tenant's schema with the undo statements
// (which also delete the versions they undo from schema_migrations) and
// migrates it again, returning the database.
// db is the fixture tenant's database.
func (f *fixture) db(t *testing.T) *sqlDB {
	t.Helper()
	db, err := f.s.tenantDB(context.Background(), f.sys.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func (f *fixture) remigrate(t *testing.T, undo ...string) *sqlDB {
	t.Helper()
	ctx := context.Background()
	db := f.db(t)
	for _, q := range undo {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := migrate(ctx, db, "tenant"); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestWritersQueue: a writer waits for the one before it in the store's
// queue, not in SQLite's busy handler, and gives up when its context ends.
func TestWritersQueue(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	db := f.db(t)
	holding, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- inTx(ctx, db, func(tx *sql.Tx) error {
			close(holding)
			<-release
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'queue', 0)`)
			return err
		})
	}()
	<-holding
	// A second writer whose context ends while it waits gives up with
	// the context's error, having changed nothing.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := db.exec(short, `DELETE FROM schema_migrations`); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a writer waiting for the queue: %v", err)
	}
	// One that waits gets its turn once the first is done.
	second := make(chan error, 1)
	go func() {
		_, err := db.exec(ctx, `UPDATE schema_migrations SET applied_at = 7 WHERE version = 9999`)
		second <- err
	}()
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	var at int
	if err := db.QueryRowContext(ctx, `SELECT applied_at FROM schema_migrations WHERE version = 9999`).Scan(&at); err != nil || at != 7 {
		t.Fatalf("after both writers: applied_at %d, %v", at, err)
	}
}

// TestSetUserOrganisation: a user created without an organisation (the
// command line allows it) is tied to one later, by an admin only, to an
// organisation of its tenant whose kind fits the role; its session sees
// the change on its next request, and the audit log records it.
func TestSetUserOrganisation(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	g := newFixture(t, s, "beijing")

	u, err := s.UserByEmail(ctx, f.sys.TenantID, f.unbound.Email)
	if err != nil || u.OrgID != "" {
		t.Fatalf("unbound user: %+v %v", u, err)
	}
	if _, err := s.CreateUser(ctx, f.sys, cpaudit.NewUser{Email: "only@hebei.cn", Role: cpaudit.RoleEnterprise, Password: "密码足够长了吧abc"}); err != nil {
		t.Fatal(err)
	}
	cookie, _, err := s.CreateSession(ctx, u, "10.0.0.2", time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	refusals := []struct {
		a          cpaudit.Actor
		email, org string
		kind       cpaudit.Kind
		code       cpaudit.Code
	}{
		{f.consultant, f.unbound.Email, f.ent.ID, cpaudit.KindConflict, cpaudit.CodeUserOrgNotAllowed},
		{f.regulator, f.unbound.Email, f.ent.ID, cpaudit.KindConflict, cpaudit.CodeUserOrgNotAllowed},
		{f.unbound, f.unbound.Email, f.ent.ID, cpaudit.KindConflict, cpaudit.CodeUserOrgNotAllowed},
		{f.admin, f.unbound.Email, f.cons.ID, cpaudit.KindUnprocessable, cpaudit.CodeRoleOrgMismatch}, // an enterprise user of a consultancy
		{f.admin, f.admin.Email, f.ent.ID, cpaudit.KindUnprocessable, cpaudit.CodeRoleWithoutOrg},     // admins belong to none
		{f.admin, f.unbound.Email, "o_nosuch", cpaudit.KindNotFound, cpaudit.CodeNoSuchOrg},
		{f.admin, f.unbound.Email, g.ent.ID, cpaudit.KindNotFound, cpaudit.CodeNoSuchOrg}, // another tenant's
		{f.admin, "ghost@x.cn", f.ent.ID, cpaudit.KindNotFound, cpaudit.CodeNotFound},
		{f.admin, "not an address", f.ent.ID, cpaudit.KindNotFound, cpaudit.CodeNotFound},
		{g.sys, "only@hebei.cn", g.ent.ID, cpaudit.KindNotFound, cpaudit.CodeNotFound}, // another tenant's user
	}
	for _, r := range refusals {
		_, err := s.SetUserOrganisation(ctx, r.a, r.email, r.org)
		if cpaudit.ErrorKind(err) != r.kind || cpaudit.ErrorCode(err) != r.code {
			t.Errorf("%s ties %s to %s: %v (kind %v, code %q), want %v %q", r.a.Email, r.email, r.org, err,
				cpaudit.ErrorKind(err), cpaudit.ErrorCode(err), r.kind, r.code)
		}
	}
	if got, _ := s.UserByEmail(ctx, f.sys.TenantID, f.unbound.Email); got.OrgID != "" {
		t.Fatalf("a refused change landed: %+v", got)
	}

	// The admin ties it, by an e-mail in any case; so does the command line.
	tied, err := s.SetUserOrganisation(ctx, f.admin, "NOBODY@x.cn", f.ent.ID)
	if err != nil || tied.ID != u.ID || tied.OrgID != f.ent.ID || tied.OrgRegion != f.ent.Region {
		t.Fatalf("SetUserOrganisation: %+v %v", tied, err)
	}
	if _, err := s.SetUserOrganisation(ctx, f.sys, f.publisher.Email, f.ent.ID); cpaudit.ErrorCode(err) != cpaudit.CodeRoleOrgMismatch {
		t.Fatalf("publisher of an enterprise: %v", err)
	}
	sess, err := s.SessionByCookie(ctx, cookie, 30*time.Minute)
	if err != nil || sess.User.OrgID != f.ent.ID || sess.User.OrgRegion != f.ent.Region {
		t.Fatalf("the session does not see the organisation: %+v %v", sess.User, err)
	}
	if _, err := s.Organisation(ctx, sess.User.Actor("10.0.0.2"), f.ent.ID); err != nil {
		t.Fatalf("the tied user cannot see its enterprise: %v", err)
	}
	log, err := s.ObjectLog(ctx, f.admin, "user", u.ID, 10)
	if err != nil || len(log) == 0 || log[0].Action != "user.organisation" || log[0].Email != f.admin.Email ||
		!strings.Contains(log[0].Detail, f.ent.ID) {
		t.Fatalf("audit log: %+v %v", log, err)
	}
}
