package kubeconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kubeboot/kubeboot/bootstrap/internal/removeall"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/atomicfile"
)

// A private kubeconfig is a kubeconfig made for one shell, command or
// agent (see Extract), in a folder of its own that lives as long as the
// processes it was made for.
//
// Invariants:
//
//   - every private folder is a direct child of the root (PrivateRoot)
//     named "shell-…", made with mode 0700 (on Windows an owner-only DACL
//     that what is made inside inherits); it holds the kubeconfig
//     (PrivateFileName, written 0600 and owner-only) and an owner marker
//     naming the processes it is kept for;
//   - the root is BASE/kubeboot/shells, BASE being XDG_RUNTIME_DIR or the
//     user's cache folder (PrivateRoots); BASE, BASE/kubeboot and the root
//     are real folders, not links, that belong to the effective user
//     exactly (root included: a folder of another uid is refused, even to
//     root) and that no one else may write in (BASE as found, the two
//     others narrowed when found wider: the root to 0700); NewPrivate and
//     SweepPrivate refuse any other (ErrUnsafePrivateRoot) rather than
//     write credentials, or remove, where someone else can reach, rename
//     or swap them;
//   - a private folder is made new (Mkdir, never an existing one reused)
//     and its kubeconfig created exclusively (O_EXCL) in it;
//   - SweepPrivate removes a folder only when every process of its marker
//     has exited, or when it has no readable marker and is older than
//     privateGrace (one that a concurrent NewPrivate is still making);
//   - nothing outside the root is ever removed, and nothing in it that is
//     not a "shell-…" folder.
//
// A process id that the system has reused for another process keeps its
// folder until that process exits too: a folder kept too long, never one
// removed under a live shell.

// PrivateFileName is the name of the kubeconfig in a private folder.
const PrivateFileName = "config"

const (
	privatePrefix    = "shell-"
	privateOwnerFile = "owner"
	privateMarkerTop = "kubeboot-private-kubeconfig"
	// privateGrace is how long a folder without a readable marker is left
	// alone: NewPrivate writes the marker right after making the folder.
	privateGrace = time.Minute
)

// ErrUnsafePrivateRoot is matched by errors about a private root that is a
// link, not a folder, or another user's.
var ErrUnsafePrivateRoot = errors.New("unsafe folder for private kubeconfigs")

// ErrNoPrivateRoot is matched by errors making the folder for private
// kubeconfigs (no permission, a file in the way).
var ErrNoPrivateRoot = errors.New("cannot make the folder for private kubeconfigs")

// PrivateRoots returns the folders private kubeconfigs may be made in, on
// goos, from the environment and home folder, best first, without
// touching the disk (PrivateRoot chooses among them):
//
//   - Windows: %LOCALAPPDATA%\kubeboot\shells;
//   - macOS: home/Library/Caches/kubeboot/shells;
//   - other systems: $XDG_RUNTIME_DIR/kubeboot/shells when set (a per-user
//     folder in memory, emptied at logout), then
//     $XDG_CACHE_HOME/kubeboot/shells, else home/.cache/kubeboot/shells.
//
// Relative values of the variables are ignored, as the XDG specification
// says. Each is BASE/kubeboot/shells.
func PrivateRoots(goos string, getenv func(string) string, home string) ([]string, error) {
	abs := func(p string) bool {
		if goos == "windows" {
			return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') || strings.HasPrefix(p, `\\`)
		}
		return strings.HasPrefix(p, "/")
	}
	switch goos {
	case "windows":
		if d := getenv("LOCALAPPDATA"); abs(d) {
			return []string{joinOS(goos, d, "kubeboot", "shells")}, nil
		}
		return nil, errors.New("cannot find the local application data folder: LOCALAPPDATA is not set")
	case "darwin", "ios":
		if home == "" {
			return nil, errors.New("cannot find the home folder: HOME is not set")
		}
		return []string{joinOS(goos, home, "Library", "Caches", "kubeboot", "shells")}, nil
	}
	var roots []string
	if d := getenv("XDG_RUNTIME_DIR"); abs(d) {
		roots = append(roots, joinOS(goos, d, "kubeboot", "shells"))
	}
	switch d := getenv("XDG_CACHE_HOME"); {
	case abs(d):
		roots = append(roots, joinOS(goos, d, "kubeboot", "shells"))
	case home != "":
		roots = append(roots, joinOS(goos, home, ".cache", "kubeboot", "shells"))
	}
	if len(roots) == 0 {
		return nil, errors.New("cannot find the home folder: set HOME, XDG_RUNTIME_DIR or XDG_CACHE_HOME")
	}
	return roots, nil
}

