package main

import (
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap/store"
)

// An empty --version is a mistake on the command line, not auto: exit 2,
// and kubectl does not run.
func TestKubectlEmptyVersionIsAUsageError(t *testing.T) {
	e := newEnv(t)
	for _, args := range [][]string{
		{"kubectl", "--version=", "--", "version", "--client"},
		{"kubectl", "--version", "", "--", "version", "--client"},
		{"kubectl", "--version= ", "version", "--client"},
	} {
		r := e.run(args...)
		if r.code != exitUsage || r.stdout != "" || !strings.Contains(r.stderr, "--version") {
			t.Errorf("%q: %+v; want exit 2 naming --version, and no kubectl", args, r)
		}
	}
}

// KUBEBOOT_KUBECTL_VERSION=auto chooses as --version auto does (as if it
// were unset); a bad value is blamed on the variable, with what to do
// about it (not "override it with" the variable itself).
func TestKubectlVersionEnvAutoAndBadValue(t *testing.T) {
	e := newEnv(t)
	vars := e.vars
	e.vars = append(vars, store.PinEnv+"=auto")
	r := e.run("kubectl", "-v", "--", "version", "--client")
	if r.code != 0 || r.stdout != "Client Version: v1.37.2\n" || !strings.Contains(r.stderr, "(stable: ") {
		t.Errorf("%s=auto: %+v; want stable, as --version auto", store.PinEnv, r)
	}
	e.vars = append(vars, store.PinEnv+"=nonsense")
	r = e.run("kubectl", "--", "version", "--client")
	if r.code == 0 || r.stdout != "" {
		t.Fatalf("%s=nonsense ran kubectl: %+v", store.PinEnv, r)
	}
	if !strings.Contains(r.stderr, "fix or unset "+store.PinEnv) || strings.Contains(r.stderr, "override it with") {
		t.Errorf("%s=nonsense: %q; want it to say to fix or unset the variable", store.PinEnv, r.stderr)
	}
}

// Leading zeros are numbers: --version 01.37 reads stable-1.37.txt (and
// runs v1.37.2), as 01.37.2 is v1.37.2; build metadata (+meta) is refused
// before it reaches a URL or the store.
func TestKubectlVersionSpellings(t *testing.T) {
	e := newEnv(t)
	for _, spec := range []string{"01.37", "01.37.2"} {
		r := e.run("kubectl", "--version", spec, "--", "version", "--client")
		if r.code != 0 || r.stdout != "Client Version: v1.37.2\n" {
			t.Errorf("--version %s: %+v; want v1.37.2", spec, r)
		}
	}
	for _, req := range e.m.AllRequests() {
		if strings.Contains(req.Path, "01.") {
			t.Errorf("requested %s: leading zeros reached the mirror", req.Path)
		}
	}
	r := e.run("kubectl", "--version", "1.37.2+meta", "--", "version", "--client")
	if r.code != exitUsage || r.stdout != "" || !strings.Contains(r.stderr, "build metadata") {
		t.Errorf("--version 1.37.2+meta: %+v; want exit 2 about build metadata", r)
	}
	for _, req := range e.m.AllRequests() {
		if strings.Contains(req.Path, "meta") {
			t.Errorf("requested %s: build metadata reached the mirror", req.Path)
		}
	}
}
