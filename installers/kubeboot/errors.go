package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/catalog"
	"github.com/kubeboot/kubeboot/bootstrap/execplugin"
	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
	"github.com/kubeboot/kubeboot/bootstrap/mirrorsync"
	"github.com/kubeboot/kubeboot/bootstrap/store"
	"github.com/kubeboot/kubeboot/bootstrap/verify"
)

// exitCode maps an error to the installer's documented exit codes.
func exitCode(err error) int {
	var ue *usageError
	switch {
	case errors.Is(err, errInterrupted):
		return exitInterrupted
	case errors.As(err, &ue), errors.Is(err, bootstrap.ErrInvalidVersionSpec), errors.Is(err, kubeconfig.ErrInvalidName):
		return exitUsage
	case errors.Is(err, bootstrap.ErrVerification):
		return exitVerification
	case errors.Is(err, kubeconfig.ErrConflict):
		return exitConflict
	case errors.Is(err, verify.ErrUnauthorized):
		return exitUnauthorized
	}
	return exitFailure
}

// explain returns the one-line message for err and, where it helps, a
// second line with what to do next.
func explain(err error) (msg, hint string) {
	if problem, next, ok := verify.Advice(err); ok {
		// verify's errors say what to do themselves; keep what the caller
		// added in front ("setup step 4 (verify access) failed: ...").
		prefix := strings.TrimSuffix(err.Error(), message(problem, next))
		if h := verifyHint(err); h != "" {
			next = h
		}
		if h := kubevirtHint(err); h != "" {
			next = h
		}
		return prefix + problem, next
	}
	msg = err.Error()
	var (
		dns     *net.DNSError
		op      *net.OpError
		uerr    *url.Error
		unknCA  x509.UnknownAuthorityError
		badHost x509.HostnameError
		badCert x509.CertificateInvalidError
		httpErr *bootstrap.HTTPError
	)
	// Where the failing request went, for messages that name the host.
	host := "the server"
	if errors.As(err, &uerr) {
		host = hostOf(uerr.URL)
	}
	switch {
	case toolHint(err) != "":
		hint = toolHint(err)
	case blobHint(err) != "":
		hint = blobHint(err)
	case selfUpdateHint(err) != "":
		hint = selfUpdateHint(err)
	case packageManagerHint(err) != "":
		hint = packageManagerHint(err)
	case errors.Is(err, kubeconfig.ErrConflict):
		hint = "nothing was written; rerun with --on-conflict rename to keep both, or --on-conflict replace to overwrite yours"
	case errors.Is(err, kubeconfig.ErrNotFound):
		// The message already says where we looked and how to get one.
	case errors.Is(err, kubeconfig.ErrLockTimeout):
		hint = "another kubeboot is writing the kubeconfig; wait for it and run again"
		var le *kubeconfig.LockError
		if errors.As(err, &le) && le.Holder == kubeconfig.HolderOtherUser {
			hint = "the lock file is another user's: if no kubeboot or kubectl runs as that user, remove " + le.Lock + " (as that user or root)"
		}
		if errors.As(err, &le) && le.Holder == kubeconfig.HolderKubectl {
			hint = "kubectl is writing the kubeconfig; wait for it and run again (if no kubectl is running, a killed one left " + le.Lock + " behind: remove it)"
		}
	case errors.Is(err, kubeconfig.ErrInvalidConfig):
		hint = "check that the file is a kubeconfig (YAML or JSON) or download it again; nothing was written"
	case errors.Is(err, kubeconfig.ErrUnknownContext):
		hint = "list contexts with: kubeboot kubeconfig list"
	case errors.Is(err, kubeconfig.ErrCurrentContext):
		hint = "nothing was deleted; switch first (kubeboot kubeconfig use NAME) or add --force"
	case errors.Is(err, kubeconfig.ErrNoPreviousContext):
		hint = "kubeboot remembers the previous context from the first kubeboot kubeconfig use on"
	case errors.Is(err, kubeconfig.ErrNoCurrentContext):
		hint = "choose one with kubeboot kubeconfig use NAME, or name it with --context"
	case errors.Is(err, kubeconfig.ErrExists):
		hint = "nothing was changed; choose another name"
	case errors.Is(err, bootstrap.ErrChecksumMismatch):
		hint = "nothing was installed: the download was corrupted or altered on the way; run again, and if it persists check your mirror or proxy"
	case errors.Is(err, bootstrap.ErrBadMarker), errors.Is(err, bootstrap.ErrBadDigest):
		hint = "the mirror did not answer like dl.k8s.io; check --mirror / KUBEBOOT_MIRROR, or a proxy that rewrites pages"
	case errors.Is(err, bootstrap.ErrUnsupportedPlatform):
		hint = "install kubectl with your system's package manager instead"
	case errors.Is(err, bootstrap.ErrInsecureURL):
		hint = "use an https:// mirror"
	case errors.Is(err, bootstrap.ErrNoMatchingVersion), errors.Is(err, bootstrap.ErrInvalidVersionSpec):
		hint = "examples: --version stable, --version 1.36, --version v1.36.4, --version \">=1.35, <1.37\""
	case errors.Is(err, bootstrap.ErrSignatureMissing):
		hint = "use a mirror that publishes kubectl.sig and kubectl.cert beside kubectl, " +
			"or check the checksum only with --verify-signature off"
		var sm *bootstrap.SignatureMissingError
		if errors.As(err, &sm) && sm.ChosenBy != "" && !sm.Required && !bootstrap.SignatureRequired(bootstrap.SignatureAuto, sm.Version, "") {
			hint = "if you trust kubectl " + sm.Version + " unsigned, name it exactly (--version " + sm.Version +
				"; for mirror sync, --versions " + sm.Version + "), or check the checksum only with --verify-signature off"
		}
	case errors.As(err, new(*bootstrap.SignatureError)):
		hint = "this kubectl is not what the expected signer signed: your mirror, proxy or network may have been tampered with; " +
			"nothing was installed. A mirror that re-signs needs --certificate-identity and --certificate-oidc-issuer"
		if se := new(*bootstrap.SignatureError); errors.As(err, se) && (*se).Known != "" {
			hint = "this is the known upstream defect only if you trust this mirror; otherwise it may have been tampered with. " +
				"Another patch of the release line is signed properly (--version with an exact version), " +
				"and --verify-signature off accepts the checksum alone"
		}
	case errors.Is(err, bootstrap.ErrTransparency):
		hint = "the transparency log does not vouch for this signature; nothing was installed"
		if te := new(*bootstrap.TransparencyError); errors.As(err, te) && (*te).Required {
			hint = "check that Rekor is reachable (--rekor-url / KUBEBOOT_REKOR_URL, proxy), or accept the offline check with --transparency auto"
		}
	case errors.Is(err, bootstrap.ErrTrustRoot):
		hint = "KUBEBOOT_SIGSTORE_TUF_ROOT names a private Sigstore deployment: make KUBEBOOT_SIGSTORE_TUF_URL reachable once, " +
			"or give its trusted root with --trusted-root FILE (KUBEBOOT_SIGSTORE_TRUSTED_ROOT); nothing was installed"
	case errors.Is(err, bootstrap.ErrManagedTarget):
		hint = "nothing was written; upgrade it with its package manager (--method auto or --method brew|choco|scoop|winget), " +
			"choose another folder with --dir, or replace it anyway with --force-overwrite"
	case errors.Is(err, bootstrap.ErrDownloadTooLarge):
		hint = "nothing was installed: the mirror sent more than a kubectl can be; check --mirror / KUBEBOOT_MIRROR"
	case errors.Is(err, bootstrap.ErrStalled):
		hint = "the server stopped sending data; check your network or proxy and run again"
	case kubeconfigHint(err) != "":
		hint = kubeconfigHint(err)
	case errors.Is(err, kubeconfig.ErrNoPrivateRoot) || errors.Is(err, kubeconfig.ErrUnsafePrivateRoot):
		hint = "kubeconfig shell and env keep the private kubeconfig in $XDG_RUNTIME_DIR/kubeboot/shells, else $XDG_CACHE_HOME or ~/.cache " +
			"(%LOCALAPPDATA% on Windows): point XDG_RUNTIME_DIR (or HOME) at a folder of your own that others may not write in"
	case errors.Is(err, fs.ErrPermission):
		hint = "choose a folder you can write to with --dir, for example --dir ~/.local/bin"
	case errors.As(err, &unknCA):
		msg = "cannot trust the certificate of " + host + ": it is signed by an unknown authority"
		hint = "behind a TLS-inspecting proxy, point SSL_CERT_FILE at the proxy's CA certificate"
	case errors.As(err, &badHost):
		msg = "the certificate of " + host + " is for another host name (" + badHost.Error() + ")"
		hint = "check the mirror URL, or a proxy that intercepts TLS"
	case errors.As(err, &badCert) && badCert.Reason == x509.Expired:
		msg = "the certificate of " + host + " is expired or not yet valid"
		hint = "check this computer's clock and time zone"
	case errors.As(err, &httpErr) && errors.Is(err, fs.ErrNotExist) && errors.As(err, new(*mirrorsync.Error)):
		hint = "check the versions (--versions; --tools NAME@vX.Y.Z) and where the files come from (--mirror or KUBEBOOT_MIRROR; KUBEBOOT_MIRROR_ROOT for tools)"
	case errors.As(err, &httpErr) && errors.Is(err, fs.ErrNotExist):
		hint = "check the version: kubeboot install kubectl --version stable"
	case errors.As(err, &dns):
		msg = "cannot resolve " + dns.Name + ": " + dns.Err
		hint = "check your network connection, DNS, or proxy settings (HTTPS_PROXY)"
	case errors.As(err, &op) && uerr != nil:
		msg = "cannot reach " + host + ": " + op.Err.Error()
		hint = "check your network connection or proxy settings (HTTPS_PROXY)"
	}
	// What could not be reached matters less than what is missing.
	var ns *store.NotStoredError
	if errors.As(err, &ns) && ns.Err != nil && !strings.Contains(msg, ns.Subject()) {
		msg = fmt.Sprintf("%s for %s is not in the store %s, and installing it failed: %s", ns.Subject(), ns.Platform, ns.Dir, msg)
		hint = "connect to the network (or set a reachable mirror with KUBEBOOT_MIRROR) once, and it is kept for offline use; kubeboot kubectl list shows what is stored"
	}
	return msg, hint
}

