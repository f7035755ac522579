package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeTLSSendsHSTS: "serve --tls-cert --tls-key" answers over HTTPS
// with Strict-Transport-Security, so browsers keep to HTTPS (issue 24).
func TestServeTLSSendsHSTS(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	base, _, _ := startServer(t, filepath.Join(dir, "data"), "--tls-cert", cert, "--tls-key", key)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // our own certificate, made above
	}}
	// A method a route does not take (405) gets the headers too.
	for _, call := range []struct{ method, path string }{{"GET", "/login"}, {"GET", "/healthz"},
		{"GET", "/static/app.css"}, {"GET", "/no-such-page"}, {"DELETE", "/login"}} {
		req, _ := http.NewRequest(call.method, strings.Replace(base, "http://", "https://", 1)+call.path, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if h := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(h, "max-age=") || h == "max-age=0" {
			t.Errorf("%s %s over TLS (%d): Strict-Transport-Security %q", call.method, call.path, resp.StatusCode, h)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s (%d): no security headers", call.method, call.path, resp.StatusCode)
		}
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key as PEM files.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cpaudit test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// TestServeRefusesBadEnvironment: a CPAUDIT_* setting that does not parse
// stops serve and demo with its name, instead of being dropped silently.
func TestServeRefusesBadEnvironment(t *testing.T) {
	for _, env := range []map[string]string{{"CPAUDIT_MAX_UPLOAD_MB": "lots"}, {"CPAUDIT_MAX_UPLOAD_MB": "-5"}, {"CPAUDIT_TRUST_PROXY": "yes please"}, {"CPAUDIT_SESSION_IDLE": "30"}, {"CPAUDIT_SESSION_IDLE": "10s"}} {
		for _, cmd := range []string{"serve", "demo"} {
			_, _, err := cli(t, env, cmd, "--data", t.TempDir(), "--addr", "127.0.0.1:0")
			for name := range env {
				if err == nil || !strings.Contains(err.Error(), name) {
					t.Errorf("%s with %v: %v, want a refusal naming %s", cmd, env, err, name)
				}
			}
		}
	}
	// Valid values are taken: 1 (true) trusts the proxy.
	var cfg Config
	fs := serveFlags(&cfg, func(k string) string {
		return map[string]string{"CPAUDIT_TRUST_PROXY": "1", "CPAUDIT_MAX_UPLOAD_MB": "64"}[k]
	}, io.Discard)
	if _, err := parseArgs(fs, nil); err != nil || cfg.envErr != nil || !cfg.TrustProxy || cfg.MaxUpload != 64<<20 {
		t.Errorf("valid environment: %v %v %+v", err, cfg.envErr, cfg)
	}
}

// TestSessionIdleSetting: the idle timeout is 30 minutes unless
// CPAUDIT_SESSION_IDLE or --session-idle (which wins) says otherwise, and a
// value under a minute or without a unit is refused.
func TestSessionIdleSetting(t *testing.T) {
	for _, c := range []struct {
		env  string
		args []string
		want time.Duration
		ok   bool
	}{
		{"", nil, 30 * time.Minute, true},
		{"2h", nil, 2 * time.Hour, true},
		{"2h", []string{"--session-idle", "15m"}, 15 * time.Minute, true},
		{"", []string{"--session-idle", "45m"}, 45 * time.Minute, true},
		{"", []string{"--session-idle", "20s"}, 0, false},
		{"", []string{"--session-idle", "30"}, 0, false},
	} {
		var cfg Config
		fs := serveFlags(&cfg, func(k string) string {
			return map[string]string{"CPAUDIT_SESSION_IDLE": c.env}[k]
		}, io.Discard)
		_, err := parseArgs(fs, c.args)
		if c.ok && (err != nil || cfg.envErr != nil || cfg.SessionIdle != c.want) {
			t.Errorf("env %q args %v: %v %v idle %v, want %v", c.env, c.args, err, cfg.envErr, cfg.SessionIdle, c.want)
		}
		if !c.ok && err == nil {
			t.Errorf("env %q args %v: accepted (idle %v)", c.env, c.args, cfg.SessionIdle)
		}
	}
}
