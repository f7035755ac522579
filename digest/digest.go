// Package digest owns the daily e-mail digest of notifications: composing
// one message per user of what it has not yet been mailed (in Chinese,
// UTF-8, the subject encoded per RFC 2047 and the body in base64) and
// sending it through an SMTP server with net/smtp. It is off unless an
// SMTP address is configured.
package digest

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"

	"github.com/cpaudit/cpaudit"
)

// Config says how to reach the SMTP server; an empty Addr turns the
// digest off.
type Config struct {
	Addr     string // HOST:PORT
	From     string // the sender's address
	Username string // optional: PLAIN authentication (net/smtp sends it only over TLS or to localhost)
	Password string
}

// Enabled reports whether a server is configured.
func (c Config) Enabled() bool { return c.Addr != "" }

// Check refuses a configuration that cannot send: an address that is not
// HOST:PORT or a missing or malformed sender.
func (c Config) Check() error {
	if !c.Enabled() {
		return nil
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("smtp address %q: want HOST:PORT", c.Addr)
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("smtp sender %q: want an e-mail address (--smtp-from)", c.From)
	}
	return nil
}

// Store is what the digest reads and marks: declared here, where it is
// used, and implemented by storage.Store.
type Store interface {
	Digests(ctx context.Context) ([]cpaudit.Digest, error)
	MarkDigestSent(ctx context.Context, d cpaudit.Digest) error
}

// events names each notification event in the message.
var events = map[cpaudit.NotificationEvent]string{
	cpaudit.NotifyFindingCreated:  "新的审核问题",
	cpaudit.NotifyFindingAnswered: "整改已答复，待核实",
	cpaudit.NotifyFindingReturned: "整改被退回",
	cpaudit.NotifyFindingClosed:   "整改已关闭",
	cpaudit.NotifyDueSoon:         "整改将在 7 天内到期",
	cpaudit.NotifyOverdue:         "整改已逾期",
}

// categories names each finding category in the message.
var categories = map[cpaudit.FindingCategory]string{
	cpaudit.CategoryFalsifiedData: "数据弄虚作假", cpaudit.CategoryFakeReport: "虚假报告", cpaudit.CategoryUntrueEvidence: "佐证材料不属实",
	cpaudit.CategoryLawBreach: "违反法律法规", cpaudit.CategoryMissingContent: "内容缺失", cpaudit.CategoryWrongCalculation: "计算错误", cpaudit.CategoryOther: "其他",
}

// Subject is the digest's subject line, before encoding.
func Subject(d cpaudit.Digest) string {
	return fmt.Sprintf("清洁生产审核系统：%d 条新通知", len(d.Items))
}

// Compose writes the whole message of a digest: headers, then the body
// in base64 of UTF-8 text.
func Compose(d cpaudit.Digest, from string, now time.Time) []byte {
	var body strings.Builder
	fmt.Fprintf(&body, "您好，\r\n\r\n%s 有以下与您相关的通知：\r\n\r\n", d.TenantName)
	for i, n := range d.Items {
		name := n.EnterpriseName
		if name == "" {
			name = "审核 " + n.AuditID
		}
		fmt.Fprintf(&body, "%d. %s：%s（%s）", i+1, events[n.Event], name, categories[n.Category])
		if n.RectificationDue != "" {
			fmt.Fprintf(&body, "，整改期限 %s", n.RectificationDue)
		}
		fmt.Fprintf(&body, "，%s\r\n", n.CreatedAt.In(cpaudit.ChinaLocation()).Format("2006-01-02 15:04"))
	}
	body.WriteString("\r\n请登录系统查看“通知”页面并处理。\r\n此邮件由系统自动发送，请勿回复。\r\n")

	var m bytes.Buffer
	fmt.Fprintf(&m, "From: %s\r\n", from)
	fmt.Fprintf(&m, "To: %s\r\n", d.Email)
	fmt.Fprintf(&m, "Subject: %s\r\n", mime.BEncoding.Encode("UTF-8", Subject(d)))
	fmt.Fprintf(&m, "Date: %s\r\n", now.Format(time.RFC1123Z))
	m.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(body.String()))
	for len(enc) > 76 {
		m.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	m.WriteString(enc + "\r\n")
	return m.Bytes()
}

// Send mails every pending digest and marks each sent once the server
// accepted it; a digest the server refuses is logged and left for the next
// day. Returns how many were sent and the first failure.
func Send(ctx context.Context, st Store, cfg Config, log *slog.Logger, now time.Time) (int, error) {
	if !cfg.Enabled() {
		return 0, nil
	}
	digests, err := st.Digests(ctx)
	if err != nil {
		return 0, err
	}
	var auth smtp.Auth
	if cfg.Username != "" {
		host, _, _ := net.SplitHostPort(cfg.Addr)
		auth = smtp.PlainAuth("", cfg.Username, cfg.Password, host)
	}
	sent := 0
	var first error
	for _, d := range digests {
		if ctx.Err() != nil {
			return sent, ctx.Err()
		}
		if err := smtp.SendMail(cfg.Addr, auth, cfg.From, []string{d.Email}, Compose(d, cfg.From, now)); err != nil {
			log.Error("digest not sent", "to", d.Email, "err", err)
			if first == nil {
				first = err
			}
			continue
		}
		if err := st.MarkDigestSent(ctx, d); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, first
}
