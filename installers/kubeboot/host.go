package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mitchellh/go-homedir"
	"golang.org/x/term"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
	"github.com/kubeboot/kubeboot/bootstrap/pkgmgr"
)

// host is everything the CLI takes from the machine it runs on. main fills
// it from the process (osHost); tests fill it with buffers and a map of
// variables, so that commands run in-process. Nothing under a command reads
// the process environment, streams or clock except through it.
//
// What stays the process's own: the TLS roots (crypto/x509 reads
// SSL_CERT_FILE once), HTTPS_PROXY for the kubeconfig's API server (as
// kubectl honours it), and the environment exec credential plugins and
// package managers inherit.
type host struct {
	// GOOS and GOARCH are the platform kubeboot runs on.
	GOOS, GOARCH string
	// Getenv reads an environment variable.
	Getenv func(string) string
	// Environ is the whole environment, "KEY=value", for the programs
	// kubeboot starts with changes (kubeconfig shell).
	Environ func() []string
	// Home is the user's home folder; "" when it cannot be found.
	Home string
	// LookPath finds an executable on the host's PATH.
	LookPath func(string) (string, error)
	// Stdin, Stdout and Stderr are the standard streams.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// StdinTerminal, StdoutTerminal and StderrTerminal say which streams
	// are terminals.
	StdinTerminal, StdoutTerminal, StderrTerminal bool
	// Width returns the columns of the terminal on stderr, 0 when unknown.
	Width func() int
	// Now is the clock.
	Now func() time.Time
	// Executable returns the path of the running kubeboot, symlinks
	// resolved.
	Executable func() (string, error)
	// Argv0 is the name kubeboot was started by (os.Args[0]); "" when
	// unknown. The shim links to where it leads, not to the resolved
	// executable, which a package manager's upgrade removes.
	Argv0 string
	// Interrupts delivers Ctrl-C (SIGINT), SIGTERM and SIGHUP once WatchInterrupts
	// was called; nil for none.
	Interrupts <-chan os.Signal
	// WatchInterrupts starts relaying the signals to Interrupts; until
	// then they have the OS's default effect (the process ends). nil when
	// Interrupts needs no start (tests).
	WatchInterrupts func()
	// StopInterrupts gives the signals back to the OS's default, so a
	// second Ctrl-C kills a kubeboot that is slow to stop; nil for none.
	StopInterrupts func()
	// Exit ends the process at once with a code; nil for none. It ends a
	// run that an interrupt did not stop within interruptGrace (a read
	// that cannot be interrupted, as of a FIFO nobody writes to).
	Exit func(code int)
	// Reraise, when not nil, makes the process die of a signal its child
	// died of (Unix); it returns when it cannot.
	Reraise func(sig int)
	// Downloads is the user's Downloads folder, where setup and import
	// look for cw-kubeconfig; "" when unknown.
	Downloads string
	// CacheDir is kubeboot's cache folder (the digest cache); "" for none.
	CacheDir string
	// StateDir is kubeboot's per-user state folder (prune evidence); ""
	// for none.
	StateDir string
	// Getwd returns the working folder, where project pins are looked up.
	Getwd func() (string, error)
	// Exec runs kubectl at path with args, with the process's streams and
	// environment, and returns its exit code; on Unix it replaces the
	// process and returns only when that fails.
	Exec func(path string, args []string) (int, error)
	// HTTPClient, when not nil, sends the mirror's and GitHub's requests
	// instead of the library's default client.
	HTTPClient *http.Client
}

