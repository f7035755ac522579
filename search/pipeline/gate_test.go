package pipeline

import "testing"

// TestGateOneHolder: one worker at a time claims uncapped; the others'
// claims are capped at the gate's size until it is given back, however
// often the holder gives it back.
func TestGateOneHolder(t *testing.T) {
	g := NewGate(100)
	first, release := g.take()
	if first != 0 {
		t.Fatalf("first take: cap %d, want none", first)
	}
	if second, _ := g.take(); second != 100 {
		t.Fatalf("second take while held: cap %d, want 100", second)
	}
	release()
	release() // twice: must not free a gate someone else took meanwhile
	again, releaseAgain := g.take()
	if again != 0 {
		t.Fatalf("take after release: cap %d, want none", again)
	}
	if other, _ := g.take(); other != 100 {
		t.Fatalf("a second release freed the gate held by another taker")
	}
	releaseAgain()
	if !g.isLong(101) || g.isLong(100) {
		t.Error("isLong: more than the threshold is long, the threshold itself is not")
	}
	if NewGate(0).long != DefaultLongText {
		t.Error("NewGate(0) has not the default threshold")
	}
}

// TestGatedClaim: a claim without a long job gives the gate back at once;
// one with a long job keeps it until finish, and only the gate's holder
// claims uncapped.
func TestGatedClaim(t *testing.T) {
	g := NewGate(100)
	size := func(n int64) int64 { return n }
	var caps []int64
	claim := func(jobs ...int64) func(int64) ([]int64, error) {
		return func(maxText int64) ([]int64, error) { caps = append(caps, maxText); return jobs, nil }
	}
	_, finish, _ := gatedClaim(g, claim(5), size)
	held, release := g.take()
	if held != 0 {
		t.Fatal("a claim of short jobs kept the gate")
	}
	release()
	finish()
	_, finish, _ = gatedClaim(g, claim(500), size)
	if _, _, _ = gatedClaim(g, claim(), size); caps[len(caps)-1] != 100 {
		t.Fatalf("a claim while a long job is held: cap %d, want 100", caps[len(caps)-1])
	}
	finish()
	if free, _ := g.take(); free != 0 {
		t.Fatal("finish did not give the gate back")
	}
}
