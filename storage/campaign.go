package storage

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/cpaudit/cpaudit"
)

// Spot-check campaigns (抽查任务). The population is read from
// audit_progress with the same WHERE clause as the audit lists (listWhere),
// so a campaign drawn by a regional office holds only audits that office
// may see; the draw itself is cpaudit.DrawSample's.

// CreateCampaign draws a campaign's sample from the audits the actor may
// see that match its filter, and stores it with its audit log entry (the
// seed, the population's size and digest, the sample) in one transaction.
// KindConflict for an actor who may not; KindUnprocessable for bad rules,
// an empty population or strata that need more audits than the size;
// KindNotFound for a batch or consultancy of the filter that does not
// exist.
func (s *Store) CreateCampaign(ctx context.Context, a cpaudit.Actor, nc cpaudit.NewCampaign) (cpaudit.Campaign, error) {
	const op = "storage.CreateCampaign"
	if err := authorityOnly(a, cpaudit.CodeCampaignNotAllowed, "create a campaign"); err != nil {
		return cpaudit.Campaign{}, err
	}
	if err := nc.Validate(); err != nil {
		return cpaudit.Campaign{}, err
	}
	seed, err := campaignSeed(nc.Seed)
	if err != nil {
		return cpaudit.Campaign{}, cpaudit.Internal(op, err)
	}
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Campaign{}, err
	}
	now := s.clock()
	c := cpaudit.Campaign{ID: cpaudit.NewID("c", now), Name: nc.Name, Stage: nc.Stage, Filter: nc.Filter, Size: nc.Size,
		Seed: seed, Strata: nc.Strata, CreatedBy: a.Email, CreatedAt: now}
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		if err := s.checkCampaignFilter(ctx, tx, nc.Filter); err != nil {
			return err
		}
		population, err := campaignPopulation(ctx, tx, a, nc)
		if err != nil {
			return err
		}
		c.Population = len(population)
		if c.Checklist, _, err = checklistFor(ctx, tx, c.Stage); err != nil {
			return err
		}
		if c.AuditIDs, err = cpaudit.DrawSample(population, nc.Size, seed, nc.Strata); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaigns (id, name, stage, filter, size, seed, strata, population,
			audit_ids, scope, checklist, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.Name, string(c.Stage), mustJSON(c.Filter), c.Size, c.Seed, mustJSON(c.Strata), c.Population,
			mustJSON(c.AuditIDs), regionScope(a), mustJSON(c.Checklist), c.CreatedBy, micros(now)); err != nil {
			return err
		}
		return s.appendLog(ctx, tx, a, "campaign.create", "campaign", c.ID, map[string]any{
			"name": c.Name, "stage": c.Stage, "filter": c.Filter, "size": c.Size, "seed": c.Seed, "strata": c.Strata,
			"population": c.Population, "population_sha256": populationDigest(population), "audit_ids": c.AuditIDs,
			"checklist": c.Checklist})
	})
	if err != nil {
		return cpaudit.Campaign{}, dbError(op, err, "", "")
	}
	return c, nil
}

// campaignSeed is the seed asked for, or one drawn at random.
func campaignSeed(asked *int64) (int64, error) {
	if asked != nil {
		return *asked, nil
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, err
	}
	return int64(binary.BigEndian.Uint64(b[:]) % cpaudit.MaxSeed), nil
}