// interruptSignals end a run as Ctrl-C does, its locks released and temp
// files removed: SIGINT, SIGTERM and SIGHUP (the terminal closed), which
// would otherwise kill the process with kubectl's lock still beside a
// kubeconfig.
var interruptSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// osHost is the host of this process.
func osHost() *host {
	home, _ := homedir.Dir()
	// Signals are relayed from the first WatchInterrupts on (execute): a
	// warm kubectl run never asks for them, since signal.Notify starts the
	// runtime's signal threads, which cost that run a third of its time
	// over a bare exec.
	sig := make(chan os.Signal, 2)
	var watching atomic.Bool
	stderrFd := int(os.Stderr.Fd())
	cache := ""
	if dir, err := os.UserCacheDir(); err == nil {
		cache = filepath.Join(dir, "kubeboot")
	}
	downloads, _ := kubeconfig.DefaultDownloadsDir()
	state, _ := kubeconfig.StateDirFor(runtime.GOOS, os.Getenv, home)
	return &host{
		Downloads: downloads,
		CacheDir:  cache,
		StateDir:  state,
		GOOS:      runtime.GOOS, GOARCH: runtime.GOARCH,
		Getenv:         os.Getenv,
		Environ:        os.Environ,
		Home:           home,
		LookPath:       exec.LookPath,
		Stdin:          os.Stdin,
		Stdout:         os.Stdout,
		Stderr:         os.Stderr,
		StdinTerminal:  term.IsTerminal(int(os.Stdin.Fd())),
		StdoutTerminal: term.IsTerminal(int(os.Stdout.Fd())),
		StderrTerminal: term.IsTerminal(stderrFd),
		Width: func() int {
			w, _, err := term.GetSize(stderrFd)
			if err != nil {
				return 0
			}
			return w
		},
		Now: time.Now,
		Executable: func() (string, error) {
			exe, err := os.Executable()
			if err != nil {
				return "", err
			}
			return filepath.EvalSymlinks(exe)
		},
		Argv0:      os.Args[0],
		Interrupts: sig,
		WatchInterrupts: func() {
			if watching.CompareAndSwap(false, true) {
				signal.Notify(sig, interruptSignals...)
			}
		},
		StopInterrupts: func() { signal.Stop(sig) },
		Exit:           os.Exit,
		Reraise:        reraise,
		Getwd:          os.Getwd,
		Exec: func(path string, args []string) (int, error) {
			return execKubectl(path, args, watching.Load())
		},
	}
}

// env is the bootstrap library's view of the host's environment.
func (h *host) env() bootstrap.Environment {
	return bootstrap.Environment{Getenv: h.Getenv, Home: h.Home}
}

// system is the package-manager package's view of the host.
func (h *host) system() pkgmgr.System {
	return pkgmgr.System{GOOS: h.GOOS, Getenv: h.Getenv, Home: h.Home, LookPath: h.LookPath}.WithDefaults()
}

// kubeconfigLocations lists the kubeconfig files kubectl would read with
// --kubeconfig explicit, from the host's KUBECONFIG and home folder.
func (h *host) kubeconfigLocations(explicit string) (kubeconfig.Locations, error) {
	if explicit != "" {
		return kubeconfig.Locate(h.GOOS, h.Getenv, "", explicit), nil
	}
	home := kubeconfig.KubectlHome(h.GOOS, h.Getenv, os.Stat)
	if home == "" {
		home = h.Home
	}
	if home == "" {
		return kubeconfig.Locations{}, usageErrorf("cannot find the home folder: set HOME (USERPROFILE on Windows) or pass --kubeconfig")
	}
	return kubeconfig.Locate(h.GOOS, h.Getenv, home, explicit), nil
}

// expandHome expands a leading ~ in a path flag of kubeboot (kubectl
// expands none in its own --kubeconfig: kubectlPath): the shell expands
// `--dir ~/bin` but not `--dir=~/bin`.
// Only "~" and "~/..." (and "~\..." on Windows) are expanded; "~user" is
// left alone.
func (h *host) expandHome(p string) string {
	if h.Home == "" || !strings.HasPrefix(p, "~") {
		return p
	}
	rest := p[1:]
	if rest == "" {
		return h.Home
	}
	if rest[0] == '/' || (h.GOOS == "windows" && rest[0] == '\\') {
		return filepath.Join(h.Home, rest[1:])
	}
	return p
}
