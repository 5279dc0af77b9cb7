package kubeconfig

// Differential tests of Use, SetNamespace, Rename and Delete against the
// real kubectl's use-context, set-context --namespace, rename-context and
// delete-context (+ delete-cluster and delete-user for Cascade): the same
// operation on copies of the same files must leave every file, and the
// merged view, as kubectl sees them, identical. See kubectl_test.go for
// KUBEBOOT_TEST_KUBECTL.

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// opCase is one operation, done by kubeboot and by kubectl.
type opCase struct {
	name     string
	kubeboot func(ctx context.Context, opts EditOptions) (any, error)
	// kubectl returns the kubectl command lines doing the same, given
	// kubeboot's result.
	kubectl func(res any) [][]string
}

func useCase(name string) opCase {
	return opCase{"use " + name,
		func(ctx context.Context, o EditOptions) (any, error) { return Use(ctx, name, o) },
		func(any) [][]string { return [][]string{{"config", "use-context", name}} }}
}

func nsCase(ns, ctxName string) opCase {
	return opCase{"namespace " + ns + " " + ctxName,
		func(ctx context.Context, o EditOptions) (any, error) { return SetNamespace(ctx, ns, ctxName, o) },
		func(any) [][]string {
			if ctxName == "" {
				return [][]string{{"config", "set-context", "--current", "--namespace=" + ns}}
			}
			return [][]string{{"config", "set-context", ctxName, "--namespace=" + ns}}
		}}
}

func renameCase(old, new string) opCase {
	return opCase{"rename " + old,
		func(ctx context.Context, o EditOptions) (any, error) {
			return Rename(ctx, old, new, RenameOptions{}, o)
		},
		func(any) [][]string { return [][]string{{"config", "rename-context", old, new}} }}
}

func deleteCase(name string, do DeleteOptions) opCase {
	return opCase{"delete " + name,
		func(ctx context.Context, o EditOptions) (any, error) { return Delete(ctx, []string{name}, do, o) },
		func(res any) [][]string {
			r := res.(*DeleteResult)
			cmds := [][]string{{"config", "delete-context", name}}
			if do.Force {
				cmds = append(cmds, []string{"config", "unset", "current-context"})
			}
			for _, c := range r.Clusters {
				cmds = append(cmds, []string{"config", "delete-cluster", c})
			}
			for _, u := range r.Users {
				cmds = append(cmds, []string{"config", "delete-user", u})
			}
			return cmds
		}}
}

// casesFor builds the operations worth comparing on a list of files.
func casesFor(t *testing.T, files []string) []opCase {
	var cases []opCase
	existing := []string{}
	for _, f := range files {
		if fileExists(f) {
			existing = append(existing, f)
		}
	}
	v := newView(mustFiles(t, existing))
	for _, n := range v.names(KindContext) {
		cases = append(cases, useCase(n), nsCase("team-x", n), renameCase(n, n+" renamed"),
			deleteCase(n, DeleteOptions{Cascade: true, Force: n == v.current}))
		if n != v.current {
			cases = append(cases, deleteCase(n, DeleteOptions{}))
		}
	}
	if v.current != "" {
		cases = append(cases, nsCase("team-y", ""), nsCase("", ""))
	}
	return cases
}

func mustFiles(t *testing.T, paths []string) []*File {
	var out []*File
	for _, p := range paths {
		out = append(out, &File{Path: p, Config: mustLoad(t, p), Exists: true})
	}
	return out
}

