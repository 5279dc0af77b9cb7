package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeboot/kubeboot/bootstrap/internal/verifyerr"

	"github.com/kubeboot/kubeboot/internal/testutil"
)

type member struct {
	name string
	body string
	link bool
}

func write(t *testing.T, kind Kind, members []member) string {
	t.Helper()
	var buf bytes.Buffer
	switch kind {
	case TarGz:
		gz := gzip.NewWriter(&buf)
		tw := tar.NewWriter(gz)
		for _, m := range members {
			h := &tar.Header{Name: m.name, Mode: 0o755, Size: int64(len(m.body)), Typeflag: tar.TypeReg}
			if m.link {
				h = &tar.Header{Name: m.name, Linkname: "/etc/passwd", Typeflag: tar.TypeSymlink}
			}
			if strings.HasSuffix(m.name, "/") {
				h = &tar.Header{Name: m.name, Mode: 0o755, Typeflag: tar.TypeDir}
			}
			if err := tw.WriteHeader(h); err != nil {
				t.Fatal(err)
			}
			if !m.link {
				tw.Write([]byte(m.body))
			}
		}
		tw.Close()
		gz.Close()
	case Zip:
		zw := zip.NewWriter(&buf)
		for _, m := range members {
			h := &zip.FileHeader{Name: m.name, Method: zip.Deflate}
			h.SetMode(0o755)
			if m.link {
				h.SetMode(os.ModeSymlink | 0o777)
			}
			w, err := zw.CreateHeader(h)
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte(m.body))
		}
		zw.Close()
	}
	p := filepath.Join(testutil.TempDir(t), "a."+string(kind))
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExtract(t *testing.T) {
	const prog = "#!program\n"
	tests := []struct {
		what    string
		member  string
		members []member
		ok      bool
	}{
		{"helm's layout", "linux-amd64/helm", []member{{"linux-amd64/", "", false}, {"linux-amd64/LICENSE", "x", false}, {"linux-amd64/helm", prog, false}}, true},
		{"at the root, with ./", "kubelogin", []member{{"./kubelogin", prog, false}, {"LICENSE", "x", false}}, true},
		{"missing", "linux-amd64/helm", []member{{"linux-amd64/README.md", "x", false}}, false},
		{"two of that name, one path", "linux-amd64/helm", []member{{"linux-amd64/helm", prog, false}, {"linux-amd64/helm", "evil", false}}, false},
		{"two of that name, two folders", "linux-amd64/helm", []member{{"linux-amd64/helm", prog, false}, {"other/helm", "evil", false}}, false},
		{"two of that name, case apart", "windows-amd64/helm.exe", []member{{"windows-amd64/helm.exe", prog, false}, {"windows-amd64/HELM.EXE", "evil", false}}, false},
		{"in another folder", "linux-amd64/helm", []member{{"darwin-amd64/helm", prog, false}}, false},
		{"zip-slip ..", "kubelogin", []member{{"kubelogin", prog, false}, {"../../.bashrc", "evil", false}}, false},
		{"zip-slip inside", "kubelogin", []member{{"a/../../kubelogin.evil", "evil", false}, {"kubelogin", prog, false}}, false},
		{"absolute", "kubelogin", []member{{"kubelogin", prog, false}, {"/etc/cron.d/x", "evil", false}}, false},
		{"backslash", "kubelogin", []member{{"kubelogin", prog, false}, {`..\..\x`, "evil", false}}, false},
		{"drive", "kubelogin", []member{{"kubelogin", prog, false}, {"C:/Windows/x", "evil", false}}, false},
		{"a link as the program", "kubelogin", []member{{"kubelogin", "", true}}, false},
		{"empty program", "kubelogin", []member{{"kubelogin", "", false}}, false},
	}
	for _, kind := range []Kind{TarGz, Zip} {
		for _, tt := range tests {
			file := write(t, kind, tt.members)
			var out bytes.Buffer
			err := Extract(file, "a."+string(kind), kind, tt.member, &out)
			if tt.ok {
				if err != nil || out.String() != prog {
					t.Errorf("%s %s: %v, %q", kind, tt.what, err, out.String())
				}
				continue
			}
			if !errors.Is(err, ErrBadArchive) || !errors.Is(err, verifyerr.ErrVerification) {
				t.Errorf("%s %s: want a refusal, got %v", kind, tt.what, err)
			}
		}
	}
}

func TestExtractCaps(t *testing.T) {
	defer func(n int64) { MaxProgram = n }(MaxProgram)
	MaxProgram = 8
	for _, kind := range []Kind{TarGz, Zip} {
		file := write(t, kind, []member{{"kubelogin", "0123456789", false}})
		if err := Extract(file, "a", kind, "kubelogin", &bytes.Buffer{}); !errors.Is(err, ErrBadArchive) {
			t.Errorf("%s: a program over the cap: %v", kind, err)
		}
	}
	file := write(t, TarGz, []member{{"kubelogin", "x", false}})
	if err := Extract(file, "a", Zip, "kubelogin", &bytes.Buffer{}); !errors.Is(err, ErrBadArchive) {
		t.Errorf("a tar.gz read as a zip: %v", err)
	}
}

type failing struct{}

func (failing) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestExtractWriteError(t *testing.T) {
	file := write(t, Zip, []member{{"kubelogin", "program", false}})
	err := Extract(file, "a", Zip, "kubelogin", failing{})
	var we *WriteError
	if !errors.As(err, &we) || errors.Is(err, ErrBadArchive) {
		t.Fatalf("a failing writer is not a bad archive: %v", err)
	}
}
