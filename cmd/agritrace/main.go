// Command agritrace runs the AgriTrace service and its tools:
//
//	agritrace serve        run the HTTP service
//	agritrace demo         run the service with a realistic rapeseed scenario loaded
//	agritrace admin ...    create organizations and API keys, rotate the label key
//	agritrace verify-label check a label image or URL offline, then with the configured service
//	agritrace verify-ledger re-hash every block of the embedded ledger
//	agritrace backup       snapshot store, ledger and label keys while serving
//	agritrace restore      bring a backup back after verifying every chain
//	agritrace audit-ledger recompute a lot's hashes from the API and compare them with the regulator's peer
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "agritrace:", err)
		if errors.Is(err, errLabelUnverified) {
			os.Exit(2)
		}
		var ec exitCoder
		if errors.As(err, &ec) {
			os.Exit(ec.ExitCode())
		}
		os.Exit(1)
	}
}

const usage = `usage: agritrace <command> [flags]

commands:
  serve                     run the HTTP service (embedded store and ledger by default)
  demo                      run the service with the rapeseed demo scenario loaded
  admin org create ...      register an organization
  admin key create -org ID  issue an API key for an organization
  admin org list            list organizations
  admin label-key rotate    sign new labels with a fresh key (older keys keep verifying)
  admin label-key list      list the label signing keys
  verify-label IMAGE|URL    verify a label offline, then with the configured service
  verify-ledger             re-hash and validate every block of the embedded ledger
  backup -to DEST           snapshot the store, embedded ledger and label keys (while serving)
  restore -from BACKUP      check a backup, verify every chain, then restore it into -data
  audit-ledger -url URL LOT...  recompute a lot's hashes from the API and compare them with the
                            regulator's own Fabric peer (exit 0 match, 1 mismatch, 2 error)

Run "agritrace <command> -h" for the flags of a command.
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stdout, stderr)
	case "demo":
		return runDemo(ctx, args[1:], getenv, stdout, stderr)
	case "admin":
		return admin(ctx, args[1:], getenv, stdout, stderr)
	case "verify-label":
		return verifyLabel(ctx, args[1:], getenv, stdout, stderr)
	case "verify-ledger":
		return verifyLedger(ctx, args[1:], getenv, stdout, stderr)
	case "backup":
		return backupCmd(ctx, args[1:], getenv, stdout, stderr)
	case "restore":
		return restoreCmd(ctx, args[1:], stdout, stderr)
	case "audit-ledger":
		return auditLedger(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
