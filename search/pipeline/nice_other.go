//go:build !linux

package pipeline

// lowPriority runs fn: only Linux lets one thread's priority be lowered.
func lowPriority(fn func()) { fn() }
