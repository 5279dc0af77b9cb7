package kubeconfig

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestParseCorpusRoundTrip(t *testing.T) {
	for _, f := range corpusFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data := readFile(t, f)
			c, err := Parse(data, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Clusters) == 0 || len(c.Users) == 0 || len(c.Contexts) == 0 {
				t.Fatalf("parsed %d clusters, %d users, %d contexts", len(c.Clusters), len(c.Users), len(c.Contexts))
			}
			out, err := c.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			// Every field of the source survives, unknown ones included.
			want, _ := yaml.YAMLToJSON(data)
			got, _ := yaml.YAMLToJSON(out)
			var w, g map[string]any
			json.Unmarshal(want, &w)
			json.Unmarshal(got, &g)
			if w["current-context"] == nil {
				w["current-context"] = ""
			}
			for k := range g {
				if _, ok := w[k]; !ok && (k == "apiVersion" || k == "kind") {
					w[k] = g[k]
				}
			}
			if canonicalAny(w) != canonicalAny(g) {
				t.Errorf("round trip changed the content:\nwant %s\ngot  %s", canonicalAny(w), canonicalAny(g))
			}
			if strings.HasSuffix(f, ".json") != strings.HasPrefix(strings.TrimSpace(string(out)), "{") {
				t.Errorf("output format does not follow the input's:\n%s", out)
			}
		})
	}
}

func canonicalAny(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestParseKeepsUnknownFields(t *testing.T) {
	c := mustLoad(t, "testdata/corpus/extras.yaml")
	out, _ := c.Marshal()
	for _, want := range []string{"some-future-field: kept", "proxy-url: socks5://127.0.0.1:1080", "tls-server-name: api.internal.example",
		"kubeboot.example/owner", "colors: true", "impersonate: someone", "example.com/color", "disable-compression: true"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		file     string
		line     int
		contains string
	}{
		{"bad-indent.yaml", 6, "invalid YAML"},
		{"duplicate-cluster.yaml", 7, `cluster "a" is defined twice`},
		{"clusters-not-list.yaml", 0, "clusters is not a list"},
		{"not-a-mapping.yaml", 0, "not a mapping"},
		{"unterminated-quote.yaml", 6, "invalid YAML"}, // yaml reports where the stream ended
		{"bad-sequence.yaml", 5, "invalid YAML"},       // the unclosed [ is noticed on the next line
		{"tab-indent.yaml", 3, "invalid YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "invalid", tt.file)
			_, err := Load(path)
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Load = %v, want a *ParseError", err)
			}
			if pe.Path != path || pe.Line != tt.line {
				t.Errorf("ParseError at %s:%d, want %s:%d (%v)", pe.Path, pe.Line, path, tt.line, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.contains) || !strings.HasPrefix(msg, path) {
				t.Errorf("message %q lacks %q or the path", msg, tt.contains)
			}
			if tt.line > 0 && !strings.Contains(msg, path+":"+itoa(tt.line)+":") {
				t.Errorf("message %q does not name the line", msg)
			}
			assertNoSecret(t, "parse error", msg)
		})
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestParseTypeErrorsHideValues(t *testing.T) {
	for _, doc := range []string{
		"users:\n- name: u\n  user:\n    token: [FAKE-CW-TOKEN-in-a-list]\n",
		"users:\n- name: u\n  user:\n    token: !!binary FAKE-CW-TOKEN-bad-base64***\n",
		"users:\n- name: u\n  user:\n    token: &a FAKE-CW-TOKEN-x\n    client-key: *b\n",
		"users:\n- name: u\n  user: FAKE-CW-TOKEN-as-body\n",
		"current-context: {FAKE-CW-TOKEN: 1}\n",
		"users:\n- name: u\n  user:\n    token: \"FAKE-CW-TOKEN-\\q\"\n",
	} {
		_, err := Parse([]byte(doc), "cfg")
		if err == nil {
			t.Errorf("Parse(%q) succeeded", doc)
			continue
		}
		assertNoSecret(t, "parse error", err.Error())
	}
}

func TestParseEmptyAndJSON(t *testing.T) {
	for _, doc := range []string{"", "\n\n", "null", "---\n"} {
		c, err := Parse([]byte(doc), "x")
		if err != nil || len(c.Contexts) != 0 {
			t.Errorf("Parse(%q) = %v, %v", doc, c, err)
		}
	}
	c := mustLoad(t, "testdata/corpus/config.json")
	if c.CurrentContext != "json" || entryNames(c, KindUser)[0] != "json-user" {
		t.Errorf("JSON config parsed as %+v", c)
	}
}

func TestValidate(t *testing.T) {
	for doc, want := range map[string]string{
		"contexts:\n- name: c\n  context: {user: u}\nusers:\n- name: u\n":                     `context "c" names no cluster`,
		"contexts:\n- name: c\n  context: {cluster: k}\n":                                     `names cluster "k", which the file does not define`,
		"clusters:\n- name: k\ncontexts:\n- name: c\n  context: {cluster: k, user: nobody}\n": `names user "nobody"`,
		"current-context: ghost\n":                                                            `current-context "ghost" is not defined`,
	} {
		c, err := Parse([]byte(doc), "in.yaml")
		if err != nil {
			t.Fatal(err)
		}
		err = c.Validate()
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate(%q) = %v, want %q", doc, err, want)
		}
	}
	for _, f := range corpusFiles(t) {
		if err := mustLoad(t, f).Validate(); err != nil {
			t.Errorf("Validate(%s) = %v", f, err)
		}
	}
}

func TestMarshalFallsBackToJSONWhenYAMLWouldChangeAValue(t *testing.T) {
	c, err := Parse([]byte(`{"clusters":[{"name":"a","cluster":{"server":"https://a"}}]}`), "x")
	if err != nil {
		t.Fatal(err)
	}
	c.json = false
	out, err := c.Marshal()
	if err != nil || !strings.Contains(string(out), "server: https://a") {
		t.Fatalf("Marshal = %s, %v; want YAML", out, err)
	}
	back, err := Parse(out, "x")
	if err != nil || !Equal(back, c) {
		t.Fatalf("YAML output does not parse back to the same config: %v", err)
	}
}