// PrivateRoot returns the folder private kubeconfigs are made in: the
// first of PrivateRoots whose BASE is a safe folder (a real folder of the
// effective user that no one else may write in), else the last, which
// NewPrivate makes and checks. An XDG_RUNTIME_DIR of another user (as
// after sudo -E) is thus passed over for the cache folder.
func PrivateRoot(goos string, getenv func(string) string, home string) (string, error) {
	roots, err := PrivateRoots(goos, getenv, home)
	if err != nil {
		return "", err
	}
	for _, r := range roots[:len(roots)-1] {
		if checkPrivateDir(privateBase(r), 0o022, false) == nil {
			return r, nil
		}
	}
	return roots[len(roots)-1], nil
}

// privateBase is BASE of the root BASE/kubeboot/shells.
func privateBase(root string) string { return filepath.Dir(filepath.Dir(root)) }

// Private is one private folder and the kubeconfig in it.
type Private struct {
	// Dir is the folder; File the kubeconfig in it.
	Dir  string
	File string
	pids []int
}

// NewPrivate makes a private folder under root (created when missing) for
// the processes pids, and writes cfg into it. root is BASE/kubeboot/shells
// (PrivateRoot), and the folders from BASE down must be safe (see the
// invariants). On error nothing is left behind but the root.
func NewPrivate(root string, cfg *Config, pids ...int) (*Private, error) {
	if len(pids) == 0 {
		return nil, errors.New("a private kubeconfig needs the process it is made for")
	}
	data, err := cfg.Marshal()
	if err != nil {
		return nil, err
	}
	if _, err := atomicfile.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoPrivateRoot, err)
	}
	if err := checkPrivateRoot(root); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(root, privatePrefix+"*") // a new folder (Mkdir), never one found there
	if err != nil {
		return nil, fmt.Errorf("make a private folder: %w", err)
	}
	if err := checkPrivateDir(dir, 0o077, false); err != nil {
		return nil, err // not removed: not known to be ours
	}
	p := &Private{Dir: dir, File: filepath.Join(dir, PrivateFileName), pids: pids}
	err = atomicfile.RestrictDirToOwner(dir)
	if err == nil {
		err = p.writeMarker()
	}
	if err == nil {
		err = writeExclusive(p.File, data)
	}
	if err != nil {
		removeall.Tree(dir)
		return nil, fmt.Errorf("write the private kubeconfig: %w", err)
	}
	return p, nil
}

// AddOwner adds pid to the processes the folder is kept for (the shell,
// once started), so that it outlives a killed parent while the shell runs.
func (p *Private) AddOwner(pid int) error {
	p.pids = append(p.pids, pid)
	return p.writeMarker()
}

func (p *Private) writeMarker() error {
	var b strings.Builder
	b.WriteString(privateMarkerTop + "\n")
	for _, pid := range p.pids {
		b.WriteString("pid " + strconv.Itoa(pid) + "\n")
	}
	return atomicfile.Write(filepath.Join(p.Dir, privateOwnerFile), []byte(b.String()), atomicfile.Options{Private: true})
}

// Remove removes the folder and everything in it (backups and state that
// commands run inside it left there too).
func (p *Private) Remove() error { return removeall.Tree(p.Dir) }

// PrivateOwners returns the processes the private folder dir is kept
// for; ok is false when it has no readable marker.
func PrivateOwners(dir string) (pids []int, ok bool) {
	return readOwners(filepath.Join(dir, privateOwnerFile))
}

// readOwners parses a marker; ok is false for a missing or foreign one.
func readOwners(marker string) (pids []int, ok bool) {
	data, err := os.ReadFile(marker)
	if err != nil {
		return nil, false
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) < 2 || lines[0] != privateMarkerTop {
		return nil, false
	}
	for _, l := range lines[1:] {
		n, err := strconv.Atoi(strings.TrimPrefix(l, "pid "))
		if err != nil || n <= 0 || !strings.HasPrefix(l, "pid ") {
			return nil, false
		}
		pids = append(pids, n)
	}
	return pids, true
}

// SweepPrivate removes the private folders under root whose processes
// have all exited (a shell or kubeboot killed before it could clean up),
// and returns them. A root that does not exist holds nothing to sweep.
func SweepPrivate(root string, now time.Time) ([]string, error) {
	return sweepPrivate(root, now, processAlive)
}

