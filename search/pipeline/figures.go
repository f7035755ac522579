package pipeline

import (
	"context"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/search/detect"
)

// FigureQueue is what the analyser needs from storage for key figures
// (inconsistent_figure, within an audit) and identifying numbers
// (duplicate_number, across enterprises).
type FigureQueue interface {
	// MatchFigures replaces a document's figures and numbers and returns
	// what they are compared with.
	MatchFigures(ctx context.Context, j cpaudit.AnalysisJob, figs []cpaudit.Figure, nums []cpaudit.DocNumber) (cpaudit.FigureCandidates, error)
	// CompleteFigures replaces the document's inconsistent_figure and
	// duplicate_number flags.
	CompleteFigures(ctx context.Context, j cpaudit.AnalysisJob, figs cpaudit.FigureFinding, nums []cpaudit.NumberMatch) error
}

// figures reads the key figures of a report's or an evidence's text and
// tables and its identifying numbers, compares them with the rest of its
// audit and with the tenant's other enterprises, and stores the flags.
// It runs before CompleteAnalysisJob in a transaction of its own; both
// replace what the document had, so a retried job is harmless.
func (x *Analyzer) figures(ctx context.Context, j cpaudit.AnalysisJob) error {
	src := j.Source
	var figs []cpaudit.Figure
	var nums []cpaudit.DocNumber
	if !src.Absent && !src.Guideline && src.EnterpriseID != "" && (src.Kind == cpaudit.DocReport || src.Kind == cpaudit.DocEvidence) {
		// A spreadsheet's text is its tables, flattened: read as prose it
		// would pair numbers with the wrong headers. The tables are those
		// extraction read with the text.
		if !detect.IsSpreadsheet(src.Filename, src.ContentType) {
			figs = detect.TextFigures(src.Text)
		}
		figs = append(figs, detect.TableFigures(src.Tables)...)
		nums = detect.IdentNumbers(src.Text)
	}
	cands, err := x.q.MatchFigures(ctx, j, figs, nums)
	if err != nil {
		return err
	}
	mine := cpaudit.DocFigures{DocumentID: src.DocumentID, Title: cands.Title, Figures: figs}
	finding := detect.CompareFigures(mine, cands.Others, cands.Options, x.cfg.FigureTolerance)
	return x.q.CompleteFigures(ctx, j, finding, x.numberMatches(nums, cands.Numbers))
}

// numberMatches pairs the document's numbers with those of other
// enterprises' documents. A number found in the documents of
// BoilerplateEnterprises enterprises or more (its own included) is common
// (a form's printed number, a regulator's document number) and not
// evidence of copying.
func (x *Analyzer) numberMatches(mine []cpaudit.DocNumber, cands []cpaudit.NumberCandidate) []cpaudit.NumberMatch {
	if len(mine) == 0 || len(cands) == 0 {
		return nil
	}
	enterprises := map[string]map[string]bool{} // number -> other enterprises
	for _, c := range cands {
		if enterprises[c.Theirs.Number] == nil {
			enterprises[c.Theirs.Number] = map[string]bool{}
		}
		enterprises[c.Theirs.Number][c.EnterpriseID] = true
	}
	var out []cpaudit.NumberMatch
	byDoc := map[string]int{}
	seen := map[[3]string]bool{}
	for _, c := range cands {
		if len(enterprises[c.Theirs.Number])+1 >= x.cfg.BoilerplateEnterprises {
			continue
		}
		for _, n := range mine {
			if n.Number != c.Theirs.Number || n.Kind != c.Theirs.Kind {
				continue
			}
			key := [3]string{c.DocumentID, string(n.Kind), n.Number}
			if seen[key] {
				break
			}
			seen[key] = true
			i, ok := byDoc[c.DocumentID]
			if !ok {
				i = len(out)
				byDoc[c.DocumentID] = i
				out = append(out, cpaudit.NumberMatch{OtherID: c.DocumentID})
			}
			out[i].Pairs = append(out[i].Pairs, cpaudit.NumberPair{Kind: n.Kind, Number: n.Number, ALabel: n.Label, BLabel: c.Theirs.Label,
				ASentence: n.Sentence, BSentence: c.Theirs.Sentence, AOffset: n.Offset, BOffset: c.Theirs.Offset})
			break
		}
	}
	return out
}
