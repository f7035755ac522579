package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"sync"
	"time"
)

// ack is an upload answered 201: which file, and its SHA-256.
type ack struct {
	i   int
	sum [32]byte
}

// uploads is the clients: each takes the next file of the corpus and sends
// it until it is answered 201.
type uploads struct {
	c      config
	api    api
	audits []string
	next   chan int

	mu           sync.Mutex
	cond         *sync.Cond
	acked        map[string]ack // by document id
	retried      int
	serverErrors int
	err          error
	wg           sync.WaitGroup
	finished     time.Time // when the last client was done
}

func newUploads(c config, a api, audits []string) *uploads {
	u := &uploads{c: c, api: a, audits: audits, next: make(chan int, c.n), acked: map[string]ack{}}
	u.cond = sync.NewCond(&u.mu)
	for i := range c.n {
		u.next <- i
	}
	close(u.next)
	return u
}

func (u *uploads) start() {
	for range u.c.clients {
		u.wg.Go(func() {
			for i := range u.next {
				if err := u.send(i); err != nil {
					u.mu.Lock()
					u.err = err
					u.cond.Broadcast()
					u.mu.Unlock()
					return
				}
			}
		})
	}
	go func() {
		u.wg.Wait()
		u.mu.Lock()
		u.finished = time.Now()
		u.cond.Broadcast() // waitAcked returns once every client is done
		u.mu.Unlock()
	}()
}

// send uploads file i until the server answers 201. No answer (the server
// died with the request, or is starting) and 503 are retried for up to
// two minutes; any other answer is an error of the run.
func (u *uploads) send(i int) error {
	d, b := generate(u.c.seed, i)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("kind", d.kind)
	mw.WriteField("title", d.name)
	if d.kind != "other" {
		mw.WriteField("audit_id", u.audits[i%len(u.audits)])
	}
	fw, _ := mw.CreateFormFile("file", d.name)
	fw.Write(b)
	mw.Close()
	giveUp := time.Now().Add(2 * time.Minute)
	for attempt := 0; ; attempt++ {
		if attempt == 1 {
			u.mu.Lock()
			u.retried++
			u.mu.Unlock()
		}
		req, _ := newRequest(u.api, "POST", "/api/v1/documents")
		req.Body = io.NopCloser(bytes.NewReader(body.Bytes()))
		req.ContentLength = int64(body.Len())
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := u.api.client.Do(req)
		if err == nil {
			msg, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch {
			case rerr != nil:
				// cut off with the server: no acknowledgment
			case resp.StatusCode == http.StatusCreated:
				var created struct {
					ID     string `json:"id"`
					SHA256 string `json:"sha256"`
				}
				if err := json.Unmarshal(msg, &created); err != nil || created.ID == "" {
					return fmt.Errorf("file %d: 201 without an id: %s", i, msg)
				}
				if created.SHA256 != fmt.Sprintf("%x", d.sum) {
					return fmt.Errorf("file %d: 201 with SHA-256 %s, sent %x", i, created.SHA256, d.sum)
				}
				u.mu.Lock()
				u.acked[created.ID] = ack{i: i, sum: d.sum}
				u.cond.Broadcast()
				u.mu.Unlock()
				return nil
			case resp.StatusCode == http.StatusServiceUnavailable:
			case resp.StatusCode >= 500:
				u.mu.Lock()
				u.serverErrors++
				u.mu.Unlock()
				fmt.Printf("file %d (%s): %d %s\n", i, d.name, resp.StatusCode, msg)
			default:
				return fmt.Errorf("file %d (%s): %d %s", i, d.name, resp.StatusCode, msg)
			}
		}
		if time.Now().After(giveUp) {
			return fmt.Errorf("file %d: no 201 within 2 minutes of retrying (last: %v)", i, err)
		}
		time.Sleep(time.Duration(50+attempt*50) * time.Millisecond)
	}
}

// waitAcked waits until n uploads are acknowledged, or the clients are
// done.
func (u *uploads) waitAcked(n int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for len(u.acked) < n && u.err == nil && len(u.acked) < u.c.n {
		u.cond.Wait()
	}
}

func (u *uploads) ackedCount() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.acked)
}

// wait waits for the clients to finish and returns the first error.
func (u *uploads) wait() error {
	u.wg.Wait()
	u.mu.Lock()
	defer u.mu.Unlock()
	for u.finished.IsZero() {
		u.cond.Wait()
	}
	return u.err
}

func newRequest(a api, method, path string) (*http.Request, error) {
	req, err := http.NewRequest(method, a.base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	return req, nil
}

func httpClient() *http.Client {
	return &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
}
