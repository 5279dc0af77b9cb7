package actiontest

import (
	"testing"

	"github.com/kubeboot/kubeboot/internal/sigtest"
)

func sigtestCA(t *testing.T) *sigtest.CA { return sigtest.NewCA(t, sigtest.Options{}) }
