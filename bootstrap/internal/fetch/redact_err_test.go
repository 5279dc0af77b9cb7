package fetch

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// nopSink discards a download.
type nopSink struct{ bytes.Buffer }

func (s *nopSink) Reset() error { s.Buffer.Reset(); return nil }

// TestNetworkErrorsRedactURL: a token in a URL's user name or query never
// reaches an error or a retry line when the request itself fails (here a
// certificate nobody trusts), for every kind of request: net/http's own
// error keeps the user name and the query.
func TestNetworkErrorsRedactURL(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	raw := strings.Replace(srv.URL, "https://", "https://USERTOKEN:PASSTOKEN@", 1) + "/x?sig=QUERYTOKEN#FRAGTOKEN"
	var mu sync.Mutex
	var lines []string
	c := New(Options{Backoff: time.Millisecond, Retries: 1, Logf: func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(f, a...))
	}})
	ctx := context.Background()
	var errs []error
	_, err := c.Small(ctx, raw, 16)
	errs = append(errs, err)
	_, err = c.Post(ctx, raw, "application/json", []byte("{}"), 16)
	errs = append(errs, err)
	_, err = c.Download(ctx, raw, &nopSink{}, nil)
	errs = append(errs, err)
	_, err = c.Redirect(ctx, raw)
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil {
			t.Fatalf("request %d to an untrusted certificate succeeded", i)
		}
		lines = append(lines, err.Error(), fmt.Sprintf("%+v", err))
	}
	all := strings.Join(lines, "\n")
	for _, secret := range []string{"USERTOKEN", "PASSTOKEN", "QUERYTOKEN", "FRAGTOKEN"} {
		if strings.Contains(all, secret) {
			t.Errorf("%s shown:\n%s", secret, all)
		}
	}
	if !strings.Contains(all, "redacted@") {
		t.Errorf("errors no longer name the URL at all:\n%s", all)
	}
}
