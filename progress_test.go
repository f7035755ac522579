package cpaudit_test

import (
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
)

var shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// at is a moment in China time.
func at(s string) *time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return &t
}

// facts builds an audit created on 2026-01-05 with every obligation due,
// whose first n steps were accepted on acceptedOn.
func facts(n int, acceptedOn string) cpaudit.AuditFacts {
	f := cpaudit.AuditFacts{CreatedAt: *at("2026-01-05 09:00"), Due: cpaudit.Obligations{
		Register: "2026-01-31", Disclose: "2026-02-28", ApplyAssessment: "2026-06-30", AssessmentDone: "2026-08-31",
		ImplementationDone: "2026-10-31", ApplyAcceptance: "2026-11-30", AcceptanceDone: "2026-12-31"}}
	for i := range f.States {
		f.States[i] = cpaudit.StepNotStarted
		if i < n {
			f.States[i] = cpaudit.StepAccepted
			f.Changed[i] = at(acceptedOn + " 10:00")
		}
	}
	if n >= cpaudit.AssessmentLastStep {
		f.AssessmentOpenAt = at(acceptedOn + " 10:00")
	}
	if n >= cpaudit.StepCount {
		f.AcceptanceOpenAt = at(acceptedOn + " 10:00")
	}
	return f
}

func milestone(obligation, date string, result cpaudit.MilestoneResult) cpaudit.Milestone {
	return cpaudit.Milestone{Obligation: obligation, Date: date, Result: result, RecordedAt: *at(date + " 12:00")}
}

// TestComputeProgress covers each obligation met and unmet, on and after
// its due date.
func TestComputeProgress(t *testing.T) {
	type want struct {
		overdue []string // obligations overdue
		next    string
		phase   string
	}
	for _, tc := range []struct {
		name  string
		f     cpaudit.AuditFacts
		today string
		want  want
	}{
		{"nothing done, before any due date", facts(0, ""), "2026-01-31", want{nil, "register", "P1"}},
		{"register due yesterday", facts(0, ""), "2026-02-01", want{[]string{"register"}, "register", "P1"}},
		{"register met by a started step", func() cpaudit.AuditFacts {
			f := facts(0, "")
			f.States[0], f.Changed[0] = cpaudit.StepInProgress, at("2026-02-10 08:00")
			return f
		}(), "2026-02-20", want{nil, "disclose", "P1"}},
		{"register met by a milestone", func() cpaudit.AuditFacts {
			f := facts(0, "")
			f.Milestones = []cpaudit.Milestone{milestone("register", "2026-01-20", "")}
			return f
		}(), "2026-03-01", want{[]string{"disclose"}, "disclose", "P1"}},
		{"disclose on its due date is in time", func() cpaudit.AuditFacts {
			f := facts(4, "2026-01-20")
			f.Milestones = []cpaudit.Milestone{milestone("disclose", "2026-02-28", "")}
			return f
		}(), "2026-03-01", want{nil, "apply_assessment", "P2"}},
		{"apply_assessment unmet after its date", func() cpaudit.AuditFacts {
			f := facts(26, "2026-05-01")
			f.Milestones = []cpaudit.Milestone{milestone("disclose", "2026-02-01", "")}
			return f
		}(), "2026-07-01", want{[]string{"apply_assessment"}, "apply_assessment", "P5"}},
		{"apply_assessment met by the gate, assessment failed", func() cpaudit.AuditFacts {
			f := facts(27, "2026-06-01")
			f.Milestones = []cpaudit.Milestone{milestone("disclose", "2026-02-01", ""), milestone("assessment_done", "2026-08-01", cpaudit.ResultFail)}
			return f
		}(), "2026-09-01", want{[]string{"assessment_done"}, "assessment_done", "P6"}},
		{"assessment passed, implementation late", func() cpaudit.AuditFacts {
			f := facts(30, "2026-06-01")
			f.Milestones = []cpaudit.Milestone{milestone("disclose", "2026-02-01", ""), milestone("assessment_done", "2026-08-01", cpaudit.ResultPass)}
			return f
		}(), "2026-11-01", want{[]string{"implementation_done"}, "implementation_done", "P6"}},
		{"all steps accepted, acceptance due today", func() cpaudit.AuditFacts {
			f := facts(35, "2026-11-01")
			f.Milestones = []cpaudit.Milestone{milestone("disclose", "2026-02-01", ""), milestone("assessment_done", "2026-08-01", cpaudit.ResultPass)}
			return f
		}(), "2026-12-31", want{nil, "acceptance_done", cpaudit.PhaseDone}},
		{"acceptance done", func() cpaudit.AuditFacts {
			f := facts(35, "2026-11-01")
			f.Milestones = []cpaudit.Milestone{milestone("disclose", "2026-02-01", ""), milestone("assessment_done", "2026-08-01", cpaudit.ResultPass),
				milestone("acceptance_done", "2026-12-20", cpaudit.ResultPass)}
			return f
		}(), "2027-06-01", want{nil, "", cpaudit.PhaseDone}},
		{"no batch: nothing is ever overdue", cpaudit.AuditFacts{CreatedAt: *at("2026-01-05 09:00")}, "2030-01-01", want{nil, "", "P1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := cpaudit.ComputeProgress(tc.f, tc.today, shanghai)
			var got []string
			for _, o := range p.Obligations {
				if o.Overdue {
					got = append(got, o.Name)
					if o.OverdueSince <= o.Due || o.DaysOverdue != cpaudit.DaysBetween(o.Due, tc.today) {
						t.Errorf("%s: since %s, %d days", o.Name, o.OverdueSince, o.DaysOverdue)
					}
				}
			}
			if len(got) != len(tc.want.overdue) || (len(got) > 0 && got[0] != tc.want.overdue[0]) {
				t.Errorf("overdue %v, want %v", got, tc.want.overdue)
			}
			if p.Next != tc.want.next || p.Phase != tc.want.phase {
				t.Errorf("next %q phase %q, want %q %q", p.Next, p.Phase, tc.want.next, tc.want.phase)
			}
			if mask := p.OverdueMask(); (mask != 0) != (len(got) > 0) {
				t.Errorf("mask %b for %v", mask, got)
			}
		})
	}
}

