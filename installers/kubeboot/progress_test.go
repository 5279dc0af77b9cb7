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
		width       int
		want        string
	}{
		{31e6, 62e6, 2 * time.Second, 159, "kubectl  [============            ]  31.0/62.0 MB (50%)  15.5 MB/s  ETA 2s"},
		{31e6, 62e6, 2 * time.Second, 0, "kubectl  31.0/62.0 MB (50%)  15.5 MB/s  ETA 2s"},
		{5e6, -1, time.Second, 0, "kubectl  5.0 MB  5.0 MB/s"},
		{0, 62e6, 0, 159, "kubectl  [                        ]  0.0/62.0 MB (0%)"},
		// Narrow screens: the bar shrinks, then the rate goes, then the
		// line is cut; it never takes more than width columns.
		{31e6, 62e6, 2 * time.Second, 60, "kubectl  [=====     ]  31.0/62.0 MB (50%)  15.5 MB/s  ETA 2s"},
		{31e6, 62e6, 2 * time.Second, 40, "kubectl  [====     ]  31.0/62.0 MB (50%)"},
		{31e6, 62e6, 2 * time.Second, 20, "kubectl  31.0/62.0 M"},
	}
	for _, tt := range tests {
		got := progressLine("kubectl", tt.done, tt.total, tt.elapsed, tt.width)
		if got != tt.want {
			t.Errorf("progressLine(%d, %d, %s, %d)\n got %q\nwant %q", tt.done, tt.total, tt.elapsed, tt.width, got, tt.want)
		}
		if tt.width > 0 && len([]rune(got)) > tt.width {
			t.Errorf("width %d: %d columns", tt.width, len([]rune(got)))
		}
	}
}

// Without a terminal, progress prints a plain line at most every 5 s and no
// line for the final update, so logs stay short.
func TestProgressThrottlesPlainLines(t *testing.T) {
	var buf bytes.Buffer
	clock := time.Unix(0, 0)
	a := &app{host: &host{Stderr: &buf, Now: func() time.Time { return clock }}}
	p := a.newProgress("kubectl", false)
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
