package main

import (
	"fmt"
	"io"
	"time"
)

// progress reports download progress on stderr: a redrawn line on a
// terminal, a plain line every few seconds otherwise (logs, CI).
type progress struct {
	w           io.Writer
	interactive bool
	label       string
	start, last time.Time
	drawn       bool
}

func newProgress(w io.Writer, interactive bool, label string) *progress {
	now := time.Now()
	return &progress{w: w, interactive: interactive, label: label, start: now, last: now}
}

func (p *progress) update(done, total int64) {
	now := time.Now()
	every := 5 * time.Second
	if p.interactive {
		every = 100 * time.Millisecond
	}
	if now.Sub(p.last) < every && done != total {
		return
	}
	p.last = now
	line := p.label + ": " + mib(done)
	if total > 0 {
		line += fmt.Sprintf(" of %s (%d%%)", mib(total), done*100/total)
	}
	if s := now.Sub(p.start).Seconds(); s > 0 {
		line += fmt.Sprintf(", %s/s", mib(int64(float64(done)/s)))
	}
	if p.interactive {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.drawn = true
	} else if done != total {
		fmt.Fprintln(p.w, line)
	}
}

// done ends a redrawn line. It is safe on a nil *progress.
func (p *progress) done() {
	if p != nil && p.drawn {
		fmt.Fprintln(p.w)
	}
}

func mib(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
