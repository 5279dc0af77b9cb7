package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	tests := []struct {
		done, total int64
		elapsed     time.Duration
		bar         bool
		want        string
	}{
		{31e6, 62e6, 2 * time.Second, true, "kubectl  [============            ]  31.0/62.0 MB (50%)  15.5 MB/s  ETA 2s"},
		{31e6, 62e6, 2 * time.Second, false, "kubectl  31.0/62.0 MB (50%)  15.5 MB/s  ETA 2s"},
		{5e6, -1, time.Second, false, "kubectl  5.0 MB  5.0 MB/s"},
		{0, 62e6, 0, true, "kubectl  [                        ]  0.0/62.0 MB (0%)"},
	}
	for _, tt := range tests {
		if got := progressLine("kubectl", tt.done, tt.total, tt.elapsed, tt.bar); got != tt.want {
			t.Errorf("progressLine(%d, %d, %s, %v)\n got %q\nwant %q", tt.done, tt.total, tt.elapsed, tt.bar, got, tt.want)
		}
	}
}

// Without a terminal, progress prints a plain line at most every 5 s and no
// line for the final update, so logs stay short.
func TestProgressThrottlesPlainLines(t *testing.T) {
	var buf bytes.Buffer
	clock := time.Unix(0, 0)
	p := newProgress(&buf, false, "kubectl")
	p.now = func() time.Time { return clock }
	p.start, p.last = clock, clock
	for i := int64(1); i <= 100; i++ {
		clock = clock.Add(200 * time.Millisecond) // 20 s in all
		p.update(i*1e6, 100e6)
	}
	p.done()
	if n := strings.Count(buf.String(), "\n"); n != 3 {
		t.Errorf("%d lines over 20 s, want 3 (every 5 s, none at the end):\n%s", n, buf.String())
	}
	if strings.Contains(buf.String(), "\r") || strings.Contains(buf.String(), "\033") {
		t.Error("terminal control characters in plain output")
	}
}
