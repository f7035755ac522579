// Command cpaudit is the one binary of cpaudit: it serves the web UI and the
// API, and administers tenants, users and tokens from the command line. It
// only wires dependencies: flags and CPAUDIT_* environment variables become
// one Config, from which storage, handlers and the HTTP server are built.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		var ue usageError
		if !errors.As(err, &ue) || ue.msg != "" {
			fmt.Fprintln(os.Stderr, "cpaudit:", oneLine(err))
		}
		os.Exit(1)
	}
}

const usage = `usage: cpaudit COMMAND [flags]

  serve                       serve the web UI and the API
  demo                        create a demo tenant with one login per role, then serve
  tenant create SLUG --name NAME [--library]   (--library: the guideline library, at most one)
  user create --tenant SLUG --email EMAIL --role ROLE --password PASSWORD [--org ID]
  user set-org --tenant SLUG --email EMAIL --org ID
  org create --tenant SLUG --kind KIND --name NAME [--credit-code C] [--industry C2710] [--region 130100]
  org enforcement --tenant SLUG --org ID [--off]   mark a regulator office as enforcement (site checks)
  token create --tenant SLUG --email EMAIL [--name NAME]
  verify                      check every audit log chain and re-hash every blob
  reindex --tenant SLUG       rebuild a tenant's search index from the stored texts (server stopped)
  backup --out FILE           write a consistent backup (.tar or .tar.gz), also while the server runs
  restore --in FILE           restore a backup into an empty or missing --data directory
  litestream-config           print a litestream.yml replicating every database to S3

Every command takes --data DIR (CPAUDIT_DATA) and the storage flags; run
"cpaudit COMMAND -h" for a command's flags.
`

// usageError is a mistake in how cpaudit was called.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// run is main without the process: arguments, environment and output are
// passed in, so tests drive the real command.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	sub := ""
	if len(rest) > 0 && (cmd == "tenant" || cmd == "user" || cmd == "token" || cmd == "org") {
		sub, rest = rest[0], rest[1:]
	}
	switch cmd + " " + sub {
	case "serve ":
		return cmdServe(ctx, rest, getenv, stdout, stderr)
	case "demo ":
		return cmdDemo(ctx, rest, getenv, stdout, stderr)
	case "tenant create":
		return cmdTenantCreate(ctx, rest, getenv, stdout, stderr)
	case "user create":
		return cmdUserCreate(ctx, rest, getenv, stdout, stderr)
	case "user set-org":
		return cmdUserSetOrg(ctx, rest, getenv, stdout, stderr)
	case "org create":
		return cmdOrgCreate(ctx, rest, getenv, stdout, stderr)
	case "org enforcement":
		return cmdOrgEnforcement(ctx, rest, getenv, stdout, stderr)
	case "token create":
		return cmdTokenCreate(ctx, rest, getenv, stdout, stderr)
	case "verify ":
		return cmdVerify(ctx, rest, getenv, stdout, stderr)
	case "reindex ":
		return cmdReindex(ctx, rest, getenv, stdout, stderr)
	case "backup ":
		return cmdBackup(ctx, rest, getenv, stdout, stderr)
	case "restore ":
		return cmdRestore(ctx, rest, getenv, stdout, stderr)
	case "litestream-config ":
		return cmdLitestreamConfig(ctx, rest, getenv, stdout, stderr)
	case "help ", "-h ", "--help ":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", join(cmd, sub))}
}

func join(a, b string) string {
	if b == "" {
		return a
	}
	return a + " " + b
}

// oneLine keeps an error message to one line, as the contract asks.
func oneLine(err error) string {
	msg := err.Error()
	for i, c := range msg {
		if c == '\n' {
			return msg[:i]
		}
	}
	return msg
}
