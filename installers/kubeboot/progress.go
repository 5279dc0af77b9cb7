package main

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// progress reports download progress on stderr: on a terminal, one line
// redrawn in place and cut to the terminal's width, so that it never wraps
// (a wrapped line cannot be redrawn: "\r\033[K" clears only its last row);
// off a terminal, a plain line every few seconds (logs, CI). It is
// hand-written rather than a progress-bar library: 80 lines cost nothing in
// the installer's size budget.
type progress struct {
	w           io.Writer
	interactive bool
	width       func() int // the terminal's columns, 0 when unknown
	label       string
	now         func() time.Time
	start, last time.Time
	drawn       bool
}

// newProgress reports on the host's stderr; nil when quiet.
func (a *app) newProgress(label string, quiet bool) *progress {
	if quiet {
		return nil
	}
	h := a.host
	p := &progress{w: h.Stderr, interactive: h.StderrTerminal, width: h.Width, label: label, now: h.Now}
	p.start = p.now()
	p.last = p.start
	return p
}

// callback is the function the library calls with the bytes done; nil for
// a nil *progress.
func (p *progress) callback() func(done, total int64) {
	if p == nil {
		return nil
	}
	return p.update
}

func (p *progress) update(done, total int64) {
	now := p.now()
	every := 5 * time.Second
	if p.interactive {
		every = 100 * time.Millisecond
	}
	// The first update draws at once, so that a download that stalls
	// early still shows its line.
	first := p.interactive && !p.drawn
	if now.Sub(p.last) < every && done != total && !first {
		return
	}
	p.last = now
	if !p.interactive {
		if done != total {
			fmt.Fprintln(p.w, progressLine(p.label, done, total, now.Sub(p.start), 0))
		}
		return
	}
	width := 80
	if p.width != nil {
		if w := p.width(); w > 0 {
			width = w
		}
	}
	// One column less than the screen: a line that fills the last column
	// makes some terminals wrap before the next \r.
	line := progressLine(p.label, done, total, now.Sub(p.start), width-1)
	fmt.Fprintf(p.w, "\r\033[K%s", line)
	p.drawn = true
}

// done ends a redrawn line. It is safe on a nil *progress.
func (p *progress) done() {
	if p != nil && p.drawn {
		fmt.Fprintln(p.w)
	}
}

// progressLine formats "label [====>    ] 31.0/62.1 MB (50%)  12.3 MB/s
// ETA 3s". With width > 0 (a terminal) it draws a bar and fits the line
// into width columns: the bar shrinks first, then the rate and ETA go, and
// last the line is cut. With width 0 there is no bar and no limit.
func progressLine(label string, done, total int64, elapsed time.Duration, width int) string {
	counts := fmt.Sprintf("  %.1f MB", float64(done)/1e6)
	if total > 0 {
		counts = fmt.Sprintf("  %.1f/%.1f MB (%d%%)", float64(done)/1e6, float64(total)/1e6, done*100/total)
	}
	rate := ""
	if s := elapsed.Seconds(); s > 0.2 && done > 0 {
		bps := float64(done) / s
		rate = fmt.Sprintf("  %.1f MB/s", bps/1e6)
		if total > done {
			eta := time.Duration(float64(total-done) / bps * float64(time.Second))
			rate += fmt.Sprintf("  ETA %s", eta.Round(time.Second))
		}
	}
	if width <= 0 {
		return label + counts + rate
	}
	cols := func(s string) int { return utf8.RuneCountInString(s) }
	if cols(label)+cols(counts)+cols(rate) > width {
		rate = ""
	}
	bar := ""
	if total > 0 {
		// "  [" + bar + "]": up to 24 cells, fewer on a narrow screen, none
		// below 5.
		room := width - cols(label) - cols(counts) - cols(rate) - 4
		if n := min(24, room); n >= 5 {
			filled := int(done * int64(n) / total)
			bar = "  [" + strings.Repeat("=", filled) + strings.Repeat(" ", n-filled) + "]"
		}
	}
	line := label + bar + counts + rate
	if cols(line) > width {
		r := []rune(line)
		line = string(r[:width])
	}
	return line
}
