package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/agritrace/agritrace/internal/backup"
	"github.com/agritrace/agritrace/internal/config"
	"github.com/agritrace/agritrace/internal/verify"
)

// backupCmd copies the store, the embedded ledger and the label keys of a
// data directory into a new backup under -to, while the service may run.
func backupCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("agritrace backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	to := fs.String("to", "", "directory to write the backup under (each backup is a new agritrace-<time> directory in it)")
	settings := config.Bind(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := settings()
	if err != nil {
		return err
	}
	if *to == "" || fs.NArg() > 0 {
		return errors.New("backup: usage: agritrace backup -data DIR -to DEST")
	}
	if cfg.MongoURI != "" {
		return errors.New("backup: the store is MongoDB: back it up with mongodump (see the README), and the label keys file with it")
	}
	src := backup.Sources{Store: sqlitePath(cfg), LabelKeys: cfg.LabelKeys}
	if cfg.Ledger != "fabric" {
		src.Ledger = ledgerPath(cfg)
	}
	// Keys kept in the store travel in its copy, sealed; the secret that
	// opens them is kept apart from backups.
	if _, err := os.Stat(cfg.LabelKeys); cfg.LabelSecret != "" && errors.Is(err, os.ErrNotExist) {
		src.LabelKeys = ""
	}
	dir, m, err := backup.Create(ctx, src, *to, func(step string) { fmt.Fprintln(stdout, step) })
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s (%d files, %d ledger blocks)\n", dir, len(m.Files), m.LedgerBlocks)
	return nil
}

// restoreCmd brings a backup back into a data directory once every chain in
// it verifies against its ledger.
func restoreCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("agritrace restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "backup directory (one holding MANIFEST.json) to restore")
	data := fs.String("data", "", "data directory to restore into; it must be empty unless -force")
	force := fs.Bool("force", false, "replace the store, ledger and label keys of a data directory that holds some")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" || *data == "" || fs.NArg() > 0 {
		return errors.New("restore: usage: agritrace restore -from BACKUP -data DIR [-force]")
	}
	r, err := backup.Restore(ctx, *from, *data, *force)
	var counts []string
	for v, n := range r.Verdicts {
		counts = append(counts, fmt.Sprintf("%d %s", n, v))
	}
	slices.Sort(counts)
	if r.Chains > 0 {
		fmt.Fprintf(stdout, "checked %d chains against the ledger: %s\n", r.Chains, strings.Join(counts, ", "))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored the backup of %s into %s", r.Manifest.Created.Format("2006-01-02 15:04:05Z"), *data)
	if n := r.Verdicts[verify.Pending]; n > 0 {
		fmt.Fprintf(stdout, "; %d chains have records still to anchor, which the service sends when it starts", n)
	}
	fmt.Fprintln(stdout)
	return nil
}
