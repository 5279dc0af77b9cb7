package kubeconfig

import (
	"path/filepath"
	"testing"
)

func addCorpusSeeds(f *testing.F, pairs bool) {
	corpus, _ := filepath.Glob(filepath.Join("testdata", "corpus", "*"))
	invalid, _ := filepath.Glob(filepath.Join("testdata", "invalid", "*"))
	files := append(corpus, invalid...)
	var docs [][]byte
	for _, p := range files {
		docs = append(docs, readFile(f, p))
	}
	if !pairs {
		for _, d := range docs {
			f.Add(d)
		}
		return
	}
	for i, a := range docs {
		// Every file against itself, its neighbour and the first file.
		f.Add(a, a, uint8(ConflictRename))
		f.Add(a, docs[(i+1)%len(docs)], uint8(i%3))
		f.Add(docs[0], a, uint8(ConflictReplace))
	}
}

// FuzzParse: no panic; whatever parses marshals to output that parses back
// to the same content.
func FuzzParse(f *testing.F) {
	addCorpusSeeds(f, false)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "/fuzz/config")
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("Parse error of type %T: %v", err, err)
			}
			return
		}
		out, err := c.Marshal()
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		back, err := Parse(out, "/fuzz/config")
		if err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, out)
		}
		if !Equal(back, c) {
			t.Fatalf("round trip changed the content:\n%s", out)
		}
	})
}

// FuzzMerge: no panic; under rename every entry of both inputs survives and
// the output re-parses to the same content; under other policies the merge
// either fails with a conflict or keeps every name.
func FuzzMerge(f *testing.F) {
	addCorpusSeeds(f, true)
	f.Fuzz(func(t *testing.T, a, b []byte, p uint8) {
		target, err := Parse(a, "/fuzz/target/config")
		if err != nil {
			return
		}
		in, err := Parse(b, "/fuzz/in/cw-kubeconfig")
		if err != nil {
			return
		}
		policy := ConflictPolicy(p % 3)
		out, ch, err := Merge(target, in, policy)
		if err != nil {
			if policy == ConflictRename {
				t.Fatalf("Merge under rename failed: %v", err)
			}
			return
		}
		assertEveryEntrySurvives(t, target, in, out, ch)
		if policy == ConflictRename {
			for _, k := range Kinds {
				for _, e := range target.Entries(k) {
					if o, _ := out.Lookup(k, e.Name); !sameEntry(k, o, e) {
						t.Fatalf("target %s %q changed under rename", k, e.Name)
					}
				}
			}
		}
		data, err := out.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(data, "/fuzz/target/config")
		if err != nil {
			t.Fatalf("merged output does not parse: %v\n%s", err, data)
		}
		if !Equal(back, out) {
			t.Fatalf("merged output changes on re-parse:\n%s", data)
		}
	})
}
