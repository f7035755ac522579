package cpaudit

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
)

//go:embed steps.json
var stepsJSON []byte

// StepCount is the number of audit steps.
const StepCount = 35

// Phase is one of the 7 phases of an audit.
type Phase struct {
	Code  string `json:"code"` // P1..P7
	Zh    string `json:"zh"`
	En    string `json:"en"`
	Steps []StepDef
}

// StepDef is one of the 35 steps, as defined by the national handbook.
type StepDef struct {
	Code   string `json:"code"` // "1".."35"
	Number int    `json:"number"`
	Phase  string `json:"phase"`
	Zh     string `json:"zh"`
	En     string `json:"en"`
}

// LoadPhases parses the embedded definition of the 7 phases and 35 steps.
// It is a function, not a package variable, so no state is shared.
func LoadPhases() ([]Phase, error) {
	var doc struct {
		Phases []struct {
			Code  string    `json:"code"`
			Zh    string    `json:"zh"`
			En    string    `json:"en"`
			Steps []StepDef `json:"steps"`
		} `json:"phases"`
	}
	if err := json.Unmarshal(stepsJSON, &doc); err != nil {
		return nil, fmt.Errorf("steps.json: %w", err)
	}
	var phases []Phase
	n := 0
	for _, p := range doc.Phases {
		ph := Phase{Code: p.Code, Zh: p.Zh, En: p.En}
		for _, s := range p.Steps {
			num, err := strconv.Atoi(s.Code)
			if err != nil {
				return nil, fmt.Errorf("steps.json: step code %q: %w", s.Code, err)
			}
			s.Number, s.Phase = num, p.Code
			ph.Steps = append(ph.Steps, s)
			n++
		}
		phases = append(phases, ph)
	}
	if n != StepCount {
		return nil, fmt.Errorf("steps.json: %d steps, want %d", n, StepCount)
	}
	return phases, nil
}

// Steps returns the 35 steps in order.
func Steps() ([]StepDef, error) {
	phases, err := LoadPhases()
	if err != nil {
		return nil, err
	}
	var steps []StepDef
	for _, p := range phases {
		steps = append(steps, p.Steps...)
	}
	return steps, nil
}

// phaseLastStep is the last step of each phase, P1 first; a test checks
// it against steps.json.
var phaseLastStep = [...]int{4, 10, 15, 22, 27, 31, 35}

// PhaseOfStep is the code (P1..P7) of the phase a step belongs to; "" for
// a number outside 1..35.
func PhaseOfStep(step int) string {
	if step < 1 || step > StepCount {
		return ""
	}
	for i, last := range phaseLastStep {
		if step <= last {
			return "P" + strconv.Itoa(i+1)
		}
	}
	return ""
}

// StepChange is one transition asked of a step.
type StepChange struct {
	Action      StepAction
	Reason      string   // required to return a step
	DocumentIDs []string // optional on submit: documents of the same audit
}
