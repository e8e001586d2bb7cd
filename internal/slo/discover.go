package slo

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Sources says where spec files live. Each path is a file, read as given,
// or a folder, searched recursively for *.yaml and *.yml files. Below a
// folder these are skipped:
//
//   - hidden entries (names starting with "."). This also skips the
//     internals of a Kubernetes ConfigMap volume, "..data" and the
//     timestamped "..2026_11_30_02_00_00.123" folder it links to, while
//     the top-level links "slo.yaml -> ..data/slo.yaml" are read: each
//     file once, under a name that survives the kubelet's atomic swaps.
//   - entries matching an Exclude pattern (path.Match syntax), tried
//     against the path relative to the searched folder, slash-separated
//     ("legacy/*", "team-a/checkout/slo.yaml"), and against the entry's
//     base name ("testdata", "*.tmpl.yaml"). An excluded folder is not
//     searched. Paths given explicitly are never excluded.
//
// Symlinks are followed, to folders too; a folder reached twice (a symlink
// cycle, two links to one folder, overlapping paths) is searched once.
type Sources struct {
	Paths   []string
	Exclude []string
}

// Found is the result of Discover.
type Found struct {
	// Files are the spec files: path by path, each folder depth-first in
	// name order.
	Files []string
	// Dirs are the folders to watch for changes: every folder searched,
	// and the folder holding each file path.
	Dirs []string
	// Problems are paths that cannot be read and folders without specs.
	Problems []Problem
}

// CheckExclude reports the first malformed Exclude pattern.
func (s Sources) CheckExclude() error {
	for _, p := range s.Exclude {
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("exclude pattern %q: %w", p, err)
		}
	}
	return nil
}

// Discover lists the spec files under s.Paths. It only reads the file
// system; a malformed Exclude pattern matches nothing (see CheckExclude).
func (s Sources) Discover() Found {
	d := &discovery{exclude: s.Exclude, searched: map[string]int{}, files: map[string]bool{}, dirs: map[string]bool{}}
	for _, p := range s.Paths {
		d.root(p)
	}
	return d.found
}

// discovery is the state of one Discover call.
type discovery struct {
	exclude []string
	// searched maps the real path of each folder searched to the number
	// of spec files below it: symlinks cannot make the walk loop or read a
	// folder twice.
	searched map[string]int
	files    map[string]bool
	dirs     map[string]bool
	found    Found
}

// root adds one path given by the user: a file as it is, a folder with
// every spec file below it.
func (d *discovery) root(p string) {
	info, err := os.Stat(p)
	if err != nil {
		d.problem(p, fmt.Sprintf("cannot read: %v", err))
		return
	}
	if !info.IsDir() {
		d.addFile(p)
		d.addDir(filepath.Dir(p))
		return
	}
	if d.walk(p, p) == 0 {
		d.problem(p, "folder has no *.yaml or *.yml spec files (searched recursively)")
	}
}

// walk searches dir, found below root, unless its real path was searched
// already. It returns the number of spec files below dir, those of a
// folder searched before included, so a path given after a subfolder of
// it is not mistaken for an empty one.
func (d *discovery) walk(root, dir string) int {
	real, err := realPath(dir)
	if err != nil {
		d.problem(dir, fmt.Sprintf("cannot resolve folder: %v", err))
		return 0
	}
	if n, ok := d.searched[real]; ok {
		return n
	}
	// A cycle back to dir finds 0 here; dir's own total counts its files.
	d.searched[real] = 0
	d.addDir(dir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		d.problem(dir, fmt.Sprintf("cannot list folder: %v", err))
		return 0
	}
	n := 0
	for _, e := range entries {
		n += d.entry(root, filepath.Join(dir, e.Name()), e)
	}
	d.searched[real] = n
	return n
}

// realPath is p with symlinks resolved, absolute.
func realPath(p string) (string, error) {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", err
	}
	return filepath.Abs(real)
}

// entry adds one folder entry, a spec file or a folder to search, and
// returns the number of spec files it holds.
func (d *discovery) entry(root, p string, e fs.DirEntry) int {
	if strings.HasPrefix(e.Name(), ".") || d.excluded(root, p) {
		return 0
	}
	mode := e.Type()
	if mode&fs.ModeSymlink != 0 {
		info, err := os.Stat(p)
		if err != nil {
			// A dangling link named like a spec is a spec that is missing.
			if isSpecName(p) {
				d.problem(p, fmt.Sprintf("cannot read: %v", err))
				return 1
			}
			return 0
		}
		mode = info.Mode().Type()
	}
	switch {
	case mode.IsDir():
		return d.walk(root, p)
	case mode.IsRegular() && isSpecName(p):
		d.addFile(p)
		return 1
	}
	return 0
}

// excluded reports whether an Exclude pattern matches p's path relative
// to root or its base name.
func (d *discovery) excluded(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return false
	}
	rel, base := filepath.ToSlash(rel), filepath.Base(p)
	for _, pattern := range d.exclude {
		if ok, _ := path.Match(pattern, rel); ok {
			return true
		}
		if ok, _ := path.Match(pattern, base); ok {
			return true
		}
	}
	return false
}

func (d *discovery) addFile(p string) {
	if clean := filepath.Clean(p); !d.files[clean] {
		d.files[clean] = true
		d.found.Files = append(d.found.Files, p)
	}
}

func (d *discovery) addDir(p string) {
	if clean := filepath.Clean(p); !d.dirs[clean] {
		d.dirs[clean] = true
		d.found.Dirs = append(d.found.Dirs, p)
	}
}

func (d *discovery) problem(file, msg string) {
	d.found.Problems = append(d.found.Problems, Problem{File: file, Message: msg})
}

// isSpecName reports whether p names a YAML file.
func isSpecName(p string) bool {
	ext := strings.ToLower(filepath.Ext(p))
	return ext == ".yaml" || ext == ".yml"
}
