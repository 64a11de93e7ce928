// Package gomod answers which version of a module the project's go.mod requires, for the tests
// that hold a pinned tool or plugin version to it (a test binary's build info lists no
// dependencies, so go.mod is read, with golang.org/x/mod's parser).
package gomod

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/mod/modfile"
)

// File finds go.mod in dir or the nearest directory above it, and returns its path.
func File(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		path := filepath.Join(dir, "go.mod")
		if _, err := os.Stat(path); err == nil {
			return path, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod at or above the current directory")
		}
		dir = parent
	}
}

// Required returns the version of module path that the go.mod at or above dir requires, such as
// "v3.274.1". A replace of path is an error: the version would not say what is built.
func Required(dir, path string) (string, error) {
	file, err := File(dir)
	if err != nil {
		return "", err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	mod, err := modfile.Parse(file, data, nil)
	if err != nil {
		return "", fmt.Errorf("parsing %s: %w", file, err)
	}
	for _, r := range mod.Replace {
		if r.Old.Path == path {
			return "", fmt.Errorf("%s replaces %s", file, path)
		}
	}
	for _, r := range mod.Require {
		if r.Mod.Path == path {
			return r.Mod.Version, nil
		}
	}
	return "", fmt.Errorf("%s does not require %s", file, path)
}
