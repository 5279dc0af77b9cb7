package ghrelease

import "testing"

func TestParse(t *testing.T) {
	r, err := Parse([]byte(`{"tag_name":"v1.2.3","html_url":"https://github.com/o/r/releases/tag/v1.2.3","unknown":1,
		"assets":[{"name":"a.zip","browser_download_url":"https://x/a.zip","size":7,"digest":"sha256:ab"},{"name":"b","size":1}]}`))
	if err != nil || r.TagName != "v1.2.3" || len(r.Assets) != 2 {
		t.Fatalf("%+v %v", r, err)
	}
	if a, ok := r.Asset("a.zip"); !ok || a.Size != 7 || a.Digest == nil || *a.Digest != "sha256:ab" || a.URL != "https://x/a.zip" {
		t.Errorf("a.zip: %+v %v", a, ok)
	}
	if a, ok := r.Asset("b"); !ok || a.Digest != nil {
		t.Errorf("b: %+v %v", a, ok)
	}
	if _, ok := r.Asset("c"); ok {
		t.Error("c found")
	}
	for _, bad := range []string{`{}`, `[]`, `{"tag_name":""}`, `<html>`} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%s) accepted", bad)
		}
	}
}
