package main

import (
	"encoding/binary"
	"fmt"
	"sync"
	"time"
)

// concurrent stores every file each of the ways given again, with clients
// uploads in flight at once, the ways taking turns a batch at a time as in
// the sequential run, and prints each way's uploads per second, p50 and
// p99, and the ratios of the last way (ours) to the one before (the
// floor). The files get new first bytes first, so that none repeats what
// the sequential run stored.
func concurrent(files [][]byte, batches, clients int, names []string, ways ...writer) error {
	for i, f := range files {
		binary.BigEndian.PutUint64(f, uint64(i)|1<<62)
	}
	type result struct {
		lat  []time.Duration
		wall time.Duration
	}
	res := make([]result, len(ways))
	for k := range batches {
		lo, hi := k*len(files)/batches, (k+1)*len(files)/batches
		for w, store := range ways {
			settle()
			var mu sync.Mutex
			var firstErr error
			var wg sync.WaitGroup
			start := time.Now()
			for c := range clients {
				wg.Go(func() {
					for i := lo + c; i < hi; i += clients {
						d, err := store(len(files)+i, files[i])
						mu.Lock()
						if err != nil && firstErr == nil {
							firstErr = err
						}
						res[w].lat = append(res[w].lat, d)
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			res[w].wall += time.Since(start)
			if firstErr != nil {
				return firstErr
			}
		}
	}
	fmt.Printf("\n%d clients at once, embedded store, %d uploads per way:\n", clients, len(files))
	rate := func(r result) float64 { return float64(len(r.lat)) / r.wall.Seconds() }
	for w, r := range res {
		fmt.Printf("%-36s %7.1f uploads/s   p50 %s   p99 %s\n", names[w], rate(r), ms(percentile(r.lat, .50)), ms(percentile(r.lat, .99)))
	}
	ours, floor := res[len(res)-1], res[len(res)-2]
	fmt.Printf("%-36s uploads/s %5.2fx   p50 %5.2fx   p99 %5.2fx\n", "ratio ours/floor", rate(ours)/rate(floor),
		float64(percentile(ours.lat, .50))/float64(percentile(floor.lat, .50)),
		float64(percentile(ours.lat, .99))/float64(percentile(floor.lat, .99)))
	return nil
}
