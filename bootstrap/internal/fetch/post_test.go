package fetch

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestPost: the body and its type reach the server, a 5xx is retried, a
// long answer is refused at its limit, and the URL policy holds.
func TestPost(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		io.WriteString(w, "echo "+string(b))
	}))
	defer srv.Close()
	c := New(Options{Backoff: time.Millisecond})
	got, err := c.Post(context.Background(), srv.URL+"/q", "application/json", []byte(`{"q":1}`), 64)
	if err != nil || string(got) != `echo {"q":1}` || calls.Load() != 2 {
		t.Fatalf("Post = %q, %v after %d calls", got, err, calls.Load())
	}
	_, err = c.Post(context.Background(), srv.URL+"/q", "application/json", []byte(strings.Repeat("x", 100)), 16)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("long answer: %v", err)
	}
	if _, err := c.Post(context.Background(), "http://rekor.example/q", "application/json", nil, 16); !errors.Is(err, ErrInsecureURL) {
		t.Fatalf("plain http to a remote host: %v", err)
	}
}
