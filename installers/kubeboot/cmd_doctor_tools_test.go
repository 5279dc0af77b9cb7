package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap/catalog"
)

// doctor reports each catalogue tool found, one line and one JSON object
// per tool: helm installed by kubeboot is verified (its version and
// evidence); a virtctl kubeboot did not install is said to be unverified;
// another helm earlier on PATH shadows kubeboot's, which needs fixing.
func TestDoctorReportsTools(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("PATH lookups of the Unix names")
	}
	e, o := toolEnv(t)
	pub := o.Publish(t, catalog.Helm(), "v1.3.0", hostPlatform, []byte("helm 1.3.0"), true, nil)
	bin := filepath.Join(t.TempDir(), "my bin")
	if r := e.run("install", "helm", "--dir", bin); r.code != 0 {
		t.Fatalf("install: %+v", r)
	}
	os.WriteFile(filepath.Join(bin, "virtctl"), []byte("someone's virtctl"), 0o755)
	e.vars = append(e.vars, "PATH="+bin)

	find := func(t *testing.T, args ...string) (result, map[string]check) {
		t.Helper()
		r := e.run(append([]string{"doctor", "-o", "json"}, args...)...)
		var out struct{ Checks []check }
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("%v\n%s%s", err, r.stdout, r.stderr)
		}
		m := map[string]check{}
		for _, c := range out.Checks {
			if c.Tool != nil {
				m[c.Name] = c
			}
		}
		return r, m
	}
	_, m := find(t)
	helm, virtctl := m["helm"], m["virtctl"]
	if len(m) != 2 || helm.Tool == nil || !helm.OK || !helm.Tool.Verified || helm.Tool.Version != "v1.3.0" || !helm.Tool.OnPath ||
		helm.Tool.Path != filepath.Join(bin, pub.Artifact.Program) || !strings.Contains(helm.Tool.How, "sha256-file") {
		t.Fatalf("helm: %+v %+v (all %v)", helm, helm.Tool, m)
	}
	if virtctl.Tool == nil || virtctl.Tool.Verified || !strings.Contains(virtctl.Detail, "not verified") {
		t.Errorf("virtctl: %+v", virtctl)
	}
	r := e.run("doctor")
	if !strings.Contains(r.stdout, "helm v1.3.0 at "+filepath.Join(bin, "helm")+", verified by kubeboot against sha256-file; on PATH") {
		t.Errorf("the helm line:\n%s", r.stdout)
	}

	// Another helm earlier on PATH; kubeboot's copy is in its default
	// install folder.
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "helm"), []byte("another helm"), 0o755)
	own := filepath.Join(e.home(), ".local", "bin")
	if r := e.run("install", "helm", "--dir", own); r.code != 0 {
		t.Fatalf("install: %+v", r)
	}
	e.vars = append(e.vars, "PATH="+other+string(os.PathListSeparator)+own)
	_, m = find(t)
	helm = m["helm"]
	if helm.OK || helm.Tool.Path != filepath.Join(other, "helm") || helm.Tool.Verified || len(helm.Tool.Shadowed) != 1 || !strings.Contains(helm.Detail, "shadowed") || helm.Fix == "" {
		t.Errorf("shadowed helm: %+v %+v", helm, helm.Tool)
	}
}