func sweepPrivate(root string, now time.Time, alive func(int) bool) ([]string, error) {
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := checkPrivateRoot(root); err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), privatePrefix) {
			continue // not ours, or a link: left alone
		}
		dir := filepath.Join(root, e.Name())
		if !stale(dir, now, alive) {
			continue
		}
		if err := removeall.Tree(dir); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, dir)
	}
	return removed, errors.Join(errs...)
}

// stale reports whether the private folder dir is kept for no live
// process.
func stale(dir string, now time.Time, alive func(int) bool) bool {
	pids, ok := readOwners(filepath.Join(dir, privateOwnerFile))
	if !ok {
		fi, err := os.Lstat(dir)
		return err == nil && now.Sub(fi.ModTime()) > privateGrace
	}
	for _, pid := range pids {
		if alive(pid) {
			return false
		}
	}
	return true
}

// PrivateDirOf returns the private folder under root that file is the
// kubeconfig of, and whether it is one: file is root/shell-…/config.
// It looks at the names only.
func PrivateDirOf(root, file string) (string, bool) {
	if root == "" || file == "" {
		return "", false
	}
	file = filepath.Clean(file)
	dir := filepath.Dir(file)
	if filepath.Base(file) != PrivateFileName || !strings.HasPrefix(filepath.Base(dir), privatePrefix) ||
		filepath.Dir(dir) != filepath.Clean(root) {
		return "", false
	}
	return dir, true
}

// OpenPrivate returns the private folder under root that holds file, for
// Remove; ok is false when file is not a private kubeconfig under root.
func OpenPrivate(root, file string) (*Private, bool) {
	dir, ok := PrivateDirOf(root, file)
	if !ok {
		return nil, false
	}
	return &Private{Dir: dir, File: filepath.Join(dir, PrivateFileName)}, true
}

// writeExclusive creates path, which must not exist (O_EXCL), owner-only,
// with data.
func writeExclusive(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}

// checkPrivateRoot checks the folders from BASE down to the root (see
// the invariants): BASE as it is, BASE/kubeboot narrowed to no write by
// others, the root to 0700.
func checkPrivateRoot(root string) error {
	if err := checkPrivateDir(privateBase(root), 0o022, false); err != nil {
		return err
	}
	if err := checkPrivateDir(filepath.Dir(root), 0o022, true); err != nil {
		return err
	}
	return checkPrivateDir(root, 0o077, true)
}

// checkPrivateDir refuses dir unless it is a real folder of the effective
// user without the permission bits of mask; with narrow, one found with
// them loses them instead.
func checkPrivateDir(dir string, mask fs.FileMode, narrow bool) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnsafePrivateRoot, err)
	}
	uid, known := fileOwner(fi)
	switch privateDirProblem(runtime.GOOS, fi.Mode(), mask, uid, known, os.Geteuid()) {
	case "":
		return nil
	case "link":
		return fmt.Errorf("%w: %s is not a folder (a link or a file); remove it and run again", ErrUnsafePrivateRoot, dir)
	case "owner":
		return fmt.Errorf("%w: %s belongs to another user (uid %d); remove it, or set XDG_RUNTIME_DIR (else HOME) to a folder of yours", ErrUnsafePrivateRoot, dir, uid)
	}
	// Others who may write in a folder of the chain could rename or swap
	// what is below it: narrow it when kubeboot made it, else refuse.
	if !narrow {
		return fmt.Errorf("%w: %s may be written by others (mode %v); run chmod go-w on it, or set XDG_RUNTIME_DIR to a folder of yours", ErrUnsafePrivateRoot, dir, fi.Mode().Perm())
	}
	if err := os.Chmod(dir, fi.Mode().Perm()&^mask); err != nil {
		return fmt.Errorf("%w: %s may be written by others and cannot be restricted: %v", ErrUnsafePrivateRoot, dir, err)
	}
	return nil
}

// privateDirProblem judges a folder of the private chain on goos from its
// Lstat mode and owner (known false when the system has none): "" when
// safe, "link" when not a real folder, "owner" when another uid's (for
// root too), "wide" when it has permission bits of mask (others may write
// in it, or read the root). Windows relies on the owner-only ACL of the
// user's own local application data.
func privateDirProblem(goos string, mode fs.FileMode, mask fs.FileMode, uid int, known bool, euid int) string {
	switch {
	case !mode.IsDir():
		return "link"
	case goos == "windows":
		return ""
	case known && euid >= 0 && uid != euid:
		return "owner"
	case mode.Perm()&mask != 0:
		return "wide"
	}
	return ""
}
