// Package term answers the one question the installer asks of the terminal:
// is this file descriptor a terminal, so that progress may redraw a line?
package term

// IsTerminal reports whether fd is a terminal.
func IsTerminal(fd uintptr) bool { return isTerminal(fd) }
