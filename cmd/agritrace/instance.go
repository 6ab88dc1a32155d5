package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/agritrace/agritrace/internal/config"
	"github.com/agritrace/agritrace/internal/idfile"
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
	name, err := idfile.Load(path, func() string {
		host, _ := os.Hostname()
		if host == "" {
			host = "agritrace"
		}
		return host + "-" + rand.Text()[:8]
	})
	if errors.Is(err, idfile.ErrEmpty) {
		return "", fmt.Errorf("instance name: %w; delete it to make a new name, or give -instance", err)
	}
	if err != nil {
		return "", fmt.Errorf("instance name: %w", err)
	}
	return name, nil
}
