// Package releasetest serves kubeboot releases on loopback for tests: a
// server that speaks the GitHub releases API shape (api.github.com paths
// and github.com download paths on one host), the archives goreleaser
// makes, and checksums.txt.
package releasetest

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/internal/sigtest"
)

// ArchiveName is the name .goreleaser.yml gives an archive (no version in
// it, so releases/latest/download/NAME always works).
func ArchiveName(goos, goarch string) string {
	if goos == "windows" {
		return "kubeboot_" + goos + "_" + goarch + ".zip"
	}
	return "kubeboot_" + goos + "_" + goarch + ".tar.gz"
}

// Archive packs one executable as goreleaser does: kubeboot in a .tar.gz,
// kubeboot.exe in a .zip on Windows.
func Archive(t testing.TB, goos string, exe []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if goos == "windows" {
		zw := zip.NewWriter(&buf)
		h := &zip.FileHeader{Name: "kubeboot.exe", Method: zip.Deflate}
		h.SetMode(0o755)
		w, err := zw.CreateHeader(h)
		if err == nil {
			_, err = w.Write(exe)
		}
		if err == nil {
			err = zw.Close()
		}
		if err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	err := tw.WriteHeader(&tar.Header{Name: "kubeboot", Mode: 0o755, Size: int64(len(exe)), Typeflag: tar.TypeReg})
	if err == nil {
		_, err = tw.Write(exe)
	}
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = gz.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Checksums returns a checksums.txt (sha256sum format, sorted by name) for
// files.
func Checksums(files map[string][]byte) []byte {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, n := range names {
		s := sha256.Sum256(files[n])
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(s[:]), n)
	}
	return []byte(b.String())
}

// ReleaseSigner is the identity .github/workflows/release.yml signs a
// release's checksums.txt with.
func ReleaseSigner(tag string) sigtest.Leaf {
	return sigtest.Leaf{
		URI:    "https://github.com/kubeboot/kubeboot/.github/workflows/release.yml@refs/tags/" + tag,
		Issuer: "https://token.actions.githubusercontent.com",
	}
}

// Sign adds checksums.txt.sigstore.json to assets: a bundle by ca over
// assets' checksums.txt, as the release workflow's cosign makes it.
func Sign(t testing.TB, ca *sigtest.CA, tag string, assets map[string][]byte) {
	t.Helper()
	sum := sha256.Sum256(assets["checksums.txt"])
	assets["checksums.txt.sigstore.json"] = ca.Bundle(t, sum[:], ReleaseSigner(tag), sigtest.BundleOptions{})
}

// BuildKubeboot builds the installer for this machine with the given
// version linked in and returns the binary's path in dir.
func BuildKubeboot(t testing.TB, dir, version string) string {
	t.Helper()
	out := filepath.Join(dir, "kubeboot-"+version)
	cmd := exec.Command("go", "build", "-trimpath", "-o", out,
		"-ldflags", "-X main.version="+version+" -X main.commit=test",
		"github.com/kubeboot/kubeboot/installers/kubeboot")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

// PathWithout returns a PATH of links to every program on the real PATH
// except the named ones (the first of a name on PATH wins), in a folder
// removed with the test: "a machine without cosign".
func PathWithout(t testing.TB, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	skip := map[string]bool{}
	for _, n := range names {
		skip[n] = true
	}
	for _, p := range filepath.SplitList(os.Getenv("PATH")) {
		entries, _ := os.ReadDir(p)
		for _, e := range entries {
			if !skip[e.Name()] {
				os.Symlink(filepath.Join(p, e.Name()), filepath.Join(dir, e.Name()))
			}
		}
	}
	return dir
}

// Release returns the assets of a release of exe for goos/goarch as
// goreleaser makes them: the archive and checksums.txt.
func Release(t testing.TB, goos, goarch string, exe []byte) map[string][]byte {
	t.Helper()
	assets := map[string][]byte{ArchiveName(goos, goarch): Archive(t, goos, exe)}
	assets["checksums.txt"] = Checksums(assets)
	return assets
}

// Request is what the server saw of one request.
type Request struct {
	Path          string
	Authorization string
	Range         string
}

// GitHub is a loopback server shaped like api.github.com plus github.com
// release downloads, for the repository kubeboot/kubeboot:
//
//	GET /repos/kubeboot/kubeboot/releases/latest
//	GET /repos/kubeboot/kubeboot/releases/tags/TAG
//	GET /kubeboot/kubeboot/releases/download/TAG/NAME
type GitHub struct {
	*httptest.Server

	mu       sync.Mutex
	releases map[string]map[string][]byte // tag → asset name → content
	latest   string
	requests []Request
	cuts     map[string]int // asset name → bytes to send before closing, once
	aliases  map[string]string
}

// Alias makes the API answer a request for release asked with release
// served: a hostile API (or proxy) that hands out another genuinely
// signed release than the one named.
func (g *GitHub) Alias(asked, served string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.aliases == nil {
		g.aliases = map[string]string{}
	}
	g.aliases[asked] = served
}

// NewGitHub starts a server with no release; it stops with the test.
func NewGitHub(t testing.TB) *GitHub {
	g := &GitHub{releases: map[string]map[string][]byte{}}
	g.Server = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.Close)
	return g
}

// APIURL is the value for selfupdate.Options.APIURL.
func (g *GitHub) APIURL() string { return g.URL + "/" }

// AddRelease publishes a release with these assets; latest makes it the
// one /releases/latest returns.
func (g *GitHub) AddRelease(tag string, assets map[string][]byte, latest bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.releases[tag] = assets
	if latest {
		g.latest = tag
	}
}

// Cut makes the next download of the asset name send the full
// Content-Length, then only n bytes, then close the connection: a broken
// download that the client must resume.
func (g *GitHub) Cut(name string, n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cuts == nil {
		g.cuts = map[string]int{}
	}
	g.cuts[name] = n
}

// Requests returns every request seen so far.
func (g *GitHub) Requests() []Request {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.requests)
}

