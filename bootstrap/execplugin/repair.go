package execplugin

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"runtime"

	"github.com/kubeboot/kubeboot/bootstrap/internal/trust"
	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
)

// Probe is the Machine this process runs on: getenv's PATH and PATHEXT
// (nil means os.Getenv), extra folders kubeboot installs into, and the
// disk's answers.
func Probe(getenv func(string) string, extra ...string) Machine {
	if getenv == nil {
		getenv = os.Getenv
	}
	return Machine{
		GOOS: runtime.GOOS, GOARCH: runtime.GOARCH,
		Path: getenv("PATH"), PathExt: getenv("PATHEXT"),
		Extra: extra, IsProgram: isProgram, Flavor: FlavorOf, Untrusted: trust.Check,
	}
}

func isProgram(path string) bool {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	return runtime.GOOS == "windows" || fi.Mode().Perm()&0o111 != 0
}

// maxFlavorScan bounds how much of a program FlavorOf reads.
const maxFlavorScan = 512 << 20

// FlavorOf says whose kubelogin the program at path is, by the Go module
// path built into it ("github.com/Azure/kubelogin" or
// "github.com/int128/kubelogin"); FlavorUnknown when it names neither or
// both, or cannot be read.
func FlavorOf(path string) Flavor {
	f, err := os.Open(path)
	if err != nil {
		return FlavorUnknown
	}
	defer f.Close()
	return scanFlavor(io.LimitReader(f, maxFlavorScan))
}

var (
	azureModule  = []byte("github.com/Azure/kubelogin")
	int128Module = []byte("github.com/int128/kubelogin")
)

func scanFlavor(r io.Reader) Flavor {
	buf := make([]byte, 1<<20)
	keep := len(int128Module) - 1
	n := 0
	var azure, int128 bool
	for {
		m, err := r.Read(buf[n:])
		n += m
		azure = azure || bytes.Contains(buf[:n], azureModule)
		int128 = int128 || bytes.Contains(buf[:n], int128Module)
		if azure && int128 {
			return FlavorUnknown // both: no telling whose it is
		}
		if err != nil {
			switch {
			case azure:
				return FlavorAzure
			case int128:
				return FlavorInt128
			}
			return FlavorUnknown
		}
		if n > keep {
			copy(buf, buf[n-keep:n])
			n = keep
		}
	}
}

// execBody is the part of a user body read here (exact keys, as kubectl).
type execBody struct {
	Exec *Exec `json:"exec"`
}

// badField names the field of a user body's exec section that does not
// decode: exec.apiVersion, exec.command, exec.args, else exec.
func badField(body json.RawMessage) string {
	var u struct {
		Exec map[string]json.RawMessage `json:"exec"`
	}
	if json.Unmarshal(body, &u) == nil {
		for _, k := range []string{"apiVersion", "command", "args"} {
			var v any = new(string)
			if k == "args" {
				v = new([]string)
			}
			if raw, ok := u.Exec[k]; ok && json.Unmarshal(raw, v) != nil {
				return "exec." + k
			}
		}
	}
	return "exec"
}

// usersOf lists the users with an exec section that kubectl sees in
// files: the first file defining a name wins.
func usersOf(files []*kubeconfig.File) []User {
	seen := map[string]bool{}
	var users []User
	for _, f := range files {
		if f.Config == nil {
			continue
		}
		for _, e := range f.Config.Entries(kubeconfig.KindUser) {
			if seen[e.Name] {
				continue
			}
			seen[e.Name] = true
			var b execBody
			if err := kubeconfig.DecodeBody(e.Body, &b); err != nil {
				users = append(users, User{Name: e.Name, File: f.Path, Invalid: badField(e.Body) + " has the wrong type (" + err.Error() + ")"})
				continue
			}
			if b.Exec == nil {
				continue
			}
			users = append(users, User{Name: e.Name, File: f.Path, Exec: *b.Exec})
		}
	}
	return users
}

// Check reads the kubeconfig kubectl uses (opts locates it, as
// kubeconfig.Edit does) and plans each exec user on m. It writes nothing.
func Check(ctx context.Context, opts kubeconfig.EditOptions, m Machine) (*Plan, error) {
	opts.DryRun = true
	var plan *Plan
	_, err := kubeconfig.Edit(ctx, opts, func(files []*kubeconfig.File) error {
		plan = Decide(usersOf(files), m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return plan, nil
}

// RepairResult is what Repair did (or would do, under DryRun).
type RepairResult struct {
	// Plan is the plan made under the locks; its set-api-version and
	// set-command steps (but AfterInstall ones) are what was written.
	Plan *Plan                  `json:"plan"`
	Edit *kubeconfig.EditResult `json:"edit"`
}

// Repair rewrites the exec sections Decide's steps repair, through
// kubeconfig.Edit: under its locks it re-reads the files, decides again on
// m (so a change made meanwhile, by kubectl or anyone, is planned from,
// not overwritten), and sets apiVersion and command (dropping
// `oidc-login` when the command stops being kubectl) in the file that
// defines each user. Steps that wait for an install (AfterInstall) are
// not applied: install first, then Repair with a Machine that sees the
// new programs. Edit's errors (a read-only file, a lock held too long)
// are returned as they are, with nothing written.
func Repair(ctx context.Context, opts kubeconfig.EditOptions, m Machine) (*RepairResult, error) {
	res := &RepairResult{}
	er, err := kubeconfig.Edit(ctx, opts, func(files []*kubeconfig.File) error {
		res.Plan = Decide(usersOf(files), m)
		byUser := map[string][]Step{}
		for _, u := range res.Plan.Users {
			for _, s := range u.Steps {
				if s.Writes() && !s.AfterInstall {
					byUser[u.User] = append(byUser[u.User], s)
				}
			}
		}
		seen := map[string]bool{}
		for _, f := range files {
			if f.Config == nil {
				continue
			}
			users := f.Config.Entries(kubeconfig.KindUser)
			for i := range users {
				if seen[users[i].Name] {
					continue
				}
				seen[users[i].Name] = true
				if steps := byUser[users[i].Name]; len(steps) > 0 {
					body, err := applySteps(users[i].Body, steps)
					if err != nil {
						return err
					}
					users[i].Body = body
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.Edit = er
	return res, nil
}

// applySteps sets the exec fields steps change in a user body, keeping
// every other field (env, installHint, provideClusterInfo, unknown keys)
// as it is.
func applySteps(body json.RawMessage, steps []Step) (json.RawMessage, error) {
	var user map[string]json.RawMessage
	if err := json.Unmarshal(body, &user); err != nil {
		return nil, err
	}
	var exec map[string]json.RawMessage
	if err := json.Unmarshal(user["exec"], &exec); err != nil {
		return nil, err
	}
	set := func(key, value string) { exec[key], _ = json.Marshal(value) }
	for _, s := range steps {
		switch s.Do {
		case DoSetAPIVersion:
			set("apiVersion", s.To)
		case DoSetCommand:
			set("command", s.To)
			if s.DropFirstArg {
				var args []json.RawMessage
				if err := json.Unmarshal(exec["args"], &args); err != nil {
					return nil, err
				}
				if len(args) > 0 {
					exec["args"], _ = json.Marshal(args[1:])
				}
			}
		}
	}
	var err error
	if user["exec"], err = json.Marshal(exec); err != nil {
		return nil, err
	}
	return json.Marshal(user)
}
