package bootstrap

import (
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://h:6443/p":                       "https://h:6443/p",
		"https://user:secret@h:6443/p":           "https://redacted@h:6443/p",
		"https://secret@h":                       "https://redacted@h",
		"https://user:secret@h/a b%zz":           "https://redacted@h/a b%zz", // does not parse
		"http://u:p@w@h:1":                       "http://redacted@h:1",
		"not a url with secret@inside at all":    "redacted@inside at all",
		"secret@mirror.example/k8s":              "redacted@mirror.example/k8s", // no scheme
		"https://u:secret/x@h/":                  "https://redacted@h/",         // a raw / in the password
		"https://u:a?secret@h/":                  "https://u:a?redacted",        // a raw ? in it: all after is dropped
		"https://h/p?token=secret&x=1":           "https://h/p?token=redacted&x=redacted",
		"https://h/p#secret":                     "https://h/p#redacted",
		"http://h:1/p;tok=a?access_token=secret": "http://h:1/p;tok=a?access_token=redacted",
	} {
		got := RedactURL(in)
		if got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(got, "secret") {
			t.Errorf("RedactURL(%q) keeps the secret", in)
		}
	}
}
