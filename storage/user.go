package storage

import (
	"context"
	"database/sql"

	"github.com/cpaudit/cpaudit"
)

// CreateUser adds a user to the actor's tenant. Only admins may (the
// command line acts as the system admin). KindInvalid for a bad e-mail,
// role or weak password, KindConflict for a duplicate e-mail, KindNotFound
// for an unknown organisation.
func (s *Store) CreateUser(ctx context.Context, a cpaudit.Actor, nu cpaudit.NewUser) (cpaudit.User, error) {
	const op = "storage.CreateUser"
	if a.Role != cpaudit.RoleAdmin {
		return cpaudit.User{}, cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeUserCreateNotAllowed, "only an admin may create users")
	}
	email, err := cpaudit.NormalizeEmail(nu.Email)
	if err != nil {
		return cpaudit.User{}, err
	}
	if _, err := cpaudit.ParseRole(string(nu.Role)); err != nil {
		return cpaudit.User{}, err
	}
	if err := cpaudit.ValidatePassword(nu.Password); err != nil {
		return cpaudit.User{}, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.User{}, err
	}
	if nu.OrgID != "" {
		org, err := s.organisation(ctx, db, nu.OrgID)
		if err != nil {
			return cpaudit.User{}, err
		}
		if err := nu.Role.CheckOrg(org.Kind); err != nil {
			return cpaudit.User{}, err
		}
	}
	now := s.clock()
	u := cpaudit.User{ID: cpaudit.NewID("u", now), TenantID: a.TenantID, Email: email, Role: nu.Role, OrgID: nu.OrgID, CreatedAt: now}
	hash := hashPassword(nu.Password, s.passwords)
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, role, org_id, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			u.ID, u.Email, string(u.Role), nullString(u.OrgID), hash, micros(now))
		if err != nil {
			return err
		}
		return s.appendLog(ctx, tx, a, "user.create", "user", u.ID, map[string]any{"email": email, "role": u.Role, "org_id": u.OrgID})
	})
	if err != nil {
		return cpaudit.User{}, taken(dbError(op, err, "", "a user with e-mail "+email+" already exists"), cpaudit.CodeEmailTaken)
	}
	return u, nil
}

