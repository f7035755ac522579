package main

import "testing"

func TestCheckDeadlineTime(t *testing.T) {
	for at, ok := range map[string]bool{"": true, "01:00": true, "23:59": true, "24:00": false, "1am": false} {
		if err := checkDeadlineTime(&Config{DeadlineTime: at}); (err == nil) != ok {
			t.Errorf("%q: %v", at, err)
		}
	}
}
