// Package verifyerr holds the one sentinel that every "cannot be trusted"
// error of kubeboot matches, so that packages bootstrap imports (such as
// bootstrap/sigstore) can match it without importing bootstrap. bootstrap
// re-exports it as bootstrap.ErrVerification; callers use that name.
package verifyerr

import "errors"

// ErrVerification is bootstrap.ErrVerification.
var ErrVerification = errors.New("verification failed")