// SetUserOrganisation ties the user with e-mail email to the organisation
// orgID, or moves it there: the repair for a consultant, enterprise or
// publisher user created without one, who sees nothing until tied. Only
// admins may (the command line acts as the system admin); KindConflict
// for anyone else. KindNotFound for an unknown e-mail or an organisation
// not of the actor's tenant; KindUnprocessable when the organisation's
// kind does not fit the user's role (Role.CheckOrg, as CreateUser). The
// change is logged, and the user's sessions and tokens see it on their
// next request, which reads the user afresh.
func (s *Store) SetUserOrganisation(ctx context.Context, a cpaudit.Actor, email, orgID string) (cpaudit.User, error) {
	const op = "storage.SetUserOrganisation"
	if a.Role != cpaudit.RoleAdmin {
		return cpaudit.User{}, cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeUserOrgNotAllowed, "only an admin may tie users to organisations")
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.User{}, err
	}
	var u cpaudit.User
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		// Read and written in one transaction, so that the role checked
		// is the role the user has when the change lands.
		found, err := userByEmail(ctx, tx, a.TenantID, email)
		if err != nil {
			return err
		}
		org, err := s.organisation(ctx, tx, orgID)
		if cpaudit.IsKind(err, cpaudit.KindNotFound) {
			return cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeNoSuchOrg, "no such organisation %q", orgID)
		} else if err != nil {
			return err
		}
		if err := found.Role.CheckOrg(org.Kind); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET org_id = ? WHERE id = ?`, org.ID, found.ID); err != nil {
			return err
		}
		previous := found.OrgID
		u = found
		u.OrgID, u.OrgRegion = org.ID, org.Region
		return s.appendLog(ctx, tx, a, "user.organisation", "user", u.ID, map[string]any{"email": u.Email, "org_id": org.ID, "previous_org_id": previous})
	})
	if err != nil {
		return cpaudit.User{}, dbError(op, err, "", "")
	}
	return u, nil
}

// Login checks a tenant's slug, an e-mail and a password, as the login
// form sends them, and returns the user; KindUnauthenticated if any is
// wrong, the same answer for each. An unknown tenant costs a password
// hash like a known one, so that timing does not tell which tenants
// exist (issue 24).
func (s *Store) Login(ctx context.Context, tenantSlug, email, password string) (cpaudit.User, error) {
	t, err := s.TenantBySlug(ctx, tenantSlug)
	if cpaudit.IsKind(err, cpaudit.KindNotFound) {
		s.verifyPassword(password, s.dummyHash)
		return cpaudit.User{}, errWrongLogin()
	} else if err != nil {
		return cpaudit.User{}, err
	}
	return s.Authenticate(ctx, t.ID, email, password)
}

func errWrongLogin() error {
	return cpaudit.Refuse(cpaudit.KindUnauthenticated, cpaudit.CodeLoginFailed, "wrong e-mail or password")
}

// Authenticate checks an e-mail and password in a tenant and returns the
// user; KindUnauthenticated if either is wrong (the same answer for both).
func (s *Store) Authenticate(ctx context.Context, tenantID, email, password string) (cpaudit.User, error) {
	db, err := s.tenantDB(ctx, tenantID)
	if cpaudit.IsKind(err, cpaudit.KindNotFound) {
		s.verifyPassword(password, s.dummyHash)
		return cpaudit.User{}, errWrongLogin()
	} else if err != nil {
		return cpaudit.User{}, err
	}
	email, _ = cpaudit.NormalizeEmail(email)
	var hash string
	u, err := scanUser(db.QueryRowContext(ctx, `SELECT id, email, role, org_id, coalesce((SELECT region FROM organisations o WHERE o.id = users.org_id), ''), created_at, password_hash FROM users WHERE email = ?`, email), &hash)
	if cpaudit.IsKind(err, cpaudit.KindNotFound) {
		s.verifyPassword(password, s.dummyHash)
		return cpaudit.User{}, errWrongLogin()
	} else if err != nil {
		return cpaudit.User{}, err
	}
	if !s.verifyPassword(password, hash) {
		return cpaudit.User{}, errWrongLogin()
	}
	u.TenantID = tenantID
	return u, nil
}

// verifyPassword is checkPassword, counted, so that tests can see that
// every way a login fails costs one hash.
func (s *Store) verifyPassword(pw, encoded string) bool {
	s.passwordChecks.Add(1)
	return checkPassword(pw, encoded)
}

// UserByEmail returns a tenant's user; KindNotFound if none.
func (s *Store) UserByEmail(ctx context.Context, tenantID, email string) (cpaudit.User, error) {
	db, err := s.tenantDB(ctx, tenantID)
	if err != nil {
		return cpaudit.User{}, err
	}
	return userByEmail(ctx, db, tenantID, email)
}

// userByEmail reads a user through q; KindNotFound, naming the address,
// if there is none.
func userByEmail(ctx context.Context, q querier, tenantID, email string) (cpaudit.User, error) {
	notFound := cpaudit.Errorf(cpaudit.KindNotFound, "no user %q", email)
	norm, err := cpaudit.NormalizeEmail(email)
	if err != nil {
		return cpaudit.User{}, notFound
	}
	var hash string
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT id, email, role, org_id, coalesce((SELECT region FROM organisations o WHERE o.id = users.org_id), ''), created_at, password_hash FROM users WHERE email = ?`, norm), &hash)
	if cpaudit.IsKind(err, cpaudit.KindNotFound) {
		return cpaudit.User{}, notFound
	}
	u.TenantID = tenantID
	return u, err
}

func (s *Store) userByID(ctx context.Context, db *sqlDB, tenantID, id string) (cpaudit.User, error) {
	var hash string
	u, err := scanUser(db.QueryRowContext(ctx, `SELECT id, email, role, org_id, coalesce((SELECT region FROM organisations o WHERE o.id = users.org_id), ''), created_at, password_hash FROM users WHERE id = ?`, id), &hash)
	u.TenantID = tenantID
	return u, err
}

func scanUser(row *sql.Row, hash *string) (cpaudit.User, error) {
	var u cpaudit.User
	var role string
	var org sql.NullString
	var created int64
	if err := row.Scan(&u.ID, &u.Email, &role, &org, &u.OrgRegion, &created, hash); err != nil {
		return cpaudit.User{}, dbError("storage.user", err, "no such user", "")
	}
	u.Role, u.OrgID, u.CreatedAt = cpaudit.Role(role), org.String, fromMicros(created)
	return u, nil
}
