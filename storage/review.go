package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cpaudit/cpaudit"
)

// Expert review of a campaign's sample (issue 18): the expert pool, the
// reviewers drawn per sampled audit and their reviews. The rules (the
// draw, conflicts, the checklist, the outcome) are the root package's;
// here are the rows, the rights and the audit log.
//
// Rights: admins and regulators maintain the pool and draw and replace
// reviewers in the campaigns they may read (mayReadCampaign); an expert
// reads and scores its own assignments only, and sees the other reviewers'
// reviews of the same audit only once its own is submitted.

const profileColumns = `u.id, u.email, coalesce(p.industries, '[]'), coalesce(p.specialities, '[]'), coalesce(p.organisation_id, ''),
	coalesce(p.region, ''), coalesce(p.conflicts, '[]'), coalesce(p.updated_at, 0)`

func scanProfile(sc interface{ Scan(...any) error }) (cpaudit.ExpertProfile, error) {
	var p cpaudit.ExpertProfile
	var ind, spec, conf string
	var updated int64
	if err := sc.Scan(&p.UserID, &p.Email, &ind, &spec, &p.OrganisationID, &p.Region, &conf, &updated); err != nil {
		return p, err
	}
	for _, f := range []struct {
		raw string
		dst *[]string
	}{{ind, &p.Industries}, {spec, &p.Specialities}, {conf, &p.Conflicts}} {
		if err := json.Unmarshal([]byte(f.raw), f.dst); err != nil {
			return p, err
		}
	}
	if updated != 0 {
		p.UpdatedAt = fromMicros(updated)
	}
	return p, nil
}

// expertPool lists every user of role expert with its profile, by id.
func expertPool(ctx context.Context, q querier) ([]cpaudit.ExpertProfile, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+profileColumns+` FROM users u LEFT JOIN expert_profiles p ON p.user_id = u.id
		WHERE u.role = ? ORDER BY u.id`, string(cpaudit.RoleExpert))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	pool := []cpaudit.ExpertProfile{}
	for rows.Next() {
		p, err := scanProfile(rows)
		if err != nil {
			return nil, err
		}
		pool = append(pool, p)
	}
	return pool, rows.Err()
}

// expertProfile reads one expert of the pool; KindNotFound for a user that
// is no expert.
func expertProfile(ctx context.Context, q querier, userID string) (cpaudit.ExpertProfile, error) {
	p, err := scanProfile(q.QueryRowContext(ctx, `SELECT `+profileColumns+` FROM users u LEFT JOIN expert_profiles p ON p.user_id = u.id
		WHERE u.id = ? AND u.role = ?`, userID, string(cpaudit.RoleExpert)))
	if err != nil {
		return p, dbError("storage.expertProfile", err, "no such expert", "")
	}
	return p, nil
}

