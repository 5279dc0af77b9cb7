package verify

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Exec credential API versions this package runs, as kubectl does.
const (
	ExecV1      = "client.authentication.k8s.io/v1"
	ExecV1beta1 = "client.authentication.k8s.io/v1beta1"
)

// execConfig is the exec field of a kubeconfig user.
type execConfig struct {
	APIVersion string   `json:"apiVersion"`
	Command    string   `json:"command"`
	Args       []string `json:"args"`
	Env        []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"env"`
	InstallHint        string `json:"installHint"`
	ProvideClusterInfo bool   `json:"provideClusterInfo"`
	InteractiveMode    string `json:"interactiveMode"`
}

type execCredential struct {
	token     string
	cert, key []byte
}

// maxExecOutput caps what is read from a plugin's stdout.
const maxExecOutput = 1 << 20

// runExec runs the plugin as kubectl does, without a terminal: stdin is
// empty, KUBERNETES_EXEC_INFO says interactive is false, and the run is
// bounded by o.ExecTimeout. Its stdout is parsed as an ExecCredential and
// never quoted; its stderr goes to o.ExecStderr.
func runExec(ctx context.Context, ec *execConfig, t *target, o *Options) (*execCredential, error) {
	name := filepath.Base(ec.Command)
	fail := func(err error) *ExecError { return &ExecError{Command: name, ExitCode: -1, Err: err} }
	if ec.Command == "" {
		return nil, configErr("download the kubeconfig again", "user %q has an exec plugin without a command", t.user)
	}
	switch ec.APIVersion {
	case ExecV1, ExecV1beta1:
	case "client.authentication.k8s.io/v1alpha1":
		ce := configErr("set it to "+ExecV1beta1+" (current plugins answer in it), or update the plugin and download the kubeconfig again; kubectl dropped v1alpha1 in 1.24",
			"user %q: exec plugin API version %s is no longer supported", t.user, ec.APIVersion)
		ce.Reason = ConfigExecAPIVersion
		return nil, ce
	default:
		return nil, configErr("use "+ExecV1, "user %q: unknown exec plugin API version %q", t.user, ec.APIVersion)
	}
	switch ec.InteractiveMode {
	case "", "Never", "IfAvailable":
		if ec.InteractiveMode == "" && ec.APIVersion == ExecV1 {
			return nil, configErr("set interactiveMode: Never (or IfAvailable) in the exec section, as kubectl requires for "+ExecV1,
				"user %q: the exec plugin has no interactiveMode", t.user)
		}
	case "Always":
		return nil, configErr("run any kubectl command in a terminal once to let the plugin log you in, or set interactiveMode: IfAvailable",
			"user %q: the exec plugin needs an interactive terminal (interactiveMode: Always)", t.user)
	default:
		return nil, configErr("use Never, IfAvailable or Always", "user %q: unknown exec interactiveMode %q", t.user, ec.InteractiveMode)
	}

	info := map[string]any{"apiVersion": ec.APIVersion, "kind": "ExecCredential", "spec": map[string]any{"interactive": false}}
	if ec.ProvideClusterInfo {
		cl := map[string]any{"server": t.serverURL}
		cb := t.clusterBody
		if cb.TLSServerName != "" {
			cl["tls-server-name"] = cb.TLSServerName
		}
		if cb.Insecure {
			cl["insecure-skip-tls-verify"] = true
		}
		if len(t.caPEM) > 0 {
			cl["certificate-authority-data"] = base64.StdEncoding.EncodeToString(t.caPEM)
		}
		if cb.ProxyURL != "" {
			cl["proxy-url"] = cb.ProxyURL
		}
		info["spec"].(map[string]any)["cluster"] = cl
	}
	infoJSON, _ := json.Marshal(info)

	ctx, cancel := context.WithTimeout(ctx, o.ExecTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, ec.Command, ec.Args...)
	cmd.Env = os.Environ()
	for _, e := range ec.Env {
		cmd.Env = append(cmd.Env, e.Name+"="+e.Value)
	}
	cmd.Env = append(cmd.Env, "KUBERNETES_EXEC_INFO="+string(infoJSON))
	var stdout bytes.Buffer
	cmd.Stdout = &limitWriter{w: &stdout, n: maxExecOutput}
	cmd.Stderr = o.ExecStderr
	if cmd.Stderr == nil {
		cmd.Stderr = io.Discard
	}
	cmd.WaitDelay = 2 * time.Second
	o.logf("running exec credential plugin %s", name)
	err := cmd.Run()
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		e := fail(fmt.Errorf("no credential within %v", o.ExecTimeout))
		e.TimedOut = true
		return nil, e
	case errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist):
		e := fail(fmt.Errorf("executable %s not found", ec.Command))
		e.NotFound, e.InstallHint = true, ec.InstallHint
		return nil, e
	case err != nil:
		e := fail(err) // "exit status N" or an OS error: never the output
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			e.ExitCode = ee.ExitCode()
		}
		return nil, e
	}

	var out struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Status     *struct {
			Token                 string `json:"token"`
			ClientCertificateData string `json:"clientCertificateData"`
			ClientKeyData         string `json:"clientKeyData"`
		} `json:"status"`
	}
	if json.Unmarshal(stdout.Bytes(), &out) != nil || out.Kind != "ExecCredential" {
		return nil, fail(errors.New("its output is not an ExecCredential JSON object"))
	}
	if out.APIVersion != ec.APIVersion {
		e := fail(fmt.Errorf("it answered API version %q, but the kubeconfig asks for %q", out.APIVersion, ec.APIVersion))
		e.Answered = out.APIVersion
		return nil, e
	}
	if out.Status == nil {
		return nil, fail(errors.New("its ExecCredential has no status"))
	}
	cred := &execCredential{token: out.Status.Token}
	if out.Status.ClientCertificateData != "" || out.Status.ClientKeyData != "" {
		if out.Status.ClientCertificateData == "" || out.Status.ClientKeyData == "" {
			return nil, fail(errors.New("its ExecCredential has a client certificate without a key, or a key without a certificate"))
		}
		cred.cert, cred.key = []byte(out.Status.ClientCertificateData), []byte(out.Status.ClientKeyData)
	}
	if cred.token == "" && cred.cert == nil {
		return nil, fail(errors.New("its ExecCredential holds neither a token nor a client certificate"))
	}
	return cred, nil
}

// limitWriter keeps the first n bytes and discards the rest, so that a
// runaway plugin cannot exhaust memory.
type limitWriter struct {
	w io.Writer
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n <= 0 {
		return len(p), nil
	}
	q := p
	if len(q) > l.n {
		q = q[:l.n]
	}
	l.n -= len(q)
	if _, err := l.w.Write(q); err != nil {
		return 0, err
	}
	return len(p), nil
}
