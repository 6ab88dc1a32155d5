package backup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/chain/embedded"
	"github.com/agritrace/agritrace/internal/store/sqlite"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/agritrace/agritrace/internal/verify"
)

// Report is what a restore found in the backup.
type Report struct {
	Manifest Manifest
	// Chains is how many chains were verified; Verdicts counts their
	// verdicts (verify.Verified, verify.Pending, ...).
	Chains   int
	Verdicts map[string]int
	// Problems names each chain that did not verify, with why.
	Problems []string
}

// Restore checks the backup in from against its manifest, verifies every
// chain of its store against its ledger, and only then moves its files into
// dataDir, so a damaged or tampered backup leaves dataDir as it was. A
// dataDir holding anything is refused unless force is set; then the files
// the backup replaces (store, ledger and its index, label keys) are removed
// and anything else there is kept.
func Restore(ctx context.Context, from, dataDir string, force bool) (Report, error) {
	var r Report
	b, err := os.ReadFile(filepath.Join(from, ManifestFile))
	if errors.Is(err, os.ErrNotExist) {
		return r, fmt.Errorf("restore: %s is not a complete backup: it has no %s (a backup cut short is left under a %s name)", from, ManifestFile, partialPrefix)
	}
	if err != nil {
		return r, fmt.Errorf("restore: %w", err)
	}
	if err := json.Unmarshal(b, &r.Manifest); err != nil {
		return r, fmt.Errorf("restore: %s: %w", ManifestFile, err)
	}
	for _, f := range r.Manifest.Files {
		got, err := sum(filepath.Join(from, f.Name))
		if err != nil {
			return r, fmt.Errorf("restore: %w", err)
		}
		if got.SHA256 != f.SHA256 || got.Size != f.Size {
			return r, fmt.Errorf("restore: %s does not match the manifest: the backup is damaged", f.Name)
		}
	}
	entries, err := os.ReadDir(dataDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return r, fmt.Errorf("restore: %w", err)
	}
	if len(entries) > 0 && !force {
		return r, fmt.Errorf("restore: %s is not empty: restore into an empty directory, or pass -force to replace its store, ledger and label keys", dataDir)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return r, fmt.Errorf("restore: %w", err)
	}
	stage, err := os.MkdirTemp(dataDir, ".restore-")
	if err != nil {
		return r, fmt.Errorf("restore: %w", err)
	}
	defer os.RemoveAll(stage)
	for _, f := range r.Manifest.Files {
		if err := copyFile(filepath.Join(from, f.Name), filepath.Join(stage, f.Name)); err != nil {
			return r, fmt.Errorf("restore: %w", err)
		}
	}
	if err := check(ctx, stage, &r); err != nil {
		return r, err
	}
	if len(r.Problems) > 0 {
		return r, fmt.Errorf("restore: %d chains do not verify against the ledger; %s left as it was: %s", len(r.Problems), dataDir, strings.Join(r.Problems, "; "))
	}
	return r, install(stage, dataDir)
}

// install moves the checked files from stage into dataDir, replacing the
// files they supersede.
func install(stage, dataDir string) error {
	for _, n := range []string{StoreFile + "-wal", StoreFile + "-shm", LedgerFile + ".idx-wal", LedgerFile + ".idx-shm"} {
		if err := os.Remove(filepath.Join(dataDir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("restore: %w", err)
		}
	}
	staged, err := os.ReadDir(stage)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	for _, e := range staged {
		if e.Name() == ManifestFile || strings.HasSuffix(e.Name(), "-wal") || strings.HasSuffix(e.Name(), "-shm") {
			continue
		}
		if err := os.Rename(filepath.Join(stage, e.Name()), filepath.Join(dataDir, e.Name())); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
	}
	return syncDir(dataDir)
}

// check opens the staged store and ledger as the service would (the ledger
// rebuilds its index) and verifies every chain either of them knows.
func check(ctx context.Context, stage string, r *Report) error {
	st, err := sqlite.Open(ctx, filepath.Join(stage, StoreFile))
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer st.Close()
	ledgerPath := filepath.Join(stage, LedgerFile)
	if _, err := os.Stat(ledgerPath); err != nil {
		return fmt.Errorf("restore: this backup holds no embedded ledger (the service used Fabric): restore the store with the Fabric network's own backups")
	}
	chains := map[[2]string]bool{}
	if _, _, err := embedded.Copy(ledgerPath, io.Discard, func(b embedded.Block) (bool, error) {
		for _, rec := range b.Records {
			chains[[2]string{rec.Kind, rec.Key}] = true
		}
		return true, nil
	}); err != nil {
		return fmt.Errorf("restore: the ledger copy does not verify: %w", err)
	}
	if err := storeChains(ctx, st, chains); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	l, err := embedded.Open(ledgerPath)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer l.Close()
	v := verify.Verifier{Store: st, Ledger: l}
	keys := make([][2]string, 0, len(chains))
	for k := range chains {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int { return strings.Compare(a[0]+"/"+a[1], b[0]+"/"+b[1]) })
	r.Verdicts = map[string]int{}
	for _, k := range keys {
		rep, err := verifyChain(ctx, v, k[0], k[1])
		if trace.ErrorCode(err) == trace.ENOTFOUND {
			rep, err = verify.Report{Verdict: verify.Missing}, nil
		}
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		r.Chains++
		r.Verdicts[rep.Verdict]++
		if rep.Verdict == verify.Mismatch || rep.Verdict == verify.Missing {
			r.Problems = append(r.Problems, fmt.Sprintf("%s %s: %s%s", k[0], k[1], rep.Verdict, firstBad(rep)))
		}
	}
	return nil
}

func verifyChain(ctx context.Context, v verify.Verifier, kind, key string) (verify.Report, error) {
	switch kind {
	case custody.KindComplaint:
		return v.Complaint(ctx, key)
	case custody.KindLicence:
		return v.Licence(ctx, key)
	}
	return v.Lot(ctx, key)
}

// firstBad says where a chain first went wrong.
func firstBad(rep verify.Report) string {
	for _, c := range rep.Events {
		if c.Verdict == verify.Mismatch || c.Verdict == verify.Missing {
			return fmt.Sprintf(" at seq %d (%s)", c.Seq, c.Reason)
		}
	}
	return ""
}

// storeChains adds the chains the store holds: a chain the ledger never saw
// is pending, and one the store lost is caught by the ledger's side.
func storeChains(ctx context.Context, st *sqlite.Store, chains map[[2]string]bool) error {
	lots, err := st.Lots(ctx, trace.LotFilter{})
	if err != nil {
		return err
	}
	for _, l := range lots {
		chains[[2]string{custody.KindEvent, l.ID}] = true
	}
	products, err := st.Products(ctx)
	if err != nil {
		return err
	}
	for _, p := range products {
		chains[[2]string{custody.KindLicence, p.GTIN}] = true
	}
	f := trace.ComplaintFilter{Limit: 500}
	for {
		page, err := st.Complaints(ctx, f)
		if err != nil {
			return err
		}
		for _, c := range page {
			chains[[2]string{custody.KindComplaint, c.ID}] = true
		}
		if len(page) < f.Limit {
			return nil
		}
		f.After = trace.CursorOf(page[len(page)-1])
	}
}
