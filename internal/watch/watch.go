// Package watch calls back when the spec folders change or slod gets
// SIGHUP, debouncing bursts (editors write a file in several steps).
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

// configMapData is the link a Kubernetes ConfigMap volume swaps to update
// its files: the kubelet writes a new timestamped folder, points
// ..data_tmp at it and renames ..data_tmp over ..data. Nothing else in the
// volume changes, so this is the only event an update produces.
const configMapData = "..data"

// Run watches the folders dirs returns and calls reload after changes
// settle for debounce, and at once on SIGHUP. fsnotify is not recursive:
// dirs is called again before every reload, so folders created since are
// watched too, and a reload after the watches are added reads whatever
// landed in them before. It returns when ctx ends.
func Run(ctx context.Context, dirs func() []string, debounce time.Duration, log *slog.Logger, reload func()) error {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch spec folders: %w", err)
	}
	defer fw.Close()
	w := &watcher{fw: fw, log: log, dirs: dirs}
	w.sync()

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
			w.sync()
			reload()
		case ev, ok := <-fw.Events:
			if !ok {
				return nil
			}
			if !w.relevant(ev) {
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
			w.sync()
			reload()
		case err, ok := <-fw.Errors:
			if !ok {
				return nil
			}
			log.Warn("watching specs", "err", err)
		}
	}
}

// watcher keeps the fsnotify watches in step with the spec folders.
type watcher struct {
	fw   *fsnotify.Watcher
	log  *slog.Logger
	dirs func() []string
	// watched are the folders of the last sync, by cleaned path.
	watched map[string]bool
}

// sync watches every folder dirs returns. Watching folders, not files,
// survives editors that replace files by rename; adding a folder that is
// watched already does nothing, and fsnotify drops the watches of folders
// that are removed or moved away.
func (w *watcher) sync() {
	w.watched = map[string]bool{}
	for _, d := range w.dirs() {
		w.watched[filepath.Clean(d)] = true
		if err := w.fw.Add(d); err != nil {
			w.log.Warn("cannot watch spec folder; reload with SIGHUP after changes in it", "folder", d, "err", err)
		}
	}
}

// relevant reports whether ev may change the specs: a spec file, a
// ConfigMap swap, a folder appearing (it may hold specs and needs a
// watch) or a watched folder going away.
func (w *watcher) relevant(ev fsnotify.Event) bool {
	if relevantName(ev.Name) {
		return true
	}
	if hidden(ev.Name) {
		return false
	}
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		return w.watched[filepath.Clean(ev.Name)]
	}
	if ev.Has(fsnotify.Create) {
		fi, err := os.Stat(ev.Name)
		return err == nil && fi.IsDir()
	}
	return false
}

// relevantName skips editor droppings (.x.yaml.swp, 4913, x.yaml~): only
// YAML files and the ConfigMap data link matter.
func relevantName(name string) bool {
	base := filepath.Base(name)
	if base == configMapData {
		return true
	}
	ext := strings.ToLower(filepath.Ext(base))
	return !hidden(name) && (ext == ".yaml" || ext == ".yml")
}

// hidden reports whether name's base starts with a dot: the spec loader
// skips such entries.
func hidden(name string) bool {
	return strings.HasPrefix(filepath.Base(name), ".")
}
