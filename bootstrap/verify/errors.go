package verify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinels matched by the typed errors below with errors.Is.
var (
	// ErrUnreachable: no connection to the API server (refused, DNS, proxy,
	// timeout). Matched by *UnreachableError.
	ErrUnreachable = errors.New("API server unreachable")
	// ErrTLS: the TLS handshake failed. Matched by *TLSError.
	ErrTLS = errors.New("TLS handshake failed")
	// ErrUnauthorized: the server answered 401. Matched by
	// *UnauthorizedError.
	ErrUnauthorized = errors.New("credentials rejected (401 Unauthorized)")
	// ErrBadConfig: the kubeconfig cannot be used as it is. Matched by
	// *ConfigError.
	ErrBadConfig = errors.New("unusable kubeconfig")
	// ErrExecPlugin: the exec credential plugin failed. Matched by
	// *ExecError.
	ErrExecPlugin = errors.New("exec credential plugin failed")
	// ErrTimeout: the whole check took longer than Options.TotalTimeout.
	// Matched by *TimeoutError (which also matches
	// context.DeadlineExceeded).
	ErrTimeout = errors.New("verify timed out")
)

// advised is implemented by every error of this package: what happened,
// and what to do about it.
type advised interface {
	error
	problem() string
	hint() string
}

// Advice splits an error returned by this package into what happened and
// what to do next, for a caller that prints them on two lines. ok is false
// for other errors. Error() of the same errors is "problem; hint".
func Advice(err error) (problem, hint string, ok bool) {
	var a advised
	if !errors.As(err, &a) {
		return "", "", false
	}
	return a.problem(), a.hint(), true
}

func message(a advised) string {
	if h := a.hint(); h != "" {
		return a.problem() + "; " + h
	}
	return a.problem()
}

// UnreachableError reports that no HTTP exchange with Server happened:
// connection refused, unknown host, a proxy that failed, or no answer in
// time. It matches ErrUnreachable.
type UnreachableError struct {
	Server string // the server URL of the kubeconfig
	Proxy  string // the proxy in use, without credentials; "" for none
	Err    error
}

func (e *UnreachableError) problem() string {
	via := ""
	if e.Proxy != "" {
		via = " via proxy " + e.Proxy
	}
	return fmt.Sprintf("cannot reach the API server %s%s: %v", e.Server, via, e.Err)
}

func (e *UnreachableError) hint() string {
	if e.Proxy != "" {
		return "check your network connection and the proxy (proxy-url in the kubeconfig, or HTTPS_PROXY); is the server address right?"
	}
	return "check your network connection, VPN and proxy settings (HTTPS_PROXY), and that the server address in the kubeconfig is right"
}

func (e *UnreachableError) Error() string        { return message(e) }
func (e *UnreachableError) Unwrap() error        { return e.Err }
func (e *UnreachableError) Is(target error) bool { return target == ErrUnreachable }

// TLSReason classifies a *TLSError.
type TLSReason string

// The reasons a TLS handshake fails.
const (
	TLSUnknownAuthority TLSReason = "unknown-authority" // the CA in the kubeconfig did not sign the server's certificate
	TLSExpired          TLSReason = "expired"           // the certificate is expired or not yet valid (or the clock is off)
	TLSWrongHost        TLSReason = "wrong-host"        // the certificate is not for the server's name
	TLSNotTLS           TLSReason = "not-tls"           // the server did not answer with TLS
	TLSOther            TLSReason = "other"
)

// TLSError reports a failed TLS handshake with Server. It matches ErrTLS.
type TLSError struct {
	Server string
	Reason TLSReason
	Err    error
}

func (e *TLSError) problem() string {
	return fmt.Sprintf("TLS with the API server %s failed: %v", e.Server, e.Err)
}