// fixSkew is the command that installs the kubectl matching the server.
const fixSkew = "kubeboot install kubectl --version cluster"

// skewFix fills a skew verdict's Fix with this CLI's command.
func skewFix(v *verify.SkewVerdict) {
	if v != nil && v.Level != verify.SkewOK {
		v.Fix = fixSkew
	}
}

// verifyHint words, with this CLI's commands and flags, the verify errors
// whose library hint cannot name them; "" keeps the library's.
func verifyHint(err error) string {
	var ce *verify.ConfigError
	var ee *verify.ExecError
	switch {
	case errors.As(err, &ce) && ce.Reason == verify.ConfigNoFile:
		return "import your provider's kubeconfig first (kubeboot setup), or name it with --kubeconfig"
	case errors.As(err, &ce) && ce.Reason == verify.ConfigUnreadable:
		return "fix the file, or point --kubeconfig / KUBECONFIG at a valid one"
	case errors.As(err, &ce) && ce.Reason == verify.ConfigNoCurrentContext:
		return "select one with --context NAME, or kubectl config use-context NAME"
	case errors.Is(err, verify.ErrTimeout):
		return "the server or the network is slow: retry, or allow more time with --request-timeout 2m"
	case errors.As(err, &ce) && ce.Reason == verify.ConfigExecAPIVersion:
		return "kubeboot kubeconfig plugins --fix sets it to " + verify.ExecV1beta1 + " (a backup is kept; --dry-run shows the change first)"
	case errors.As(err, &ee) && ee.Answered != "":
		return "the plugin is too old for the kubeconfig's API version: " + upgradePlugin(ee.Command)
	case errors.As(err, &ee) && ee.NotFound:
		fix := "kubeboot kubeconfig plugins --fix installs " + ee.Command + " when it is a plugin kubeboot knows, or points the kubeconfig at the copy found here"
		if ee.InstallHint != "" {
			return fix + "; the kubeconfig says: " + strings.Join(strings.Fields(ee.InstallHint), " ")
		}
		return fix + " (else install it as your provider's documentation says and make sure it is on PATH)"
	}
	return ""
}

