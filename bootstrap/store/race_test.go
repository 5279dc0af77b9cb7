//go:build race

package store

// raceDetector is true in a -race build, where every memory access is
// instrumented and timings mean little.
const raceDetector = true
