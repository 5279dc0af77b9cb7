package actiontest

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/kubeboot/kubeboot/internal/sigtest"
)

func sigtestCA(t *testing.T) *sigtest.CA { return sigtest.NewCA(t, sigtest.Options{}) }

func sha256hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
