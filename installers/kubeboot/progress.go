package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress reports download progress on stderr: a redrawn bar on a
// terminal, a plain line every few seconds otherwise (logs, CI). It is
// hand-written rather than a progress-bar library: 60 lines cost nothing in
// the installer's size budget.
type progress struct {
	w           io.Writer
	interactive bool
	label       string
	now         func() time.Time
	start, last time.Time
	drawn       bool
}

func newProgress(w io.Writer, interactive bool, label string) *progress {
	p := &progress{w: w, interactive: interactive, label: label, now: time.Now}
	p.start = p.now()
	p.last = p.start
	return p
}

func (p *progress) update(done, total int64) {
	now := p.now()
	every := 5 * time.Second
	if p.interactive {
		every = 100 * time.Millisecond
	}
	if now.Sub(p.last) < every && done != total {
		return
	}
	p.last = now
	line := progressLine(p.label, done, total, now.Sub(p.start), p.interactive)
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

// progressLine formats "label [====>    ] 31.0/62.1 MB  12.3 MB/s  ETA 3s";
// the bar only on a terminal, the ETA only once a rate is known.
func progressLine(label string, done, total int64, elapsed time.Duration, bar bool) string {
	var b strings.Builder
	b.WriteString(label)
	if total > 0 {
		if bar {
			const width = 24
			filled := int(done * width / total)
			b.WriteString("  [" + strings.Repeat("=", filled) + strings.Repeat(" ", width-filled) + "]")
		}
		fmt.Fprintf(&b, "  %.1f/%.1f MB (%d%%)", float64(done)/1e6, float64(total)/1e6, done*100/total)
	} else {
		fmt.Fprintf(&b, "  %.1f MB", float64(done)/1e6)
	}
	if s := elapsed.Seconds(); s > 0.2 && done > 0 {
		rate := float64(done) / s
		fmt.Fprintf(&b, "  %.1f MB/s", rate/1e6)
		if total > done {
			eta := time.Duration(float64(total-done) / rate * float64(time.Second))
			fmt.Fprintf(&b, "  ETA %s", eta.Round(time.Second))
		}
	}
	return b.String()
}