// ExpertPool lists the experts of the tenant with their profiles.
// KindConflict (expert_pool_not_allowed) for anyone but an admin or a
// regulator.
func (s *Store) ExpertPool(ctx context.Context, a cpaudit.Actor) ([]cpaudit.ExpertProfile, error) {
	if err := authorityOnly(a, cpaudit.CodeExpertPoolNotAllowed, "read the expert pool"); err != nil {
		return nil, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	pool, err := expertPool(ctx, db)
	if err != nil {
		return nil, dbError("storage.ExpertPool", err, "", "")
	}
	return pool, nil
}

// SetExpertProfile replaces the profile of the expert userID, logged.
// KindConflict (expert_pool_not_allowed) for anyone but an admin or a
// regulator; KindNotFound for a user that is no expert;
// KindUnprocessable for a bad field or an organisation that does not
// exist (expert_organisation_unknown).
func (s *Store) SetExpertProfile(ctx context.Context, a cpaudit.Actor, userID string, p cpaudit.ExpertProfile) (cpaudit.ExpertProfile, error) {
	const op = "storage.SetExpertProfile"
	if err := authorityOnly(a, cpaudit.CodeExpertPoolNotAllowed, "maintain the expert pool"); err != nil {
		return cpaudit.ExpertProfile{}, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.ExpertProfile{}, err
	}
	var out cpaudit.ExpertProfile
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		old, err := expertProfile(ctx, tx, userID)
		if err != nil {
			return err
		}
		if err := p.Validate(); err != nil {
			return err
		}
		orgs := slices.Clone(p.Conflicts)
		if p.OrganisationID != "" {
			orgs = append(orgs, p.OrganisationID)
		}
		for _, id := range orgs {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM organisations WHERE id = ?`, id).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeExpertOrgUnknown, "no such organisation %q", id).With("value", id)
			}
		}
		now := s.clock()
		if _, err := tx.ExecContext(ctx, `INSERT INTO expert_profiles (user_id, industries, specialities, organisation_id, region,
			conflicts, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET industries = excluded.industries,
			specialities = excluded.specialities, organisation_id = excluded.organisation_id, region = excluded.region,
			conflicts = excluded.conflicts, updated_at = excluded.updated_at`,
			userID, mustJSON(p.Industries), mustJSON(p.Specialities), p.OrganisationID, p.Region, mustJSON(p.Conflicts), micros(now)); err != nil {
			return err
		}
		out = p
		out.UserID, out.Email, out.UpdatedAt = old.UserID, old.Email, fromMicros(micros(now))
		return s.appendLog(ctx, tx, a, "expert.profile", "user", userID, map[string]any{"industries": p.Industries,
			"specialities": p.Specialities, "organisation_id": p.OrganisationID, "region": p.Region, "conflicts": p.Conflicts})
	})
	if err != nil {
		return cpaudit.ExpertProfile{}, dbError(op, err, "", "")
	}
	return out, nil
}

// managedCampaign reads a campaign the actor may read, then checks it may
// manage its reviewers: 404 comes before 409, so a refusal says nothing of
// a campaign out of reach.
func (s *Store) managedCampaign(ctx context.Context, a cpaudit.Actor, id string, code cpaudit.Code, what string) (cpaudit.Campaign, error) {
	c, err := s.Campaign(ctx, a, id)
	if err != nil {
		return c, err
	}
	return c, authorityOnly(a, code, what)
}

// reviewedAudits reads the parties of a campaign's sampled audits.
func reviewedAudits(ctx context.Context, q querier, ids []string) ([]cpaudit.ReviewedAudit, error) {
	out := make([]cpaudit.ReviewedAudit, 0, len(ids))
	for _, id := range ids {
		ra := cpaudit.ReviewedAudit{AuditID: id}
		if err := q.QueryRowContext(ctx, `SELECT au.enterprise_id, coalesce(au.consultancy_id, ''), o.industry FROM audits au
			JOIN organisations o ON o.id = au.enterprise_id WHERE au.id = ?`, id).Scan(&ra.EnterpriseID, &ra.ConsultancyID, &ra.Industry); err != nil {
			return nil, err
		}
		out = append(out, ra)
	}
	return out, nil
}

// DrawAssignments draws n.PerAudit reviewers for every audit of campaign
// id (cpaudit.DrawReviewers) and stores them with the audit log entry
// (the seed, the pool's digest, the reviewers per audit) in one
// transaction. A campaign's reviewers are drawn once.
// KindNotFound for a campaign out of reach; KindConflict for an actor who
// may not (assignment_not_allowed) or reviewers drawn already
// (assignments_already_drawn); KindUnprocessable for bad rules or an audit
// with too few experts without a conflict (reviewers_too_few).
func (s *Store) DrawAssignments(ctx context.Context, a cpaudit.Actor, id string, n cpaudit.NewAssignments) (cpaudit.Assignments, error) {
	const op = "storage.DrawAssignments"
	c, err := s.managedCampaign(ctx, a, id, cpaudit.CodeAssignNotAllowed, "draw reviewers")
	if err != nil {
		return cpaudit.Assignments{}, err
	}
	if err := n.Validate(); err != nil {
		return cpaudit.Assignments{}, err
	}
	seed, err := campaignSeed(n.Seed)
	if err != nil {
		return cpaudit.Assignments{}, cpaudit.Internal(op, err)
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Assignments{}, err
	}
	out := cpaudit.Assignments{CampaignID: c.ID, Seed: seed, PerAudit: n.PerAudit, Assignments: []cpaudit.Assignment{}}
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		var drawn int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM review_assignments WHERE campaign_id = ?`, c.ID).Scan(&drawn); err != nil {
			return err
		}
		if drawn > 0 {
			return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeAssignmentsDrawn, "this campaign's reviewers are drawn already; replace one instead")
		}
		audits, err := reviewedAudits(ctx, tx, c.AuditIDs)
		if err != nil {
			return err
		}
		pool, err := expertPool(ctx, tx)
		if err != nil {
			return err
		}
		drawnIDs, err := cpaudit.DrawReviewers(audits, pool, n.PerAudit, seed)
		if err != nil {
			return err
		}
		email := map[string]string{}
		for _, p := range pool {
			email[p.UserID] = p.Email
		}
		now := s.clock()
		perAudit := map[string][]string{}
		for i, au := range audits {
			perAudit[au.AuditID] = drawnIDs[i]
			for _, expert := range drawnIDs[i] {
				as := cpaudit.Assignment{ID: cpaudit.NewID("ra", now), CampaignID: c.ID, AuditID: au.AuditID, ExpertID: expert,
					ExpertEmail: email[expert], State: cpaudit.AssignmentAssigned, CreatedAt: fromMicros(micros(now))}
				if _, err := tx.ExecContext(ctx, `INSERT INTO review_assignments (id, campaign_id, audit_id, expert_id, created_at)
					VALUES (?, ?, ?, ?, ?)`, as.ID, as.CampaignID, as.AuditID, as.ExpertID, micros(now)); err != nil {
					return err
				}
				out.Assignments = append(out.Assignments, as)
			}
		}
		return s.appendLog(ctx, tx, a, "campaign.assign", "campaign", c.ID, map[string]any{"seed": seed, "per_audit": n.PerAudit,
			"pool": len(pool), "pool_sha256": poolDigest(pool), "reviewers": perAudit})
	})
	if err != nil {
		return cpaudit.Assignments{}, dbError(op, err, "", "")
	}
	return out, nil
}