// checkCampaignFilter makes sure the batch and consultancy a filter names
// exist: a typo must not quietly give an empty population.
func (s *Store) checkCampaignFilter(ctx context.Context, tx *sql.Tx, f cpaudit.CampaignFilter) error {
	if f.BatchID != "" {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM batches WHERE id = ?`, f.BatchID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return cpaudit.Errorf(cpaudit.KindNotFound, "no such batch")
		}
	}
	if f.ConsultancyID != "" {
		o, err := s.organisation(ctx, tx, f.ConsultancyID)
		if err != nil {
			return err
		}
		if o.Kind != cpaudit.OrgConsultancy {
			return cpaudit.Errorf(cpaudit.KindNotFound, "no such consultancy")
		}
	}
	return nil
}

// campaignPopulation lists the audits of a campaign's population, each
// with its consultancy and whether an open or confirmed flag concerns one
// of its documents.
func campaignPopulation(ctx context.Context, tx *sql.Tx, a cpaudit.Actor, nc cpaudit.NewCampaign) ([]cpaudit.Candidate, error) {
	f := nc.Filter
	where, args, err := listWhere(a, cpaudit.AuditListFilter{BatchID: f.BatchID, Region: f.Region, Industry: f.Industry,
		ConsultancyID: f.ConsultancyID}, time.Time{}) // no stalled filter: the time is not read
	if err != nil {
		return nil, err
	}
	if f.ReachedStage {
		switch nc.Stage {
		case cpaudit.StageAssessment:
			where += ` AND EXISTS (SELECT 1 FROM audits au WHERE au.id = p.audit_id AND au.assessment_open_at IS NOT NULL)`
		case cpaudit.StageAcceptance, cpaudit.StageAfterAcceptance:
			where += ` AND EXISTS (SELECT 1 FROM audits au WHERE au.id = p.audit_id AND au.acceptance_open_at IS NOT NULL)`
		}
	}
	loc := cpaudit.ChinaLocation()
	for _, d := range []struct {
		value, op string
		days      int
	}{{f.StartedFrom, ">=", 0}, {f.StartedTo, "<", 1}} {
		if d.value == "" {
			continue
		}
		day, err := time.ParseInLocation(time.DateOnly, d.value, loc) // checked by Validate
		if err != nil {
			return nil, err
		}
		where += ` AND EXISTS (SELECT 1 FROM audits au WHERE au.id = p.audit_id AND au.created_at ` + d.op + ` ?)`
		args = append(args, micros(day.AddDate(0, 0, d.days)))
	}
	rows, err := tx.QueryContext(ctx, `SELECT p.audit_id, p.consultancy_id, p.region,
		EXISTS (SELECT 1 FROM documents d JOIN flags fl ON d.id IN (fl.doc_a, fl.doc_b)
			WHERE d.audit_id = p.audit_id AND d.deleted_at IS NULL AND fl.status <> 'dismissed')
		FROM audit_progress p`+where+` ORDER BY p.audit_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []cpaudit.Candidate
	for rows.Next() {
		var c cpaudit.Candidate
		if err := rows.Scan(&c.AuditID, &c.ConsultancyID, &c.Region, &c.Flagged); err != nil {
			return nil, err
		}
		if f.Flagged != nil && c.Flagged != *f.Flagged {
			continue
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// populationDigest is the SHA-256 of the population's audit ids, sorted,
// one a line: with the seed it lets anyone check the sample.
func populationDigest(population []cpaudit.Candidate) string {
	h := sha256.New()
	for _, c := range population { // read in audit id order
		h.Write([]byte(c.AuditID + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Campaign returns a campaign. Admins and experts read every campaign, a
// regulator those drawn within its reach; anyone else, or a campaign
// outside the caller's reach, gets KindNotFound.
func (s *Store) Campaign(ctx context.Context, a cpaudit.Actor, id string) (cpaudit.Campaign, error) {
	const op = "storage.Campaign"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return cpaudit.Campaign{}, err
	}
	var c cpaudit.Campaign
	var stage, filter, strata, ids, scope, checklist string
	var created int64
	err = db.QueryRowContext(ctx, `SELECT id, name, stage, filter, size, seed, strata, population, audit_ids, scope,
		coalesce(checklist, ''), created_by, created_at FROM campaigns WHERE id = ?`, id).Scan(&c.ID, &c.Name, &stage, &filter,
		&c.Size, &c.Seed, &strata, &c.Population, &ids, &scope, &checklist, &c.CreatedBy, &created)
	if err != nil {
		return cpaudit.Campaign{}, dbError(op, err, "no such campaign", "")
	}
	if !mayReadCampaign(a, scope) {
		return cpaudit.Campaign{}, cpaudit.Errorf(cpaudit.KindNotFound, "no such campaign")
	}
	c.Stage, c.CreatedAt = cpaudit.CampaignStage(stage), fromMicros(created)
	for _, f := range []struct {
		raw string
		dst any
	}{{filter, &c.Filter}, {strata, &c.Strata}, {ids, &c.AuditIDs}} {
		if err := json.Unmarshal([]byte(f.raw), f.dst); err != nil {
			return cpaudit.Campaign{}, cpaudit.Internal(op, err)
		}
	}
	// Campaigns drawn before tenants had checklists were scored on the default.
	c.Checklist = cpaudit.DefaultChecklist(c.Stage)
	if checklist != "" {
		if err := json.Unmarshal([]byte(checklist), &c.Checklist); err != nil {
			return cpaudit.Campaign{}, cpaudit.Internal(op, err)
		}
	}
	return c, nil
}

// mayReadCampaign: a campaign drawn within a region is read by the
// regulators whose reach holds that region.
func mayReadCampaign(a cpaudit.Actor, scope string) bool {
	switch a.Role {
	case cpaudit.RoleAdmin, cpaudit.RoleExpert:
		return true
	case cpaudit.RoleRegulator:
		return strings.HasPrefix(scope, regionScope(a))
	}
	return false
}

// Campaigns lists the campaigns the actor may read (Campaign's rule),
// newest first, at most 500.
func (s *Store) Campaigns(ctx context.Context, a cpaudit.Actor) ([]cpaudit.Campaign, error) {
	const op = "storage.Campaigns"
	db, err := s.tenantDB(ctx, a.TenantID)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT id, scope FROM campaigns ORDER BY created_at DESC, id DESC LIMIT 500`)
	if err != nil {
		return nil, dbError(op, err, "", "")
	}
	var ids []string
	for rows.Next() {
		var id, scope string
		if err := rows.Scan(&id, &scope); err != nil {
			rows.Close()
			return nil, dbError(op, err, "", "")
		}
		if mayReadCampaign(a, scope) {
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, dbError(op, err, "", "")
	}
	out := []cpaudit.Campaign{}
	for _, id := range ids {
		c, err := s.Campaign(ctx, a, id)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