const repoPath = "/repos/kubeboot/kubeboot/releases/"

func (g *GitHub) serve(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.requests = append(g.requests, Request{Path: r.URL.Path, Authorization: r.Header.Get("Authorization"), Range: r.Header.Get("Range")})
	p := r.URL.Path
	switch {
	case p == repoPath+"latest":
		g.writeRelease(w, g.latest)
	case strings.HasPrefix(p, repoPath+"tags/"):
		tag := strings.TrimPrefix(p, repoPath+"tags/")
		if served, ok := g.aliases[tag]; ok {
			tag = served
		}
		g.writeRelease(w, tag)
	case strings.HasPrefix(p, "/kubeboot/kubeboot/releases/download/"):
		tag, name, _ := strings.Cut(strings.TrimPrefix(p, "/kubeboot/kubeboot/releases/download/"), "/")
		body, ok := g.releases[tag][name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		if n, cut := g.cuts[name]; cut && r.Header.Get("Range") == "" {
			delete(g.cuts, name)
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.Write(body[:min(n, len(body))])
			w.(http.Flusher).Flush()
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
	default:
		notFound(w)
	}
}

func notFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	w.Write([]byte(`{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}`))
}

func (g *GitHub) writeRelease(w http.ResponseWriter, tag string) {
	assets, ok := g.releases[tag]
	if !ok {
		notFound(w)
		return
	}
	type asset struct {
		ID                 int    `json:"id"`
		Name               string `json:"name"`
		Size               int    `json:"size"`
		ContentType        string `json:"content_type"`
		URL                string `json:"url"`
		BrowserDownloadURL string `json:"browser_download_url"`
	}
	rel := struct {
		ID      int     `json:"id"`
		TagName string  `json:"tag_name"`
		Name    string  `json:"name"`
		HTMLURL string  `json:"html_url"`
		Draft   bool    `json:"draft"`
		Pre     bool    `json:"prerelease"`
		Assets  []asset `json:"assets"`
	}{ID: 1, TagName: tag, Name: tag, HTMLURL: g.URL + "/kubeboot/kubeboot/releases/tag/" + tag, Assets: []asset{}}
	names := make([]string, 0, len(assets))
	for n := range assets {
		names = append(names, n)
	}
	slices.Sort(names)
	for i, n := range names {
		rel.Assets = append(rel.Assets, asset{
			ID: 100 + i, Name: n, Size: len(assets[n]), ContentType: "application/octet-stream",
			URL:                fmt.Sprintf("%s%sassets/%d", g.URL, repoPath, 100+i),
			BrowserDownloadURL: g.URL + "/kubeboot/kubeboot/releases/download/" + tag + "/" + n,
		})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(rel)
}
