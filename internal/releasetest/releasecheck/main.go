// Command releasecheck verifies a goreleaser dist/ folder (run by
// scripts/release-check.sh after a snapshot build): every binary within the
// size budget, checksums.txt covering every archive and package, the
// Homebrew cask valid Ruby with the right URLs and digests, the Scoop
// manifest valid JSON with the right URLs and digests, the Chocolatey nuspec
// and install script consistent, and the host's .deb and .rpm installing
// into throwaway roots with a working `kubeboot version`.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
)

type artifact struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	Type   string `json:"type"`
	Goos   string `json:"goos"`
	Goarch string `json:"goarch"`
}

type checker struct {
	dist      string
	version   string
	artifacts []artifact
	sums      map[string]string // name → sha256 from checksums.txt
	failed    int
	before    int // failures when the current check started
}

func (c *checker) fail(format string, args ...any) {
	c.failed++
	fmt.Printf("FAIL "+format+"\n", args...)
}

// start begins a check; ok reports it passed unless it failed meanwhile.
func (c *checker) start() { c.before = c.failed }

func (c *checker) ok(format string, args ...any) {
	if c.failed == c.before {
		fmt.Printf("ok   "+format+"\n", args...)
	}
}

func main() {
	dist := flag.String("dist", "dist", "goreleaser's dist folder")
	budget := flag.Float64("budget", 9.3e6, "largest allowed stripped binary, in bytes (make passes SIZE_BUDGET)")
	flag.Parse()
	c := &checker{dist: *dist}
	if err := c.load(); err != nil {
		fmt.Fprintln(os.Stderr, "releasecheck:", err)
		os.Exit(1)
	}
	fmt.Printf("release %s in %s\n\n", c.version, c.dist)
	c.sizes(*budget)
	c.checksums()
	c.cask()
	c.scoop()
	c.chocolatey()
	c.linuxPackages()
	if c.failed > 0 {
		fmt.Printf("\n%d check(s) failed\n", c.failed)
		os.Exit(1)
	}
	fmt.Println("\nall release checks passed")
}

func (c *checker) load() error {
	var meta struct {
		Version string `json:"version"`
	}
	if err := readJSON(filepath.Join(c.dist, "metadata.json"), &meta); err != nil {
		return err
	}
	c.version = meta.Version
	if err := readJSON(filepath.Join(c.dist, "artifacts.json"), &c.artifacts); err != nil {
		return err
	}
	// artifacts.json paths start with "dist/", goreleaser's folder.
	for i := range c.artifacts {
		c.artifacts[i].Path = filepath.Join(c.dist, strings.TrimPrefix(filepath.ToSlash(c.artifacts[i].Path), "dist/"))
	}
	list, err := os.ReadFile(filepath.Join(c.dist, "checksums.txt"))
	if err != nil {
		return err
	}
	c.sums = map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(list)), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 || len(f[0]) != 64 {
			return fmt.Errorf("checksums.txt: malformed line %q", line)
		}
		c.sums[f[1]] = f[0]
	}
	return nil
}

func (c *checker) byType(t string) []artifact {
	var out []artifact
	for _, a := range c.artifacts {
		if a.Type == t {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Goos+out[i].Goarch+out[i].Name < out[j].Goos+out[j].Goarch+out[j].Name
	})
	return out
}

// sizes prints every binary's size and fails those over budget.
func (c *checker) sizes(budget float64) {
	fmt.Printf("%-16s %12s %8s   (budget %.2f MB stripped)\n", "target", "bytes", "MB", budget/1e6)
	for _, a := range c.byType("Binary") {
		fi, err := os.Stat(a.Path)
		if err != nil {
			c.fail("%v", err)
			continue
		}
		mark := ""
		if float64(fi.Size()) > budget {
			mark = "  OVER BUDGET"
			c.failed++
		}
		fmt.Printf("%-16s %12d %8.2f%s\n", a.Goos+"/"+a.Goarch, fi.Size(), float64(fi.Size())/1e6, mark)
	}
	fmt.Println()
}

