package bootstrap

import (
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://h:6443/p":                    "https://h:6443/p",
		"https://user:secret@h:6443/p":        "https://redacted@h:6443/p",
		"https://secret@h":                    "https://redacted@h",
		"https://user:secret@h/a b%zz":        "https://redacted@h/a b%zz", // does not parse
		"http://u:p@w@h:1":                    "http://redacted@h:1",
		"not a url with secret@inside at all": "not a url with secret@inside at all",
	} {
		got := RedactURL(in)
		if got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(in, "://") && strings.Contains(got, "secret") {
			t.Errorf("RedactURL(%q) keeps the secret", in)
		}
	}
}
