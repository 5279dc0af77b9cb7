package pkgmgr

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing/fstest"
)

// fakeSystem describes a machine for table tests: files (a symlink has its
// target as content, prefixed with "->"), what PATH finds, the environment
// and the output of commands.
type fakeSystem struct {
	goos    string
	home    string
	env     map[string]string
	files   map[string]string
	path    map[string]string // name -> executable found on PATH
	outputs map[string]string // "cmd arg..." -> output; absent means failure
}

func (f fakeSystem) system() System {
	return System{
		GOOS: f.goos,
		Home: f.home,
		Getenv: func(k string) string {
			if f.goos == "windows" {
				for ek, v := range f.env {
					if strings.EqualFold(ek, k) {
						return v
					}
				}
				return ""
			}
			return f.env[k]
		},
		LookPath: func(name string) (string, error) {
			if p, ok := f.path[name]; ok {
				return p, nil
			}
			return "", errors.New("not found")
		},
		Stat: func(p string) (fs.FileInfo, error) {
			for k := range f.files {
				if f.same(k, p) {
					return fstest.MapFS{"f": {}}.Stat("f")
				}
				if f.under(k, p) {
					return fstest.MapFS{"d/f": {}}.Stat("d")
				}
			}
			return nil, fs.ErrNotExist
		},
		EvalSymlinks: func(p string) (string, error) {
			for k, v := range f.files {
				if f.same(k, p) && strings.HasPrefix(v, "->") {
					return strings.TrimPrefix(v, "->"), nil
				}
			}
			return p, nil
		},
		Output: func(_ context.Context, name string, args ...string) ([]byte, error) {
			key := strings.Join(append([]string{name}, args...), " ")
			if out, ok := f.outputs[key]; ok {
				return []byte(out), nil
			}
			return nil, errors.New("exit status 1")
		},
	}
}

func (f fakeSystem) same(a, b string) bool {
	if f.goos == "windows" {
		return strings.EqualFold(a, b)
	}
	return a == b
}

func (f fakeSystem) under(file, dir string) bool {
	sep := "/"
	if f.goos == "windows" {
		sep = `\`
		file, dir = strings.ToLower(file), strings.ToLower(dir)
	}
	return strings.HasPrefix(file, strings.TrimRight(dir, sep)+sep)
}
