package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/config"
)

func TestInstanceName(t *testing.T) {
	t.Run("given", func(t *testing.T) {
		got, err := instanceName(config.Config{Instance: "node-b", DataDir: t.TempDir()})
		if err != nil || got != "node-b" {
			t.Fatalf("instanceName = %q, %v; want node-b", got, err)
		}
	})
	t.Run("made once and kept", func(t *testing.T) {
		cfg := config.Config{DataDir: t.TempDir()}
		first, err := instanceName(cfg)
		if err != nil || first == "" {
			t.Fatalf("first start: %q, %v", first, err)
		}
		again, err := instanceName(cfg)
		if err != nil || again != first {
			t.Fatalf("restart: %q, %v; want %q", again, err, first)
		}
		info, err := os.Stat(filepath.Join(cfg.DataDir, "instance-id"))
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("instance-id: %v, %v; want mode 0600", info, err)
		}
	})
	t.Run("empty file refused", func(t *testing.T) {
		cfg := config.Config{DataDir: t.TempDir()}
		if err := os.WriteFile(filepath.Join(cfg.DataDir, "instance-id"), []byte("\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := instanceName(cfg); err == nil || !strings.Contains(err.Error(), "is empty") {
			t.Fatalf("instanceName = %v; want an error saying the file is empty", err)
		}
	})
}
