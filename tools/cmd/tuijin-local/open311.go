package main

import (
	"log/slog"
	"os"
	"path/filepath"

	"github.com/tuijin/tuijin/pkg/embedded"
)

// open311Owner is the demo organisation whose Open311 api_key the local run
// makes (the owner of demo account zhineng).
const open311Owner = "示范智能装备有限公司"

// open311Env gives intake a demo Open311 api_key for open311Owner, random
// and kept in <data>/open311/zhineng (mode 0600) so it outlives a restart;
// none when the caller set TUIJIN_OPEN311_KEYS or _KEYS_FILE themselves.
func open311Env(dataDir string, log *slog.Logger) ([]string, error) {
	if os.Getenv("TUIJIN_OPEN311_KEYS") != "" || os.Getenv("TUIJIN_OPEN311_KEYS_FILE") != "" {
		return nil, nil
	}
	dir := filepath.Join(dataDir, "open311")
	keys, err := embedded.LoadPasswords(dir, []string{"zhineng"})
	if err != nil {
		return nil, err
	}
	log.Info("open311 api_key of "+open311Owner, "file", filepath.Join(dir, "zhineng"))
	return []string{"TUIJIN_OPEN311_KEYS=" + open311Owner + "=" + keys["zhineng"]}, nil
}