// TestComputeProgressChinaDay: a step started at 23:30 UTC on 31 January
// is 1 February in China, a day late for a registration due on 31 January.
func TestComputeProgressChinaDay(t *testing.T) {
	f := facts(0, "")
	utc := time.Date(2026, 1, 31, 23, 30, 0, 0, time.UTC)
	f.States[0], f.Changed[0] = cpaudit.StepInProgress, &utc
	p := cpaudit.ComputeProgress(f, "2026-02-05", shanghai)
	if p.Obligations[0].MetOn != "2026-02-01" {
		t.Errorf("register met on %q, want 2026-02-01", p.Obligations[0].MetOn)
	}
	if !p.ChangedAt.Equal(utc) {
		t.Errorf("changed at %v", p.ChangedAt)
	}
}

func TestCheckMilestone(t *testing.T) {
	passedAssessment := func(n int) cpaudit.AuditFacts {
		f := facts(n, "2026-06-01")
		f.Milestones = []cpaudit.Milestone{milestone("assessment_done", "2026-07-01", cpaudit.ResultPass)}
		return f
	}
	for _, tc := range []struct {
		name string
		f    cpaudit.AuditFacts
		m    cpaudit.NewMilestone
		kind cpaudit.Kind // -1: accepted
	}{
		{"disclose", facts(0, ""), cpaudit.NewMilestone{Obligation: "disclose", Date: "2026-02-01"}, -1},
		{"disclose before the audit was entered", facts(0, ""), cpaudit.NewMilestone{Obligation: "disclose", Date: "2025-12-20"}, -1},
		{"in the future", facts(0, ""), cpaudit.NewMilestone{Obligation: "disclose", Date: "2026-12-02"}, cpaudit.KindUnprocessable},
		{"derived obligation", facts(27, "2026-06-01"), cpaudit.NewMilestone{Obligation: "apply_assessment", Date: "2026-06-02"}, cpaudit.KindUnprocessable},
		{"unknown obligation", facts(0, ""), cpaudit.NewMilestone{Obligation: "lunch", Date: "2026-06-02"}, cpaudit.KindInvalid},
		{"bad date", facts(0, ""), cpaudit.NewMilestone{Obligation: "disclose", Date: "2026-02-30"}, cpaudit.KindInvalid},
		{"result on disclose", facts(0, ""), cpaudit.NewMilestone{Obligation: "disclose", Date: "2026-02-01", Result: "pass"}, cpaudit.KindInvalid},
		{"assessment without result", facts(27, "2026-06-01"), cpaudit.NewMilestone{Obligation: "assessment_done", Date: "2026-06-02"}, cpaudit.KindInvalid},
		{"assessment before the gate", facts(26, "2026-06-01"), cpaudit.NewMilestone{Obligation: "assessment_done", Date: "2026-06-02", Result: "pass"}, cpaudit.KindConflict},
		{"assessment dated before the gate", facts(27, "2026-06-01"), cpaudit.NewMilestone{Obligation: "assessment_done", Date: "2026-05-31", Result: "pass"}, cpaudit.KindConflict},
		{"assessment on the gate's day", facts(27, "2026-06-01"), cpaudit.NewMilestone{Obligation: "assessment_done", Date: "2026-06-01", Result: "fail"}, -1},
		{"assessment passed twice", passedAssessment(27), cpaudit.NewMilestone{Obligation: "assessment_done", Date: "2026-07-02", Result: "pass"}, cpaudit.KindConflict},
		{"acceptance before the gate", passedAssessment(30), cpaudit.NewMilestone{Obligation: "acceptance_done", Date: "2026-08-01", Result: "pass"}, cpaudit.KindConflict},
		{"acceptance without assessment", facts(35, "2026-06-01"), cpaudit.NewMilestone{Obligation: "acceptance_done", Date: "2026-08-01", Result: "pass"}, cpaudit.KindConflict},
		{"acceptance before the assessment", passedAssessment(35), cpaudit.NewMilestone{Obligation: "acceptance_done", Date: "2026-06-15", Result: "pass"}, cpaudit.KindConflict},
		{"acceptance", passedAssessment(35), cpaudit.NewMilestone{Obligation: "acceptance_done", Date: "2026-08-01", Result: "pass"}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := cpaudit.CheckMilestone(tc.f, &tc.m, "2026-12-01", shanghai)
			switch {
			case tc.kind == -1 && err != nil:
				t.Errorf("refused: %v", err)
			case tc.kind != -1 && cpaudit.ErrorKind(err) != tc.kind:
				t.Errorf("got %v (%v), want kind %v", err, cpaudit.ErrorKind(err), tc.kind)
			}
		})
	}
}