// runOpCase lays out the files (corpus file per name, "" for a missing
// one) twice, runs the operation with kubeboot on one copy and kubectl on
// the other, and compares each file and the merged view.
func runOpCase(t *testing.T, bin string, layout []string, strip map[int]bool, oc opCase) {
	root, kube, _ := differentialSetup(t)
	var ours, theirs []string
	for i, src := range layout {
		o, k := filepath.Join(kube, string(rune('a'+i))), filepath.Join(kube, string(rune('a'+i))+".kubectl")
		ours, theirs = append(ours, o), append(theirs, k)
		if src == "" {
			continue
		}
		data := readFile(t, src)
		if strip[i] {
			c, err := Parse(data, o)
			if err != nil {
				t.Fatal(err)
			}
			c.CurrentContext = ""
			if data, err = c.Marshal(); err != nil {
				t.Fatal(err)
			}
		}
		os.WriteFile(o, data, 0o600)
		os.WriteFile(k, data, 0o600)
	}
	list := strings.Join(ours, string(os.PathListSeparator))
	opts := EditOptions{Now: fixedNow, Home: root, Getenv: func(k string) string {
		if k == "KUBECONFIG" {
			return list
		}
		return ""
	}}
	res, err := oc.kubeboot(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range oc.kubectl(res) {
		kubectl(t, bin, root, theirs, cmd...)
	}
	if len(ours) == 1 {
		compareViews(t, view(t, bin, root, theirs), view(t, bin, root, ours))
		return
	}
	for i := range ours {
		if fileExists(ours[i]) != fileExists(theirs[i]) {
			t.Fatalf("file %d: kubeboot leaves it existing=%v, kubectl %v", i, fileExists(ours[i]), fileExists(theirs[i]))
		}
		if fileExists(ours[i]) {
			compareViews(t, view(t, bin, root, []string{theirs[i]}), view(t, bin, root, []string{ours[i]}))
		}
	}
	compareViews(t, view(t, bin, root, theirs), view(t, bin, root, ours))
}

func TestKubectlDifferentialOps(t *testing.T) {
	bin := kubectlBinary(t)
	corpus := corpusFiles(t)
	if testing.Short() {
		corpus = []string{"testdata/corpus/multi.yaml", "testdata/corpus/relative-paths.yaml"}
	}
	for _, f := range corpus {
		for _, oc := range casesFor(t, []string{f}) {
			t.Run(filepath.Base(f)+"/"+oc.name, func(t *testing.T) {
				t.Parallel()
				runOpCase(t, bin, []string{f}, nil, oc)
			})
		}
	}
}

func TestKubectlDifferentialOpsList(t *testing.T) {
	bin := kubectlBinary(t)
	c := func(n string) string { return filepath.Join("testdata", "corpus", n) }
	lists := []struct {
		name   string
		layout []string
		strip  map[int]bool // files whose current-context is removed
	}{
		// Only the second file sets current-context: use-context writes
		// into the first.
		{"current in second", []string{c("multi.yaml"), c("coreweave.yaml")}, map[int]bool{0: true}},
		{"both set current", []string{c("multi.yaml"), c("eks.yaml")}, nil},
		// The same context name in both: the first file's is the one seen.
		{"shadowed name", []string{c("coreweave-other-org.yaml"), c("coreweave.yaml")}, nil},
		{"missing first of three", []string{"", c("relative-paths.yaml"), c("multi.yaml")}, nil},
		{"three files", []string{c("gke-legacy.yaml"), c("client-cert.yaml"), c("coreweave.yaml")}, map[int]bool{0: true, 1: true}},
	}
	for _, l := range lists {
		var existing []string
		for _, f := range l.layout {
			if f != "" {
				existing = append(existing, f)
			}
		}
		cases := casesFor(t, existing)
		if l.strip != nil {
			// The view's current context depends on the stripped copies.
			cases = nil
			v := newView(stripped(t, l.layout, l.strip))
			for _, n := range v.names(KindContext) {
				cases = append(cases, useCase(n), nsCase("team-x", n), renameCase(n, n+"-renamed"),
					deleteCase(n, DeleteOptions{Cascade: true, Force: n == v.current}))
			}
			if v.current != "" {
				cases = append(cases, nsCase("team-y", ""))
			}
		}
		for _, oc := range cases {
			t.Run(l.name+"/"+oc.name, func(t *testing.T) {
				t.Parallel()
				runOpCase(t, bin, l.layout, l.strip, oc)
			})
		}
	}
}

func stripped(t *testing.T, layout []string, strip map[int]bool) []*File {
	var out []*File
	for i, f := range layout {
		if f == "" {
			continue
		}
		c := mustLoad(t, f)
		if strip[i] {
			c.CurrentContext = ""
		}
		out = append(out, &File{Path: f, Config: c, Exists: true})
	}
	return out
}
