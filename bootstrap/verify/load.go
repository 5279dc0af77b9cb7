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
// when no file exists the error is a *ConfigError with Reason ConfigNoFile,
// and a file that does not parse gives Reason ConfigUnreadable. The result
// has no Path.
func LoadMerged(files []string) (*kubeconfig.Config, error) {
	merged, err := kubeconfig.LoadView(files)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		e := configErr("import your provider's kubeconfig first, or name the file to use",
			"no kubeconfig file found (looked for %s)", strings.Join(files, ", "))
		e.Reason = ConfigNoFile
		return nil, e
	case err != nil:
		return nil, &ConfigError{Problem: "cannot read the kubeconfig", Err: err, Reason: ConfigUnreadable,
			Hint: "fix the file, or point KUBECONFIG at a valid one"}
	}
	return merged, nil
}
