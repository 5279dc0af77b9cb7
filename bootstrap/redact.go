package bootstrap

import "github.com/kubeboot/kubeboot/bootstrap/internal/fetch"

// RedactURL returns raw with any credentials in it replaced by "redacted"
// (user and password alike, since a token is often passed as the user
// name: https://TOKEN@host/), as every message and report of this module
// shows URLs. A string that does not parse as a URL still loses what lies
// between "://" and the last "@" before the host.
func RedactURL(raw string) string { return fetch.Redact(raw) }
