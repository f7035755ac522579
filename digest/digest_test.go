package digest

import (
	"bufio"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cpaudit/cpaudit"
)

// smtpServer is an in-process SMTP server speaking just enough of RFC
// 5321 for net/smtp: EHLO, MAIL, RCPT, DATA, QUIT. It keeps each message
// with its envelope; refuse makes it answer 550 to RCPT for that address.
type smtpServer struct {
	ln     net.Listener
	refuse string
	mu     sync.Mutex
	msgs   []message
}

type message struct {
	from string
	to   []string
	data string
}

func newSMTPServer(t *testing.T) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	tp := textproto.NewConn(c)
	tp.PrintfLine("220 localhost ESMTP test")
	var m message
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.Fields(line + " x")[0])
		switch verb {
		case "EHLO", "HELO":
			tp.PrintfLine("250-localhost")
			tp.PrintfLine("250 8BITMIME")
		case "MAIL":
			from, _, _ := strings.Cut(line[len("MAIL FROM:"):], " ") // BODY=8BITMIME may follow
			m = message{from: strings.TrimSuffix(strings.TrimPrefix(from, "<"), ">")}
			tp.PrintfLine("250 OK")
		case "RCPT":
			to := strings.TrimSuffix(strings.TrimPrefix(line[len("RCPT TO:"):], "<"), ">")
			if to == s.refuse {
				tp.PrintfLine("550 no such mailbox")
				continue
			}
			m.to = append(m.to, to)
			tp.PrintfLine("250 OK")
		case "DATA":
			tp.PrintfLine("354 go ahead")
			b, err := io.ReadAll(tp.DotReader())
			if err != nil {
				return
			}
			m.data = string(b)
			s.mu.Lock()
			s.msgs = append(s.msgs, m)
			s.mu.Unlock()
			tp.PrintfLine("250 OK queued")
		case "RSET", "NOOP":
			tp.PrintfLine("250 OK")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("502 not implemented")
		}
	}
}

func (s *smtpServer) messages() []message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]message(nil), s.msgs...)
}

// memStore holds digests and records which were marked sent.
type memStore struct {
	pending []cpaudit.Digest
	sent    []string
}

func (m *memStore) Digests(context.Context) ([]cpaudit.Digest, error) {
	var out []cpaudit.Digest
	for _, d := range m.pending {
		done := false
		for _, s := range m.sent {
			done = done || s == d.UserID
		}
		if !done {
			out = append(out, d)
		}
	}
	return out, nil
}

func (m *memStore) MarkDigestSent(_ context.Context, d cpaudit.Digest) error {
	m.sent = append(m.sent, d.UserID)
	return nil
}

// TestDigestOverSMTP sends two users' digests to the local server: each
// arrives with its envelope, the Chinese subject decodes from RFC 2047,
// the base64 body from UTF-8 names the enterprise, the event and the due
// date; a refused recipient is left unsent for the next day, and a second
// run sends nothing twice.
func TestDigestOverSMTP(t *testing.T) {
	srv := newSMTPServer(t)
	at := time.Date(2026, 12, 8, 7, 30, 0, 0, cpaudit.ChinaLocation())
	item := cpaudit.Notification{ID: "t1", Event: cpaudit.NotifyOverdue, FindingID: "n1", AuditID: "a1", EnterpriseName: "保定印染有限公司",
		Category: cpaudit.CategoryUntrueEvidence, RectificationDue: "2026-12-01", CreatedAt: at}
	st := &memStore{pending: []cpaudit.Digest{
		{TenantID: "t", TenantName: "河北省生态环境厅", UserID: "u1", Email: "zhang@lvyuan.cn", Items: []cpaudit.Notification{item, item}},
		{TenantID: "t", TenantName: "河北省生态环境厅", UserID: "u2", Email: "refused@yinran.cn", Items: []cpaudit.Notification{item}},
	}}
	srv.refuse = "refused@yinran.cn"
	cfg := Config{Addr: srv.ln.Addr().String(), From: "noreply@cpaudit.example"}
	if err := cfg.Check(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	n, err := Send(context.Background(), st, cfg, log, at)
	if n != 1 || err == nil {
		t.Fatalf("sent %d, %v; want 1 sent and the refusal reported", n, err)
	}
	msgs := srv.messages()
	if len(msgs) != 1 || msgs[0].from != cfg.From || len(msgs[0].to) != 1 || msgs[0].to[0] != "zhang@lvyuan.cn" {
		t.Fatalf("messages: %+v", msgs)
	}
	// The dot reader hands lines back ending in \n.
	head, body, _ := strings.Cut(msgs[0].data, "\n\n")
	h, err := textproto.NewReader(bufio.NewReader(strings.NewReader(head + "\n\n"))).ReadMIMEHeader()
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subject != "清洁生产审核系统：2 条新通知" || !strings.HasPrefix(h.Get("Subject"), "=?UTF-8?b?") {
		t.Errorf("subject %q → %q %v", h.Get("Subject"), subject, err)
	}
	if h.Get("Content-Type") != "text/plain; charset=UTF-8" || h.Get("Content-Transfer-Encoding") != "base64" || h.Get("To") != "zhang@lvyuan.cn" {
		t.Errorf("headers: %v", h)
	}
	for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
		if len(line) > 76 {
			t.Errorf("body line of %d characters", len(line))
		}
	}
	text, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(strings.TrimSpace(body), "\n", ""))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"河北省生态环境厅", "1. 整改已逾期：保定印染有限公司（佐证材料不属实），整改期限 2026-12-01，2026-12-08 07:30", "2. 整改已逾期"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("body lacks %q:\n%s", want, text)
		}
	}

	// The next day: the refused one is tried again, the sent one is not.
	srv.refuse = ""
	if n, err := Send(context.Background(), st, cfg, log, at); n != 1 || err != nil {
		t.Errorf("second run: %d %v", n, err)
	}
	if msgs := srv.messages(); len(msgs) != 2 || msgs[1].to[0] != "refused@yinran.cn" {
		t.Errorf("second run's messages: %d", len(msgs))
	}
	if n, err := Send(context.Background(), st, cfg, log, at); n != 0 || err != nil || len(srv.messages()) != 2 {
		t.Errorf("third run sent %d %v", n, err)
	}
}

// TestDigestOff: no SMTP address, nothing is read or sent; a bad
// configuration is refused before serving.
func TestDigestOff(t *testing.T) {
	n, err := Send(context.Background(), nil, Config{}, slog.New(slog.DiscardHandler), time.Now())
	if n != 0 || err != nil {
		t.Errorf("off: %d %v", n, err)
	}
	for _, c := range []Config{{Addr: "mail.example", From: "a@b.cn"}, {Addr: "mail.example:25", From: "不是地址"}} {
		if c.Check() == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}
