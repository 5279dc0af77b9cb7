package uninstall

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap/internal/exeinstall"
	"github.com/kubeboot/kubeboot/internal/testutil"
)

// put installs body as dir/base through the one executable installer.
func put(t *testing.T, dir, base, tool, body string) {
	t.Helper()
	d, err := exeinstall.Lock(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Unlock()
	f, err := d.Create(base)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte(body))
	f.Describe(tool, "v1.0.0")
	if err := f.Commit(0o755); err != nil {
		t.Fatal(err)
	}
}

// tree lists every path under root with its mode and digest.
func tree(t *testing.T, root string) string {
	t.Helper()
	var out []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, _ := os.Lstat(p)
		line := fmt.Sprintf("%s %v", p, fi.Mode())
		if fi.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			line += fmt.Sprintf(" %x", sha256.Sum256(b))
		}
		out = append(out, line)
		return nil
	})
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func exe(name string) string {
	if runtime.GOOS == "windows" {
		return name + ".exe"
	}
	return name
}

func find(steps []Step, path string) *Step {
	for i := range steps {
		if steps[i].Path == path {
			return &steps[i]
		}
	}
	return nil
}

func TestUninstallRemovesOnlyWhatItProves(t *testing.T) {
	root := testutil.TempDir(t)
	dir := filepath.Join(root, "bin [x] é")
	elsewhere := filepath.Join(root, "other tools")
	os.MkdirAll(dir, 0o755)
	os.MkdirAll(elsewhere, 0o755)
	kubectl := filepath.Join(dir, exe("kubectl"))
	helm := filepath.Join(dir, exe("helm"))
	kubelogin := filepath.Join(dir, exe("kubelogin"))
	aws := filepath.Join(dir, exe("aws-iam-authenticator"))
	oidc := filepath.Join(dir, exe("kubectl-oidc_login"))
	put(t, dir, exe("kubectl"), "kubectl", "kubectl bytes")
	put(t, dir, exe("helm"), "helm", "helm bytes")
	os.WriteFile(helm, []byte("the user's own helm"), 0o755)              // replaced after install
	os.WriteFile(kubelogin, []byte("installed by something else"), 0o755) // no record
	put(t, dir, exe("aws-iam-authenticator"), "aws-iam-authenticator", "aws bytes")
	put(t, dir, exe("kubectl-oidc_login"), "oidc-login", "oidc bytes")
	os.Remove(oidc) // as a kill -9 between the removal and the record leaves it
	self := filepath.Join(elsewhere, "kubeboot")
	os.WriteFile(self, []byte("me"), 0o755)

	opts := Options{All: true, Dirs: []string{dir}, Self: self, NoStore: true}
	before := tree(t, root)
	steps, err := Gather(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if after := tree(t, root); after != before {
		t.Fatalf("planning (a dry run) changed the tree:\n%s\nwas\n%s", after, before)
	}
	want := map[string]Action{kubectl: Remove, helm: Leave, kubelogin: Leave, aws: Remove, oidc: Forget}
	for path, a := range want {
		s := find(steps, path)
		if s == nil || s.Action != a {
			t.Errorf("%s: step %+v, want %s", path, s, a)
		}
	}
	// Changed between the plan and its execution: left.
	os.WriteFile(aws, []byte("changed meanwhile"), 0o755)
	Apply(context.Background(), steps, opts)
	for path, gone := range map[string]bool{kubectl: true, helm: false, kubelogin: false, aws: false, self: false} {
		_, err := os.Lstat(path)
		if gone != errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: gone = %v, want %v", path, !gone, gone)
		}
	}
	if s := find(steps, aws); s.Done || !strings.Contains(s.Error, "changed since") {
		t.Errorf("a file changed after the plan: %+v", s)
	}
	if s := find(steps, kubectl); !s.Done || s.Error != "" {
		t.Errorf("kubectl: %+v", s)
	}
	recs, err := exeinstall.ReadRecords(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := recs[exe("kubectl")]; ok {
		t.Error("kubectl's record outlives it")
	}
	if _, ok := recs[exe("kubectl-oidc_login")]; ok {
		t.Error("the record of a file already gone is kept")
	}
	if _, ok := recs[exe("helm")]; !ok {
		t.Error("the record of a file left was dropped")
	}

	// A rerun finds nothing more to remove; once the remaining files are
	// put back as installed, it removes them and the folder's own files.
	os.WriteFile(aws, []byte("aws bytes"), 0o755)
	os.WriteFile(helm, []byte("helm bytes"), 0o755)
	os.Remove(kubelogin)
	steps, _ = Gather(context.Background(), opts)
	Apply(context.Background(), steps, opts)
	if names := testutil.Names(dir); len(names) != 0 {
		t.Errorf("after removing every recorded program, the folder holds %v (steps %+v)", names, steps)
	}
}

// A link in place of a program kubeboot installed, even to the very
// bytes it recorded, is left, and so is what it leads to: in the plan, and
// when the link is put there between the plan and the removal. Its record
// stays until the link is gone. (Its own test: where no link can be made,
// Wine or Windows without the privilege, only this is skipped.)
func TestUninstallLeavesALinkAndWhatItLeadsTo(t *testing.T) {
	root := testutil.TempDir(t)
	dir := filepath.Join(root, "bin [x] é")
	elsewhere := filepath.Join(root, "other tools")
	os.MkdirAll(dir, 0o755)
	os.MkdirAll(elsewhere, 0o755)
	virtctl := filepath.Join(dir, exe("virtctl"))
	kubectl := filepath.Join(dir, exe("kubectl"))
	put(t, dir, exe("virtctl"), "virtctl", "virtctl bytes")
	put(t, dir, exe("kubectl"), "kubectl", "kubectl bytes")
	targets := map[string]string{virtctl: filepath.Join(elsewhere, exe("virtctl")), kubectl: filepath.Join(elsewhere, exe("kubectl"))}
	os.WriteFile(targets[virtctl], []byte("virtctl bytes"), 0o755)
	os.WriteFile(targets[kubectl], []byte("kubectl bytes"), 0o755)
	os.Remove(virtctl)
	testutil.Symlink(t, targets[virtctl], virtctl)

	opts := Options{Tools: []string{"virtctl", "kubectl"}, Dirs: []string{dir}, NoStore: true}
	steps, err := Gather(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if s := find(steps, virtctl); s == nil || s.Action != Leave || !strings.Contains(s.Reason, "a link to") {
		t.Errorf("a link in the plan: %+v, want left as a link", s)
	}
	if s := find(steps, kubectl); s == nil || s.Action != Remove {
		t.Fatalf("kubectl: %+v, want removed", s)
	}
	// kubectl becomes a link to the same bytes after the plan: left too.
	os.Remove(kubectl)
	testutil.Symlink(t, filepath.Join("..", "other tools", exe("kubectl")), kubectl)
	Apply(context.Background(), steps, opts)
	if s := find(steps, kubectl); s.Done || !strings.Contains(s.Error, "not a regular file") {
		t.Errorf("a link put in place after the plan: %+v", s)
	}
	for link, target := range targets {
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("%s: the link was removed or replaced: %v, %v", link, fi, err)
		}
		if b, err := os.ReadFile(target); err != nil || !strings.HasSuffix(string(b), " bytes") {
			t.Errorf("%s: the link's target was touched: %q, %v", target, b, err)
		}
	}
	recs, err := exeinstall.ReadRecords(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Errorf("records of the programs left: %v", recs)
	}

	// Once the links are gone, a rerun forgets them, and the folder's own
	// files go; what the links led to stays.
	os.Remove(virtctl)
	os.Remove(kubectl)
	steps, _ = Gather(context.Background(), opts)
	Apply(context.Background(), steps, opts)
	for _, p := range []string{virtctl, kubectl} {
		if s := find(steps, p); s == nil || s.Action != Forget || !s.Done {
			t.Errorf("%s after the link is gone: %+v", p, s)
		}
	}
	if names := testutil.Names(dir); len(names) != 0 {
		t.Errorf("the folder holds %v", names)
	}
	for _, target := range targets {
		if _, err := os.Stat(target); err != nil {
			t.Errorf("the link's target was touched: %v", err)
		}
	}
}

func TestUninstallDistrustsOthersRecords(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() != 0 {
		t.Skip("needs root to give a file to another uid")
	}
	for name, spoil := range map[string]func(dir string){
		"record of another uid":   func(dir string) { os.Chown(filepath.Join(dir, exeinstall.RecordName), 65534, 65534) },
		"world-writable folder":   func(dir string) { os.Chmod(dir, 0o777) },
		"folder of another uid":   func(dir string) { os.Chown(dir, 65534, 65534) },
		"record others may write": func(dir string) { os.Chmod(filepath.Join(dir, exeinstall.RecordName), 0o666) },
	} {
		dir := filepath.Join(testutil.TempDir(t), "bin")
		os.MkdirAll(dir, 0o755)
		put(t, dir, "kubectl", "kubectl", "kubectl bytes")
		spoil(dir)
		opts := Options{Tools: []string{"kubectl"}, Dirs: []string{dir}, NoStore: true}
		steps, err := Gather(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		Apply(context.Background(), steps, opts)
		s := find(steps, filepath.Join(dir, "kubectl"))
		if s == nil || s.Action != Leave || !strings.Contains(s.Reason, "not trusted") {
			t.Errorf("%s: %+v, want left as not trusted", name, s)
		}
		if _, err := os.Stat(filepath.Join(dir, "kubectl")); err != nil {
			t.Errorf("%s: kubectl was removed", name)
		}
	}
}

func TestUninstallAsksForSomething(t *testing.T) {
	if _, err := Gather(context.Background(), Options{}); !errors.Is(err, ErrNothingAsked) {
		t.Errorf("no tools: %v", err)
	}
	if _, err := Gather(context.Background(), Options{Tools: []string{"kubectx"}}); err == nil || !strings.Contains(err.Error(), "kubectx") {
		t.Errorf("unknown tool: %v", err)
	}
}

// TestConcurrentUninstallsBothSucceed: two uninstalls planned at once; the
// second finds the program already gone, which is what it was asked for.
func TestConcurrentUninstallsBothSucceed(t *testing.T) {
	dir := testutil.TempDir(t)
	name := "helm"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	body := []byte("#!/bin/sh\necho helm\n")
	if err := os.WriteFile(filepath.Join(dir, name), body, 0o755); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	rec := fmt.Sprintf(`{"files":{%q:{"sha256":%q,"installed":"2026-12-01T00:00:00Z"}}}`, name, hex.EncodeToString(sum[:]))
	if err := os.WriteFile(filepath.Join(dir, ".kubeboot-installed.json"), []byte(rec), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := Options{Tools: []string{"helm"}, Dirs: []string{dir}, NoStore: true, Self: "-"}
	ctx := context.Background()
	first, err := Gather(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	second, err := Gather(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	Apply(ctx, first, opts)
	Apply(ctx, second, opts)
	for _, s := range append(first, second...) {
		if s.Error != "" {
			t.Errorf("%s %s: %s", s.Action, s.Path, s.Error)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
		t.Fatal("helm still there")
	}
}
