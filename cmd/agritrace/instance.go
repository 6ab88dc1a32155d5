package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/agritrace/agritrace/internal/config"
)

// instanceName is the name this process acts under among instances sharing
// one store: -instance when given, else the name kept in the data directory,
// made on first start. Keeping it lets a restarted instance recognise, and
// settle at once, the work it left unfinished when it died.
func instanceName(cfg config.Config) (string, error) {
	if cfg.Instance != "" {
		return cfg.Instance, nil
	}
	path := filepath.Join(cfg.DataDir, "instance-id")
	b, err := os.ReadFile(path)
	if err == nil {
		if name := strings.TrimSpace(string(b)); name != "" {
			return name, nil
		}
		return "", fmt.Errorf("instance name: %s is empty; delete it to make a new name, or give -instance", path)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("instance name: %w", err)
	}
	host, _ := os.Hostname()
	if host == "" {
		host = "agritrace"
	}
	name := host + "-" + rand.Text()[:8]
	// Written aside and linked into place, so that a reader never sees a
	// half-written name and of two processes starting at once one name wins.
	tmp, err := os.CreateTemp(cfg.DataDir, ".instance-id-*")
	if err != nil {
		return "", fmt.Errorf("instance name: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(name + "\n")
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp.Name(), path)
	}
	if errors.Is(err, fs.ErrExist) {
		return instanceName(cfg)
	}
	if err != nil {
		return "", fmt.Errorf("instance name: %w", err)
	}
	return name, nil
}
