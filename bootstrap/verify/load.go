package verify

import (
	"errors"
	"io/fs"
	"strings"

	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
)

// LoadMerged reads files (highest precedence first, as
// kubeconfig.Locations.Files lists them) into kubectl's merged view: for a
// name defined in several files the first file wins, and so does the first
// non-empty current-context. Relative paths in each file (certificate
// files, tokenFile, an exec command with a separator) are made absolute
// from that file's folder. Missing files are skipped, as kubectl skips them;
// when no file exists the error is a *ConfigError. The result has no Path.
func LoadMerged(files []string) (*kubeconfig.Config, error) {
	merged, err := kubeconfig.LoadView(files)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, configErr("import your provider's kubeconfig first (kubeboot setup), or name it with --kubeconfig",
			"no kubeconfig file found (looked for %s)", strings.Join(files, ", "))
	case err != nil:
		return nil, &ConfigError{Problem: "cannot read the kubeconfig", Err: err,
			Hint: "fix the file, or point --kubeconfig / KUBECONFIG at a valid one"}
	}
	return merged, nil
}
