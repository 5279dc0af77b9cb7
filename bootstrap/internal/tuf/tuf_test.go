package tuf

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/internal/verifyerr"
	"github.com/kubeboot/kubeboot/internal/sigtest"
)

// publicGood returns the folder of the real public-good metadata, or skips.
func publicGood(t *testing.T) string {
	t.Helper()
	fx, ok := sigtest.FixturesDir()
	dir := filepath.Join(filepath.Dir(fx), "tuf-public-good")
	if _, err := os.Stat(filepath.Join(dir, "README.md")); !ok && err != nil {
		t.Skip("no ../shared/fixtures/tuf-public-good")
	}
	return dir
}

var numbered = regexp.MustCompile(`^(\d+)\.(root|snapshot|targets)\.json$`)

// repoOf serves the fixture folder as the repository does (consistent
// snapshots), from files, with edits by name.
func repoOf(t *testing.T, dir string, edit map[string]func([]byte) []byte) Fetch {
	return func(name string, max int64) ([]byte, error) {
		var path string
		if m := numbered.FindStringSubmatch(name); m != nil {
			switch m[2] {
			case "root":
				path = filepath.Join(dir, "root_history", name)
			default:
				path = filepath.Join(dir, m[2]+".json")
				var v struct {
					Signed struct{ Version int64 } `json:"signed"`
				}
				b, _ := os.ReadFile(path)
				json.Unmarshal(b, &v)
				if strconv.FormatInt(v.Signed.Version, 10) != m[1] {
					return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
				}
			}
		} else if name == "timestamp.json" {
			path = filepath.Join(dir, name)
		} else if strings.HasPrefix(name, "targets/") && strings.HasSuffix(name, ".trusted_root.json") {
			path = filepath.Join(filepath.Dir(dir), "sigstore", "trust", "trusted_root.json")
		} else {
			return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
		}
		if e := edit[name]; e != nil {
			b = e(b)
		}
		if int64(len(b)) > max {
			return nil, fmt.Errorf("%s: too large", name)
		}
		return b, nil
	}
}

var day = time.Date(2026, 8, 22, 0, 0, 0, 0, time.UTC)

// The real chain from root 1 verifies on the day its metadata were made,
// to root 15 and the trusted root kubeboot embeds.
func TestPublicGoodChain(t *testing.T) {
	dir := publicGood(t)
	root1, err := os.ReadFile(filepath.Join(dir, "root_history", "1.root.json"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Update(State{Root: root1}, day, repoOf(t, dir, nil), "trusted_root.json")
	if err != nil {
		t.Fatal(err)
	}
	embedded, _ := os.ReadFile(filepath.Join(filepath.Dir(dir), "sigstore", "trust", "trusted_root.json"))
	if res.Root.Version != 15 || string(res.Target) != string(embedded) || res.State.TimestampVersion != 762 {
		t.Fatalf("root %d, timestamp %d, target %d bytes", res.Root.Version, res.State.TimestampVersion, len(res.Target))
	}
	// Again from the state it returned: nothing new, the same answer.
	again, err := Update(res.State, day, repoOf(t, dir, nil), "trusted_root.json")
	if err != nil || again.Root.Version != 15 {
		t.Fatalf("again: %v", err)
	}
}

func wantUntrusted(t *testing.T, err error, says string) {
	t.Helper()
	if !errors.Is(err, ErrUntrusted) || !errors.Is(err, verifyerr.ErrVerification) || !strings.Contains(err.Error(), says) {
		t.Fatalf("err = %v, want ErrUntrusted saying %q", err, says)
	}
}

// Every way the real repository can be made to lie is refused.
func TestPublicGoodRefusals(t *testing.T) {
	dir := publicGood(t)
	root1, _ := os.ReadFile(filepath.Join(dir, "root_history", "1.root.json"))
	replace := func(old, new string) func([]byte) []byte {
		return func(b []byte) []byte { return []byte(strings.Replace(string(b), old, new, 1)) }
	}
	dropSigs := func(keep int) func([]byte) []byte {
		return func(b []byte) []byte {
			var m map[string]any
			json.Unmarshal(b, &m)
			m["signatures"] = m["signatures"].([]any)[:keep]
			out, _ := json.Marshal(m)
			return out
		}
	}
	dupSig := func(b []byte) []byte {
		var m map[string]any
		json.Unmarshal(b, &m)
		s := m["signatures"].([]any)
		m["signatures"] = []any{s[0], s[0], s[0], s[0], s[0]}
		out, _ := json.Marshal(m)
		return out
	}
	cases := []struct {
		name string
		now  time.Time
		st   State
		edit map[string]func([]byte) []byte
		says string
	}{
		{"stale at a later date (freeze)", time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), State{}, nil, "expired"},
		{"timestamp expired, roots fresh", time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), State{}, nil, "timestamp.json expired"},
		// From root 15 (the embedded one): from root 1 the chain rotates
		// the online keys, and the versions trusted under the old ones
		// are forgotten (TestUpdateForgetsOnlineVersionsWhenTheirKeysRotate).
		{"rollback of the timestamp", day, State{Root: PublicGoodRoot, TimestampVersion: 763}, nil, "rollback"},
		{"rollback of the snapshot", day, State{Root: PublicGoodRoot, SnapshotVersion: 166}, nil, "rollback"},
		{"a root signed below threshold", day, State{}, map[string]func([]byte) []byte{"3.root.json": dropSigs(1)}, "below its threshold"},
		{"one signature repeated counts once", day, State{}, map[string]func([]byte) []byte{"15.root.json": dupSig}, "below its threshold"},
		{"a root's signed part changed (unknown field)", day, State{}, map[string]func([]byte) []byte{
			"15.root.json": replace(`"x-tuf-on-ci-expiry-period": `, `"x-tuf-on-ci-expiry-period": 1`)}, "below its threshold"},
		{"timestamp changed", day, State{}, map[string]func([]byte) []byte{"timestamp.json": replace(`"version": 165`, `"version": 164`)}, "below its threshold"},
		{"wrong target hash", day, State{}, map[string]func([]byte) []byte{
			"targets/6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66.trusted_root.json": replace(`"mediaType"`, `"mediaTypE"`)}, "sha256"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.st.Root == nil {
				c.st.Root = root1
			}
			_, err := Update(c.st, c.now, repoOf(t, dir, c.edit), "trusted_root.json")
			wantUntrusted(t, err, c.says)
		})
	}
}

func TestCanonical(t *testing.T) {
	got, err := Canonical([]byte(`{"b": [1, "x\"y\\z", null, true], "a": {"é": "ü\n", "A": -3}, "_z": {}}`))
	want := "{\"_z\":{},\"a\":{\"A\":-3,\"é\":\"ü\n\"},\"b\":[1,\"x\\\"y\\\\z\",null,true]}"
	if err != nil || string(got) != want {
		t.Fatalf("Canonical = %s, %v\nwant %s", got, err, want)
	}
	if _, err := Canonical([]byte(`{"a": 1.5}`)); err == nil {
		t.Fatal("a float made canonical JSON")
	}
}
