package kubeconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// LoadView returns the merged view kubectl has of a KUBECONFIG list: files
// in precedence order, the first file that defines a name wins, the first
// non-empty current-context wins, and missing files are skipped. Relative
// paths are made absolute from each entry's own file, so the view can be used
// without knowing where an entry came from. The view's Path is empty: it is
// for reading, never for writing back. When none of the files exists the
// error matches fs.ErrNotExist.
func LoadView(files []string) (*Config, error) {
	var configs []*Config
	for _, f := range files {
		c, err := Load(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		configs = append(configs, c)
	}
	if len(configs) == 0 {
		return nil, fmt.Errorf("no kubeconfig file found (looked for %s): %w", strings.Join(files, ", "), fs.ErrNotExist)
	}
	return mergeView(configs), nil
}

// mergeView merges configs (read in list order) as LoadView does.
func mergeView(configs []*Config) *Config {
	view := NewConfig("")
	for _, c := range configs {
		c = resolved(c)
		if view.CurrentContext == "" {
			view.CurrentContext = c.CurrentContext
		}
		for _, k := range Kinds {
			for _, e := range c.Entries(k) {
				if !view.has(k, e.Name) {
					l := view.list(k)
					*l = append(*l, e.clone())
				}
			}
		}
	}
	return view
}