// checksums verifies that checksums.txt lists every archive and package
// with its true digest, and nothing else.
func (c *checker) checksums() {
	c.start()
	want := append(c.byType("Archive"), c.byType("Linux Package")...)
	for _, a := range want {
		got, err := fileSHA256(a.Path)
		switch {
		case err != nil:
			c.fail("%v", err)
		case c.sums[a.Name] == "":
			c.fail("checksums.txt has no line for %s", a.Name)
		case c.sums[a.Name] != got:
			c.fail("checksums.txt says %s for %s, the file has %s", c.sums[a.Name], a.Name, got)
		}
	}
	if len(c.sums) != len(want) {
		c.fail("checksums.txt has %d lines for %d archives and packages", len(c.sums), len(want))
	}
	c.ok("checksums.txt verifies all %d archives and packages", len(want))
}

// archiveFor returns the name and sha256 of the archive for goos/goarch.
func (c *checker) archiveFor(goos, goarch string) (name, sum string) {
	for _, a := range c.byType("Archive") {
		if a.Goos == goos && a.Goarch == goarch {
			return a.Name, c.sums[a.Name]
		}
	}
	c.fail("no archive for %s/%s", goos, goarch)
	return "", ""
}

// cask checks the Homebrew cask with `ruby -c` and that it pins the macOS
// archives by URL and digest.
func (c *checker) cask() {
	c.start()
	casks := c.byType("Homebrew Cask")
	if len(casks) != 1 {
		c.fail("want one Homebrew cask, have %d", len(casks))
		return
	}
	path := casks[0].Path
	if out, err := exec.Command("ruby", "-c", path).CombinedOutput(); err != nil {
		c.fail("ruby -c %s: %v\n%s", path, err, out)
		return
	}
	rb, _ := os.ReadFile(path)
	for _, arch := range []string{"amd64", "arm64"} {
		name, sum := c.archiveFor("darwin", arch)
		if !regexp.MustCompile(`url "https://[^"]+/` + regexp.QuoteMeta(name) + `"\s+sha256 "` + sum + `"`).Match(rb) {
			c.fail("%s does not pin %s to sha256 %s", path, name, sum)
		}
	}
	if !bytes.Contains(rb, []byte(`version "`+c.version+`"`)) || !bytes.Contains(rb, []byte(`binary "kubeboot"`)) {
		c.fail("%s lacks version %s or the kubeboot binary stanza", path, c.version)
	}
	c.ok("Homebrew cask %s passes ruby -c and pins the darwin archives", path)
}

// scoop checks that the manifest is JSON with both Windows archives, their
// digests and kubeboot.exe.
func (c *checker) scoop() {
	c.start()
	ms := c.byType("Scoop Manifest")
	if len(ms) != 1 {
		c.fail("want one Scoop manifest, have %d", len(ms))
		return
	}
	var m struct {
		Version      string `json:"version"`
		Architecture map[string]struct {
			URL  string   `json:"url"`
			Bin  []string `json:"bin"`
			Hash string   `json:"hash"`
		} `json:"architecture"`
	}
	if err := readJSON(ms[0].Path, &m); err != nil {
		c.fail("%v", err)
		return
	}
	if m.Version != c.version {
		c.fail("Scoop manifest version %q, want %q", m.Version, c.version)
	}
	for scoopArch, goarch := range map[string]string{"64bit": "amd64", "arm64": "arm64"} {
		name, sum := c.archiveFor("windows", goarch)
		a, ok := m.Architecture[scoopArch]
		switch {
		case !ok:
			c.fail("Scoop manifest has no %s architecture", scoopArch)
		case !strings.HasPrefix(a.URL, "https://github.com/kubeboot/kubeboot/releases/download/") || filepath.Base(a.URL) != name:
			c.fail("Scoop %s url %q does not point at %s", scoopArch, a.URL, name)
		case a.Hash != sum:
			c.fail("Scoop %s hash %s, checksums.txt says %s", scoopArch, a.Hash, sum)
		case len(a.Bin) != 1 || a.Bin[0] != "kubeboot.exe":
			c.fail("Scoop %s bin %v, want [kubeboot.exe]", scoopArch, a.Bin)
		}
	}
	c.ok("Scoop manifest %s is valid JSON with both Windows archives and digests", ms[0].Path)
}