// upgradePlugin says how to upgrade the plugin command: through the
// catalogue when it is one of kubeboot's tools.
func upgradePlugin(command string) string {
	tool := string(execplugin.Classify(execplugin.Exec{Command: command}))
	if t := catalog.Lookup(tool); t != nil && t.Delegate == "" {
		return "upgrade it: kubeboot install " + tool
	}
	return "upgrade it with the installer it came from"
}

// parseRequestTimeout reads a duration as kubectl's --request-timeout
// does: a bare number is seconds, "0" means no limit.
func parseRequestTimeout(s string) (time.Duration, error) {
	if n, err := strconv.Atoi(s); err == nil && n >= 0 {
		if n == 0 {
			return -1, nil
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, usageErrorf("--request-timeout %q: use a duration such as 30s or 2m, or 0 for no limit", s)
	}
	if d == 0 {
		return -1, nil
	}
	return d, nil
}

// message is how a verify error prints itself: "problem; hint".
func message(problem, hint string) string {
	if hint == "" {
		return problem
	}
	return problem + "; " + hint
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}

// kubeconfigHint says what to do about a kubeconfig file that cannot be
// read or written: it names the file, never an installer flag. It is
// matched before the generic permission case.
func kubeconfigHint(err error) string {
	const other = "or choose another kubeconfig with --kubeconfig or KUBECONFIG"
	var (
		ro *kubeconfig.ReadOnlyError
		we *kubeconfig.WriteError
		re *kubeconfig.ReadError
	)
	switch {
	case errors.As(err, &ro) && ro.FileSystem:
		return "the file system of " + ro.File + " is mounted read-only: mount it read-write if the change is meant, " + other
	case errors.As(err, &ro):
		return "make " + ro.File + " writable (chmod u+w " + ro.File + ") if the change is meant, " + other
	case errors.As(err, &we):
		return "check that you may write " + we.File + " and its folder (ls -l; kubectl needs the same), " + other
	case errors.As(err, &re) && errors.Is(err, kubeconfig.ErrTooLarge):
		return re.File + " is not a kubeconfig; " + strings.TrimPrefix(other, "or ")
	case errors.As(err, &re) && re.Source && errors.Is(err, fs.ErrPermission):
		return "make " + re.File + " readable for your user (ls -l), or name another file to import"
	case errors.As(err, &re) && re.Source:
		return "check " + re.File + " (ls -l), or name another file to import"
	case errors.As(err, &re) && errors.Is(err, fs.ErrPermission):
		return "make " + re.File + " readable for your user (ls -l), " + other
	case errors.As(err, &re):
		return "check " + re.File + " (ls -l), " + other
	}
	return ""
}
