package main

import (
	"bufio"
	"io"
	"strings"
	"unicode/utf8"
)

// writeTable writes rows as aligned columns: every cell but a row's last is
// padded with blanks to its column's widest cell (counted in runes) plus
// two, as text/tabwriter.NewWriter(w, 0, 4, 2, ' ', 0) lays out rows of
// equal length. It holds only the widths: tabwriter keeps a copy of every
// cell, which for a thousand contexts is more memory than the list itself.
func writeTable(w io.Writer, rows [][]string) error {
	var widths []int
	for _, r := range rows {
		for i, c := range r[:max(len(r)-1, 0)] {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	out := bufio.NewWriter(w)
	for _, r := range rows {
		for i, c := range r {
			out.WriteString(c)
			if i < len(r)-1 {
				out.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2))
			}
		}
		out.WriteByte('\n')
	}
	return out.Flush()
}