// chocolatey checks the nuspec goreleaser generated (choco pack is skipped
// without choco) and the install script's URL and digest.
func (c *checker) chocolatey() {
	c.start()
	dir := filepath.Join(c.dist, "kubeboot.choco")
	nuspec, err := os.ReadFile(filepath.Join(dir, "kubeboot.nuspec"))
	if err != nil {
		c.fail("%v", err)
		return
	}
	var pkg struct {
		Metadata struct {
			ID      string `xml:"id"`
			Version string `xml:"version"`
			Authors string `xml:"authors"`
			Desc    string `xml:"description"`
		} `xml:"metadata"`
	}
	if err := xml.Unmarshal(nuspec, &pkg); err != nil {
		c.fail("kubeboot.nuspec is not XML: %v", err)
		return
	}
	md := pkg.Metadata
	if md.ID != "kubeboot" || md.Version != c.version || md.Authors == "" || md.Desc == "" {
		c.fail("kubeboot.nuspec metadata %+v: want id kubeboot, version %s, authors and description", md, c.version)
	}
	script, err := os.ReadFile(filepath.Join(dir, "tools", "chocolateyinstall.ps1"))
	if err != nil {
		c.fail("%v", err)
		return
	}
	name, sum := c.archiveFor("windows", "amd64")
	if !regexp.MustCompile(`url64bit\s*=\s*'https://[^']+/` + regexp.QuoteMeta(name) + `'\s+checksum64\s*=\s*'` + sum + `'`).Match(script) {
		c.fail("chocolateyinstall.ps1 does not pin %s to sha256 %s", name, sum)
	}
	c.ok("Chocolatey nuspec is valid XML and chocolateyinstall.ps1 pins %s (choco pack skipped: no choco here)", name)
}

// linuxPackages installs the host's .deb (and .rpm, if rpm is present)
// into throwaway roots and runs the installed kubeboot.
func (c *checker) linuxPackages() {
	if runtime.GOOS != "linux" {
		return
	}
	rpmArch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
	for _, a := range c.byType("Linux Package") {
		if a.Goarch != runtime.GOARCH {
			continue
		}
		c.start()
		root, err := os.MkdirTemp("", "kubeboot-pkgroot-")
		if err != nil {
			c.fail("%v", err)
			return
		}
		defer os.RemoveAll(root)
		var install *exec.Cmd
		switch {
		case strings.HasSuffix(a.Name, ".deb"):
			install = exec.Command("dpkg", "--root="+root, "--force-not-root", "--force-depends", "-i", a.Path)
		case strings.HasSuffix(a.Name, "."+rpmArch+".rpm"):
			if _, err := exec.LookPath("rpm"); err != nil {
				fmt.Printf("skip %s: no rpm on this machine (apt-get install rpm)\n", a.Name)
				continue
			}
			install = exec.Command("rpm", "-i", "--root", root, "--nodeps", a.Path)
		default:
			continue
		}
		if out, err := install.CombinedOutput(); err != nil {
			c.fail("%s: %v\n%s", strings.Join(install.Args, " "), err, out)
			continue
		}
		bin := filepath.Join(root, "usr", "bin", "kubeboot")
		out, err := exec.Command(bin, "version").CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "kubeboot "+c.version+" ") {
			c.fail("%s version after installing %s: %q, %v; want kubeboot %s", bin, a.Name, out, err, c.version)
			continue
		}
		c.ok("%s installs into a throwaway root; /usr/bin/kubeboot version says %s", a.Name, c.version)
	}
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s is not valid JSON: %w", path, err)
	}
	return nil
}

func fileSHA256(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	if len(b) == 0 {
		return "", errors.New(path + " is empty")
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:]), nil
}
