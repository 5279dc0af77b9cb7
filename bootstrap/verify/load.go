package verify

import (
	"encoding/json"
	"errors"
	"io/fs"
	"path/filepath"
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
	merged := kubeconfig.NewConfig("")
	found := 0
	for _, f := range files {
		c, err := kubeconfig.Load(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, &ConfigError{Problem: "cannot read kubeconfig " + f, Err: err,
				Hint: "fix the file, or point --kubeconfig / KUBECONFIG at a valid one"}
		}
		found++
		base, err := filepath.Abs(filepath.Dir(f))
		if err != nil {
			return nil, &ConfigError{Problem: "cannot resolve the folder of " + f, Err: err}
		}
		if merged.CurrentContext == "" {
			merged.CurrentContext = c.CurrentContext
		}
		for _, k := range kubeconfig.Kinds {
			for _, e := range c.Entries(k) {
				if _, taken := merged.Lookup(k, e.Name); taken {
					continue
				}
				e.Body = resolveBody(k, e.Body, base)
				switch k {
				case kubeconfig.KindCluster:
					merged.Clusters = append(merged.Clusters, e)
				case kubeconfig.KindUser:
					merged.Users = append(merged.Users, e)
				default:
					merged.Contexts = append(merged.Contexts, e)
				}
			}
		}
	}
	if found == 0 {
		return nil, configErr("import your provider's kubeconfig first (kubeboot setup), or name it with --kubeconfig",
			"no kubeconfig file found (looked for %s)", strings.Join(files, ", "))
	}
	return merged, nil
}

// resolveBody makes the relative paths of a cluster or user body absolute
// from base, as kubectl does when it loads a file.
func resolveBody(k kubeconfig.Kind, body json.RawMessage, base string) json.RawMessage {
	var keys []string
	switch k {
	case kubeconfig.KindCluster:
		keys = []string{"certificate-authority"}
	case kubeconfig.KindUser:
		keys = []string{"client-certificate", "client-key", "tokenFile"}
	default:
		return body
	}
	var m map[string]json.RawMessage
	if body == nil || json.Unmarshal(body, &m) != nil {
		return body
	}
	abs := func(raw json.RawMessage, needSep bool) json.RawMessage {
		var s string
		if json.Unmarshal(raw, &s) != nil || s == "" || filepath.IsAbs(s) {
			return raw
		}
		if needSep && !strings.ContainsAny(s, `/\`) {
			return raw // a command looked up on PATH
		}
		out, _ := json.Marshal(filepath.Join(base, s))
		return out
	}
	for _, key := range keys {
		if v, ok := m[key]; ok {
			m[key] = abs(v, false)
		}
	}
	if ex, ok := m["exec"]; ok && k == kubeconfig.KindUser {
		var em map[string]json.RawMessage
		if json.Unmarshal(ex, &em) == nil && em != nil {
			if cmd, ok := em["command"]; ok {
				em["command"] = abs(cmd, true)
				m["exec"], _ = json.Marshal(em)
			}
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}
