package exeinstall

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

// install writes body as dir/base through the one install path.
func install(t *testing.T, dir, base, tool, version, body string) string {
	t.Helper()
	d, err := Lock(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Unlock()
	f, err := d.Create(base)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte(body))
	f.Describe(tool, version)
	if err := f.Commit(0o755); err != nil {
		t.Fatal(err)
	}
	return f.Sum()
}

func TestCommitRecordsWhatItInstalled(t *testing.T) {
	dir := filepath.Join(testutil.TempDir(t), "bin [x] é")
	os.MkdirAll(dir, 0o755)
	sumK := install(t, dir, "kubectl", "kubectl", "v1.36.4", "kubectl bytes")
	sumH := install(t, dir, "helm tool", "helm", "v4.0.1", "helm bytes")
	recs, err := ReadRecords(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r := recs["kubectl"]; r.SHA256 != sumK || r.Tool != "kubectl" || r.Version != "v1.36.4" || r.Installed.IsZero() {
		t.Errorf("kubectl's record = %+v, want sha256 %s", r, sumK)
	}
	if r := recs["helm tool"]; r.SHA256 != sumH || r.Tool != "helm" {
		t.Errorf("helm's record = %+v", r)
	}
	// A reinstall replaces the entry; Forget removes it, and the file with the last.
	sumK2 := install(t, dir, "kubectl", "kubectl", "v1.36.5", "other kubectl bytes")
	if recs, _ = ReadRecords(dir); recs["kubectl"].SHA256 != sumK2 || len(recs) != 2 {
		t.Errorf("after a reinstall: %+v", recs)
	}
	d, _ := Lock(context.Background(), dir, nil)
	d.Forget("kubectl")
	if recs, _ = ReadRecords(dir); len(recs) != 1 {
		t.Errorf("after Forget(kubectl): %+v", recs)
	}
	d.Forget("helm tool")
	d.Unlock()
	if _, err := os.Lstat(filepath.Join(dir, RecordName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the record file outlives its last entry: %v", err)
	}
}

func TestReadRecordsRefusesWhatIsNotARecord(t *testing.T) {
	for name, body := range map[string]string{
		"not json":   "{",
		"bad digest": `{"files":{"kubectl":{"sha256":"xyz"}}}`,
		"a path":     `{"files":{"../kubectl":{"sha256":"` + string(make([]byte, 0)) + `aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}}`,
	} {
		dir := testutil.TempDir(t)
		os.WriteFile(filepath.Join(dir, RecordName), []byte(body), 0o644)
		if _, err := ReadRecords(dir); !errors.Is(err, ErrBadRecord) {
			t.Errorf("%s: ReadRecords = %v, want ErrBadRecord", name, err)
		}
	}
	if recs, err := ReadRecords(testutil.TempDir(t)); err != nil || len(recs) != 0 {
		t.Errorf("no record: %v, %v", recs, err)
	}
}
