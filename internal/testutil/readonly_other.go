//go:build !linux

package testutil

import "errors"

func setImmutable(string) (func(), error) {
	return nil, errors.New("immutable folders are only set up on Linux")
}
