// Package watch calls back when the spec folder changes or slod gets SIGHUP,
// debouncing bursts (editors write a file in several steps).
package watch

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Run watches dir (a folder of specs, or one file) and calls reload after
// changes settle for debounce, and at once on SIGHUP. It returns when ctx
// ends.
func Run(ctx context.Context, dir string, debounce time.Duration, log *slog.Logger, reload func()) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch %s: %w", dir, err)
	}
	defer w.Close()
	// Watching the folder (not the files) survives editors that replace
	// files by rename.
	target := dir
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		target = filepath.Dir(dir)
	}
	if err := w.Add(target); err != nil {
		return fmt.Errorf("watch %s: %w", target, err)
	}

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	var timer *time.Timer
	var fire <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			log.Info("SIGHUP: reloading specs")
			reload()
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if !relevant(ev.Name) {
				continue
			}
			if timer == nil {
				timer = time.NewTimer(debounce)
			} else {
				timer.Reset(debounce)
			}
			fire = timer.C
		case <-fire:
			fire = nil
			log.Info("spec files changed: reloading")
			reload()
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			log.Warn("watching specs", "err", err)
		}
	}
}

// relevant skips editor droppings; only YAML files matter.
func relevant(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}
