package kubeconfig

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ErrNoToken is matched by *NoTokenError.
var ErrNoToken = errors.New("no bearer token")

// NoTokenError reports a user that authenticates without a bearer token in
// the kubeconfig. Uses says what it uses instead ("an exec plugin (aws)",
// "a client certificate", ...). It matches ErrNoToken.
type NoTokenError struct {
	Context string
	User    string
	Uses    string
}

func (e *NoTokenError) Error() string {
	msg := fmt.Sprintf("user %q of context %q has no bearer token", e.User, e.Context)
	if e.Uses != "" {
		msg += "; it authenticates with " + e.Uses
	}
	return msg
}

// Is makes errors.Is(err, ErrNoToken) true.
func (e *NoTokenError) Is(target error) bool { return target == ErrNoToken }

// ErrEmptyTokenFile: a user's tokenFile is empty and there is no inline
// token to stand in.
var ErrEmptyTokenFile = errors.New("the tokenFile is empty")

// ChooseToken picks the bearer token client-go sends for a user entry with
// an inline token and a tokenFile (a path as it is to be read), by its
// rules (clientcmd and transport's NewBearerAuthWithRefreshRoundTripper):
//
//   - a tokenFile that reads non-empty wins: client-go reads it at each
//     request (fromFile true);
//   - else the inline token, which stands in when the file cannot be read
//     or is empty;
//   - else, with a tokenFile, its read error, or ErrEmptyTokenFile;
//   - neither set: "" and no error.
//
// Tokens are trimmed of surrounding white space; read is os.ReadFile but
// for tests.
func ChooseToken(inline, tokenFile string, read func(string) ([]byte, error)) (token string, fromFile bool, err error) {
	inline = strings.TrimSpace(inline)
	if tokenFile == "" {
		return inline, false, nil
	}
	data, rerr := read(tokenFile)
	if t := strings.TrimSpace(string(data)); rerr == nil && t != "" {
		return t, true, nil
	}
	switch {
	case inline != "":
		return inline, false, nil
	case rerr != nil:
		return "", false, rerr
	}
	return "", false, ErrEmptyTokenFile
}

// Current returns the config's current-context, and whether the config
// defines a context of that name.
func (c *Config) Current() (name string, defined bool) {
	return c.CurrentContext, c.CurrentContext != "" && c.has(KindContext, c.CurrentContext)
}

// UseContext sets current-context to name, as kubectl config use-context
// does: the context must be defined.
func (c *Config) UseContext(name string) error {
	if !c.has(KindContext, name) {
		return &UndefinedError{Kind: KindContext, Name: name, Known: names(c.Contexts)}
	}
	c.CurrentContext = name
	return nil
}

// Token returns the bearer token kubectl sends for the user of contextName
// ("" means the current context), by ChooseToken: the content of its
// tokenFile (relative to the config's folder) when it reads non-empty,
// else its token field, trimmed of surrounding white space.
// Errors: *UndefinedError for an unknown context or user, *NoTokenError for
// a user that authenticates otherwise. The token never appears in an error.
func Token(cfg *Config, contextName string) (string, error) {
	if contextName == "" {
		contextName = cfg.CurrentContext
		if contextName == "" {
			return "", fmt.Errorf("%w: the kubeconfig has no current-context; name a context", ErrUnknownContext)
		}
	}
	ctx, ok := cfg.Lookup(KindContext, contextName)
	if !ok {
		return "", &UndefinedError{Kind: KindContext, Name: contextName, Known: names(cfg.Contexts)}
	}
	_, userName := contextRefs(ctx.Body)
	if userName == "" {
		return "", &NoTokenError{Context: contextName, Uses: "no user at all (anonymous access)"}
	}
	user, ok := cfg.Lookup(KindUser, userName)
	if !ok {
		return "", &UndefinedError{Kind: KindUser, Name: userName, Known: names(cfg.Users)}
	}
	var u struct {
		Token             string `json:"token"`
		TokenFile         string `json:"tokenFile"`
		ClientCertificate string `json:"client-certificate"`
		ClientCertData    string `json:"client-certificate-data"`
		Username          string `json:"username"`
		Exec              *struct {
			Command string `json:"command"`
		} `json:"exec"`
		AuthProvider *struct {
			Name string `json:"name"`
		} `json:"auth-provider"`
	}
	if user.Body != nil {
		if err := DecodeBody(user.Body, &u); err != nil {
			return "", &ParseError{Path: cfg.Path, Err: fmt.Errorf("user %q is malformed", userName)}
		}
	}
	if u.Token != "" || u.TokenFile != "" {
		p := u.TokenFile
		if p != "" && !filepath.IsAbs(p) && cfg.Path != "" {
			p = filepath.Join(filepath.Dir(cfg.Path), p)
		}
		t, _, err := ChooseToken(u.Token, p, os.ReadFile)
		switch {
		case errors.Is(err, ErrEmptyTokenFile):
			return "", &NoTokenError{Context: contextName, User: userName, Uses: "an empty tokenFile " + p}
		case err != nil:
			return "", fmt.Errorf("read the tokenFile of user %q: %w", userName, err)
		case t != "":
			return t, nil
		}
	}
	e := &NoTokenError{Context: contextName, User: userName}
	switch {
	case u.Exec != nil:
		e.Uses = fmt.Sprintf("an exec credential plugin (%s); run it to get a token", filepath.Base(u.Exec.Command))
	case u.AuthProvider != nil:
		e.Uses = fmt.Sprintf("the %q auth provider", u.AuthProvider.Name)
	case u.ClientCertificate != "" || u.ClientCertData != "":
		e.Uses = "a client certificate and key"
	case u.Username != "":
		e.Uses = "a username and password"
	}
	return "", e
}

func names(entries []Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Name
	}
	return out
}