func (e *TLSError) hint() string {
	switch e.Reason {
	case TLSUnknownAuthority:
		return "the server's certificate is not signed by the kubeconfig's certificate-authority: wrong CA, or your clock is off; download the kubeconfig again, or behind a TLS-inspecting proxy ask your IT for its CA"
	case TLSExpired:
		return "the certificate is outside its validity period: check your computer's clock and time zone first, then download the kubeconfig again"
	case TLSWrongHost:
		return "the certificate is for another name: use the server address from your provider's kubeconfig, or set tls-server-name in the cluster entry"
	case TLSNotTLS:
		return "the server does not speak TLS on that port: check the scheme and port of the server address"
	}
	return "wrong CA, or your clock is off; download the kubeconfig again"
}

func (e *TLSError) Error() string        { return message(e) }
func (e *TLSError) Unwrap() error        { return e.Err }
func (e *TLSError) Is(target error) bool { return target == ErrTLS }

// UnauthorizedError reports a 401 from Server, or a 403 to
// system:anonymous although credentials were sent: the credentials of User
// (the kubeconfig user entry) were not accepted. It matches
// ErrUnauthorized.
type UnauthorizedError struct {
	Server     string
	User       string
	AuthMethod string // "token", "client certificate", "exec plugin", ...
	// Anonymous reports a 403 to system:anonymous rather than a 401: the
	// server ignored the credentials (basic auth, which Kubernetes no
	// longer accepts, or a server that treats unknown ones as anonymous).
	Anonymous bool
}

func (e *UnauthorizedError) problem() string {
	if e.Anonymous {
		return fmt.Sprintf("the API server %s did not accept the %s of user %q and took the request as anonymous (403 Forbidden to system:anonymous)", e.Server, e.AuthMethod, e.User)
	}
	return fmt.Sprintf("the API server %s rejected the %s of user %q (401 Unauthorized)", e.Server, e.AuthMethod, e.User)
}

func (e *UnauthorizedError) hint() string {
	switch e.AuthMethod {
	case AuthToken, AuthTokenFile:
		return "the token was revoked or mistyped: ask your org admin for a new kubeconfig on the API Access page, then import it"
	case AuthClientCert:
		return "the client certificate is expired, revoked or for another cluster: get a new kubeconfig from your provider"
	case AuthNone:
		return "the kubeconfig has no credentials for this user: get a complete kubeconfig from your provider"
	case AuthWithheld:
		return "the server address is plain http, so no credentials were sent (kubectl sends none either): use the server's https address"
	case AuthBasic:
		return "Kubernetes API servers no longer accept a username and password (basic auth was removed in 1.19): get a kubeconfig with a token or an exec plugin from your provider"
	}
	return "the credentials were revoked, mistyped or expired: get new ones from your provider (for an exec plugin, log in again)"
}

func (e *UnauthorizedError) Error() string        { return message(e) }
func (e *UnauthorizedError) Is(target error) bool { return target == ErrUnauthorized }

// ConfigReason classifies the *ConfigError cases a caller may word in its
// own terms (naming its flags or commands, which this package never does).
type ConfigReason string

// The reasons of a *ConfigError; most have ConfigOther.
const (
	ConfigOther ConfigReason = ""
	// ConfigNoFile: none of the kubeconfig files exists.
	ConfigNoFile ConfigReason = "no-file"
	// ConfigUnreadable: a kubeconfig file does not parse or cannot be read.
	ConfigUnreadable ConfigReason = "unreadable"
	// ConfigNoCurrentContext: no context was asked for and the kubeconfig
	// has no current-context.
	ConfigNoCurrentContext ConfigReason = "no-current-context"
	// ConfigExecAPIVersion: a user's exec plugin names an API version
	// kubectl no longer runs (client.authentication.k8s.io/v1alpha1).
	ConfigExecAPIVersion ConfigReason = "exec-api-version"
)

// ConfigError reports a kubeconfig that cannot be used: no file, an unknown
// context, a missing certificate file, contradictory settings. It matches
// ErrBadConfig and wraps the cause, if any. Hint names no command or flag
// of any program but kubectl; Reason lets a CLI say it with its own.
type ConfigError struct {
	Problem string
	Hint    string
	Reason  ConfigReason
	Err     error
}