// poolDigest is the SHA-256 of the pool as the draw saw it: each expert's
// id, organisation, industries and conflicts, one expert a line, by id.
func poolDigest(pool []cpaudit.ExpertProfile) string {
	h := sha256.New()
	for _, p := range pool {
		h.Write([]byte(p.UserID + "\t" + p.OrganisationID + "\t" + strings.Join(p.Industries, ",") + "\t" + strings.Join(p.Conflicts, ",") + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

const assignmentColumns = `ra.id, ra.campaign_id, ra.audit_id, ra.expert_id, u.email, coalesce(ra.replaces, ''),
	coalesce(ra.replaced_by, ''), ra.replaced_reason, ra.created_at, EXISTS (SELECT 1 FROM reviews r WHERE r.assignment_id = ra.id)`

const assignmentFrom = ` FROM review_assignments ra JOIN users u ON u.id = ra.expert_id`

func scanAssignment(sc interface{ Scan(...any) error }) (cpaudit.Assignment, error) {
	var as cpaudit.Assignment
	var created int64
	var reviewed bool
	if err := sc.Scan(&as.ID, &as.CampaignID, &as.AuditID, &as.ExpertID, &as.ExpertEmail, &as.Replaces, &as.ReplacedBy,
		&as.ReplacedReason, &created, &reviewed); err != nil {
		return as, err
	}
	as.CreatedAt = fromMicros(created)
	switch {
	case as.ReplacedBy != "":
		as.State = cpaudit.AssignmentReplaced
	case reviewed:
		as.State = cpaudit.AssignmentReviewed
	default:
		as.State = cpaudit.AssignmentAssigned
	}
	return as, nil
}

func assignmentByID(ctx context.Context, q querier, id string) (cpaudit.Assignment, error) {
	as, err := scanAssignment(q.QueryRowContext(ctx, `SELECT `+assignmentColumns+assignmentFrom+` WHERE ra.id = ?`, id))
	if err != nil {
		return as, dbError("storage.assignment", err, "no such assignment", "")
	}
	return as, nil
}

// ReplaceAssignment replaces the reviewer of assignment assignmentID of
// campaign campaignID by expert expertID, for reason, logged. The old
// assignment stays, marked replaced. KindNotFound for a campaign out of
// reach or an assignment not of it; KindConflict for an actor who may not
// (assignment_not_allowed), an assignment replaced or reviewed already
// (assignment_not_active), a user outside the pool (expert_not_in_pool),
// an expert with a conflict (expert_conflict) or already reviewing the
// audit (expert_already_assigned); KindInvalid for a missing or too long
// reason.
func (s *Store) ReplaceAssignment(ctx context.Context, a cpaudit.Actor, campaignID, assignmentID, expertID, reason string) (cpaudit.Assignment, error) {
	const op = "storage.ReplaceAssignment"
	c, err := s.managedCampaign(ctx, a, campaignID, cpaudit.CodeAssignNotAllowed, "replace reviewers")
	if err != nil {
		return cpaudit.Assignment{}, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Assignment{}, err
	}
	var out cpaudit.Assignment
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		old, err := assignmentByID(ctx, tx, assignmentID)
		if err != nil {
			return err
		}
		if old.CampaignID != c.ID {
			return cpaudit.Errorf(cpaudit.KindNotFound, "no such assignment")
		}
		reason = strings.TrimSpace(reason)
		if reason == "" {
			return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeReasonRequired, "a reason is required to replace a reviewer")
		}
		if !utf8.ValidString(reason) || utf8.RuneCountInString(reason) > maxReason {
			return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeReasonTooLong, "reason must be valid text of at most %d characters", maxReason).
				With("max", strconv.Itoa(maxReason))
		}
		if old.State != cpaudit.AssignmentAssigned {
			return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeAssignmentNotActive, "this assignment is %s already", old.State).With("state", old.State)
		}
		expert, err := expertProfile(ctx, tx, expertID)
		if cpaudit.IsKind(err, cpaudit.KindNotFound) {
			return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeExpertNotInPool, "the user %q is not in the expert pool", expertID)
		} else if err != nil {
			return err
		}
		audits, err := reviewedAudits(ctx, tx, []string{old.AuditID})
		if err != nil {
			return err
		}
		if expert.Conflicted(audits[0]) {
			return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeExpertConflict, "the expert has a conflict with audit %s", old.AuditID).With("audit_id", old.AuditID)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM review_assignments WHERE campaign_id = ? AND audit_id = ? AND expert_id = ?
			AND replaced_by IS NULL`, c.ID, old.AuditID, expert.UserID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeExpertAlreadyAssigned, "the expert reviews audit %s already", old.AuditID).With("audit_id", old.AuditID)
		}
		now := s.clock()
		out = cpaudit.Assignment{ID: cpaudit.NewID("ra", now), CampaignID: c.ID, AuditID: old.AuditID, ExpertID: expert.UserID,
			ExpertEmail: expert.Email, State: cpaudit.AssignmentAssigned, Replaces: old.ID, CreatedAt: fromMicros(micros(now))}
		if _, err := tx.ExecContext(ctx, `INSERT INTO review_assignments (id, campaign_id, audit_id, expert_id, replaces, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, out.ID, out.CampaignID, out.AuditID, out.ExpertID, old.ID, micros(now)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE review_assignments SET replaced_by = ?, replaced_reason = ? WHERE id = ?`,
			out.ID, reason, old.ID); err != nil {
			return err
		}
		return s.appendLog(ctx, tx, a, "campaign.replace_reviewer", "campaign", c.ID, map[string]any{"audit_id": old.AuditID,
			"assignment_id": old.ID, "expert_id": old.ExpertID, "new_assignment_id": out.ID, "new_expert_id": out.ExpertID, "reason": reason})
	})
	if err != nil {
		return cpaudit.Assignment{}, dbError(op, err, "", "")
	}
	return out, nil
}

// MyAssignments lists the caller's own assignments, newest first, each
// with its own review once submitted.
func (s *Store) MyAssignments(ctx context.Context, a cpaudit.Actor) ([]cpaudit.Assignment, error) {
	const op = "storage.MyAssignments"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	list, err := queryAssignments(ctx, db, ` WHERE ra.expert_id = ? ORDER BY ra.created_at DESC, ra.id`, a.UserID)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	for i := range list {
		if list[i].State == cpaudit.AssignmentReviewed {
			r, err := reviewOf(ctx, db, list[i].ID)
			if err != nil {
				return nil, dbError(op, err, "", "")
			}
			list[i].Review = &r
		}
	}
	return list, nil
}

func queryAssignments(ctx context.Context, q querier, where string, args ...any) ([]cpaudit.Assignment, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+assignmentColumns+assignmentFrom+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []cpaudit.Assignment{}
	for rows.Next() {
		as, err := scanAssignment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, as)
	}
	return out, rows.Err()
}

// Assignment returns an assignment with its checklist and review. Its
// expert reads it, and the other reviewers' reviews of the same audit in
// the same campaign once its own is submitted; an admin or regulator who
// may read the campaign reads it with every review. KindNotFound for
// anyone else.
func (s *Store) Assignment(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Assignment, error) {
	const op = "storage.Assignment"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Assignment{}, err
	}
	as, err := assignmentByID(ctx, db, id)
	if err != nil {
		return cpaudit.Assignment{}, err
	}
	own := as.ExpertID == a.UserID && a.UserID != ""
	if !own && !isAuthority(a) {
		return cpaudit.Assignment{}, cpaudit.Errorf(cpaudit.KindNotFound, "no such assignment")
	}
	c, err := s.Campaign(ctx, a, as.CampaignID)
	if err != nil {
		return cpaudit.Assignment{}, cpaudit.Errorf(cpaudit.KindNotFound, "no such assignment")
	}
	cl, err := s.auditChecklist(ctx, a.TenantID, c.Checklist, as.AuditID)
	if err != nil {
		return cpaudit.Assignment{}, err
	}
	as.Checklist = &cl
	if as.State == cpaudit.AssignmentReviewed {
		r, err := reviewOf(ctx, db, as.ID)
		if err != nil {
			return cpaudit.Assignment{}, dbError(op, err, "", "")
		}
		as.Review = &r
	}
	// Independence: an expert sees the others' scores only after its own.
	if !own || as.Review != nil {
		all, err := auditReviews(ctx, db, as.CampaignID, as.AuditID)
		if err != nil {
			return cpaudit.Assignment{}, dbError(op, err, "", "")
		}
		for _, r := range all {
			if r.AssignmentID != as.ID {
				as.Others = append(as.Others, r)
			}
		}
	}
	return as, nil
}

const reviewColumns = `r.assignment_id, ra.expert_id, u.email, r.items, r.vetoes, r.comment, r.score, r.submitted_at`

const reviewFrom = ` FROM reviews r JOIN review_assignments ra ON ra.id = r.assignment_id JOIN users u ON u.id = ra.expert_id`

func scanReview(sc interface{ Scan(...any) error }) (cpaudit.Review, error) {
	var r cpaudit.Review
	var items, vetoes string
	var at int64
	if err := sc.Scan(&r.AssignmentID, &r.ExpertID, &r.ExpertEmail, &items, &vetoes, &r.Comment, &r.Score, &at); err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(items), &r.Items); err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(vetoes), &r.Vetoes); err != nil {
		return r, err
	}
	r.SubmittedAt = fromMicros(at)
	return r, nil
}

func reviewOf(ctx context.Context, q querier, assignmentID string) (cpaudit.Review, error) {
	return scanReview(q.QueryRowContext(ctx, `SELECT `+reviewColumns+reviewFrom+` WHERE r.assignment_id = ?`, assignmentID))
}

// auditReviews lists the reviews of one audit in one campaign, by time.
func auditReviews(ctx context.Context, q querier, campaignID, auditID string) ([]cpaudit.Review, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+reviewColumns+reviewFrom+` WHERE ra.campaign_id = ? AND ra.audit_id = ?
		ORDER BY r.submitted_at, r.assignment_id`, campaignID, auditID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []cpaudit.Review{}
	for rows.Next() {
		r, err := scanReview(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SubmitReview records the review of assignment id by its expert, logged.
// KindNotFound for anyone but the assignment's expert; KindConflict for a
// replaced assignment (assignment_not_active) or a second submission
// (review_already_submitted); KindUnprocessable for a review that does
// not fit the checklist of the campaign's stage.
func (s *Store) SubmitReview(ctx context.Context, a cpaudit.Actor, id string, nr cpaudit.NewReview) (cpaudit.Review, error) {
	const op = "storage.SubmitReview"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Review{}, err
	}
	// The checklist is the campaign's, naming the veto requirements the
	// audit's reports miss; it is read before the transaction (the
	// library is another database). A campaign never changes, so reading
	// it early is safe.
	var checklist cpaudit.Checklist
	if as, err := assignmentByID(ctx, db, id); err != nil {
		return cpaudit.Review{}, err
	} else {
		c, err := s.Campaign(ctx, cpaudit.SystemActor(a.TenantID), as.CampaignID)
		if err != nil {
			return cpaudit.Review{}, err
		}
		if checklist, err = s.auditChecklist(ctx, a.TenantID, c.Checklist, as.AuditID); err != nil {
			return cpaudit.Review{}, err
		}
	}
	var out cpaudit.Review
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		as, err := assignmentByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if a.UserID == "" || as.ExpertID != a.UserID {
			return cpaudit.Errorf(cpaudit.KindNotFound, "no such assignment")
		}
		switch as.State {
		case cpaudit.AssignmentReplaced:
			return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeAssignmentNotActive, "this assignment is replaced").With("state", as.State)
		case cpaudit.AssignmentReviewed:
			return cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeReviewSubmitted, "this review is submitted already")
		}
		score, err := checklist.Check(&nr)
		if err != nil {
			return err
		}
		now := s.clock()
		out = cpaudit.Review{AssignmentID: as.ID, ExpertID: as.ExpertID, ExpertEmail: as.ExpertEmail, Items: nr.Items,
			Vetoes: nr.Vetoes, Comment: nr.Comment, Score: score, SubmittedAt: fromMicros(micros(now))}
		if _, err := tx.ExecContext(ctx, `INSERT INTO reviews (assignment_id, items, vetoes, comment, score, submitted_at)
			VALUES (?, ?, ?, ?, ?, ?)`, as.ID, mustJSON(out.Items), mustJSON(out.Vetoes), out.Comment, score, micros(now)); err != nil {
			return err
		}
		return s.appendLog(ctx, tx, a, "assignment.review", "assignment", as.ID, map[string]any{"campaign_id": as.CampaignID,
			"audit_id": as.AuditID, "items": out.Items, "vetoes": out.Vetoes, "score": score})
	})
	if err != nil {
		return cpaudit.Review{}, dbError(op, err, "", "conflict")
	}
	return out, nil
}

// CampaignReviews answers, per sampled audit, the reviews, the mean
// score, any veto and the result under the stage's checklist. KindNotFound
// for a campaign out of reach; KindConflict (campaign_reviews_not_allowed)
// for anyone but an admin or a regulator.
func (s *Store) CampaignReviews(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.CampaignReviews, error) {
	const op = "storage.CampaignReviews"
	c, err := s.managedCampaign(ctx, a, id, cpaudit.CodeReviewsNotAllowed, "read a campaign's reviews")
	if err != nil {
		return cpaudit.CampaignReviews{}, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.CampaignReviews{}, err
	}
	cl := c.Checklist
	out := cpaudit.CampaignReviews{CampaignID: c.ID, Checklist: cl, PassMark: cl.PassMark, Audits: []cpaudit.AuditReviews{}}
	for _, auditID := range c.AuditIDs {
		ar, err := auditOutcome(ctx, db, c.ID, auditID, cl.PassMark)
		if err != nil {
			return out, dbError(op, err, "", "")
		}
		out.Audits = append(out.Audits, ar)
	}
	return out, nil
}

// auditOutcome reads the active reviewers and the reviews of one audit in
// one campaign and scores them against passMark (AuditReviews.Outcome).
func auditOutcome(ctx context.Context, q querier, campaignID, auditID string, passMark float64) (cpaudit.AuditReviews, error) {
	ar := cpaudit.AuditReviews{AuditID: auditID}
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM review_assignments WHERE campaign_id = ? AND audit_id = ?
		AND replaced_by IS NULL`, campaignID, auditID).Scan(&ar.Assigned); err != nil {
		return ar, err
	}
	var err error
	if ar.Reviews, err = auditReviews(ctx, q, campaignID, auditID); err != nil {
		return ar, err
	}
	ar.Outcome(passMark)
	return ar, nil
}

// CampaignAssignments lists every reviewer drawn for campaign id, the
// replaced ones too, by audit then time. KindNotFound for a campaign out
// of reach; KindConflict (assignment_not_allowed) for anyone but an admin
// or a regulator: the pool's draw is theirs to manage.
func (s *Store) CampaignAssignments(ctx context.Context, a cpaudit.Actor, id string) ([]cpaudit.Assignment, error) {
	c, err := s.managedCampaign(ctx, a, id, cpaudit.CodeAssignNotAllowed, "read a campaign's reviewers")
	if err != nil {
		return nil, err
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	list, err := queryAssignments(ctx, db, ` WHERE ra.campaign_id = ? ORDER BY ra.audit_id, ra.created_at, ra.id`, c.ID)
	if err != nil {
		return nil, dbError("storage.CampaignAssignments", err, "", "")
	}
	return list, nil
}
