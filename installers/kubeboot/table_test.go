package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"text/tabwriter"
)

// TestWriteTableMatchesTabwriter: the list's layout is the one tabwriter
// gave it, for names of every width, empty cells and non-ASCII.
func TestWriteTableMatchesTabwriter(t *testing.T) {
	words := []string{"", "*", "a", "ctx-1", "prod-eu-west", "ü", "名前", "https://k8s.example.com:6443", "[x] y"}
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 200; round++ {
		cols := 1 + r.IntN(8)
		rows := make([][]string, 1+r.IntN(6))
		for i := range rows {
			for range cols {
				rows[i] = append(rows[i], words[r.IntN(len(words))])
			}
		}
		var want bytes.Buffer
		tw := tabwriter.NewWriter(&want, 0, 4, 2, ' ', 0)
		for _, row := range rows {
			fmt.Fprintln(tw, strings.Join(row, "\t"))
		}
		tw.Flush()
		var got bytes.Buffer
		if err := writeTable(&got, rows); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Fatalf("rows %q:\ngot\n%s\nwant\n%s", rows, got.String(), want.String())
		}
	}
}