func (e *ConfigError) problem() string {
	if e.Err != nil {
		return e.Problem + ": " + e.Err.Error()
	}
	return e.Problem
}

func (e *ConfigError) hint() string         { return e.Hint }
func (e *ConfigError) Error() string        { return message(e) }
func (e *ConfigError) Unwrap() error        { return e.Err }
func (e *ConfigError) Is(target error) bool { return target == ErrBadConfig }
func configErr(hint, format string, args ...any) *ConfigError {
	return &ConfigError{Problem: fmt.Sprintf(format, args...), Hint: hint}
}

// ExecError reports an exec credential plugin that could not be run, failed,
// timed out or printed no usable credential. Its message names the command
// but never holds the plugin's output, which may carry a credential. It
// matches ErrExecPlugin.
type ExecError struct {
	// Command is the plugin's command as the kubeconfig names it (its base
	// name when it is a path).
	Command string
	// NotFound reports that the command is not on PATH or does not exist;
	// InstallHint is then the kubeconfig's own installHint, if any, which
	// the hint shows as kubectl does.
	NotFound    bool
	InstallHint string
	ExitCode    int // -1 when it did not exit by itself
	TimedOut    bool
	// Answered is the API version the plugin answered in when it is not
	// the kubeconfig's (kubectl: no kind "ExecCredential" is registered
	// for version ...): a plugin too old for it.
	Answered string
	Err      error
}

func (e *ExecError) problem() string {
	return fmt.Sprintf("exec credential plugin %s: %v", e.Command, e.Err)
}

func (e *ExecError) hint() string {
	switch {
	case e.NotFound && e.InstallHint != "":
		return strings.Join(strings.Fields(e.InstallHint), " ")
	case e.NotFound:
		return fmt.Sprintf("the kubeconfig's user runs the credential plugin %s, which is not installed here: install it (your provider's documentation names it) and make sure it is on PATH", e.Command)
	case e.Answered != "":
		return "the plugin is too old for the kubeconfig's API version: upgrade it"
	case e.TimedOut:
		return "the plugin did not finish in time; it may be waiting for a login in a browser or a prompt: run it once yourself, then retry"
	}
	return "run the plugin yourself to see its message (it may need you to log in), then retry"
}

func (e *ExecError) Error() string        { return message(e) }
func (e *ExecError) Unwrap() error        { return e.Err }
func (e *ExecError) Is(target error) bool { return target == ErrExecPlugin }

// HTTPError reports an unexpected answer from the API server. Message is
// the server's own explanation (a metav1.Status message), when it sent one.
type HTTPError struct {
	Method, Path string
	StatusCode   int
	Message      string
}

func (e *HTTPError) problem() string {
	msg := fmt.Sprintf("%s %s: the API server answered %d", e.Method, e.Path, e.StatusCode)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

func (e *HTTPError) hint() string {
	if e.StatusCode == 404 {
		return "the server lacks this API: is the server address a Kubernetes API server, of version 1.28 or newer?"
	}
	return ""
}

func (e *HTTPError) Error() string { return message(e) }

// TimeoutError reports that Verify did not finish within Options.TotalTimeout
// (a slow server, or one that keeps paging). It matches ErrTimeout and
// context.DeadlineExceeded.
type TimeoutError struct {
	Server  string
	Timeout time.Duration
}

func (e *TimeoutError) problem() string {
	return fmt.Sprintf("the API server %s did not answer every check within %v", e.Server, e.Timeout)
}

func (e *TimeoutError) hint() string {
	return "the server or the network is slow: retry, or allow more time"
}

func (e *TimeoutError) Error() string { return message(e) }

// Is matches ErrTimeout and context.DeadlineExceeded.
func (e *TimeoutError) Is(target error) bool {
	return target == ErrTimeout || target == context.DeadlineExceeded
}
