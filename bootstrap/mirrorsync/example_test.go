package mirrorsync_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/kubeboot/kubeboot/bootstrap"
	"github.com/kubeboot/kubeboot/bootstrap/mirrorsync"
)

// An organisation's mirror of the current stable kubectl and the newest
// 1.36 for Linux and Windows, served afterwards from /srv/k8s by any web
// server; kubeboot install kubectl --mirror https://mirror.corp/k8s reads it.
func ExampleSync() {
	ctx := context.Background()
	rep, err := mirrorsync.Sync(ctx, mirrorsync.Options{
		Dir:       "/srv/k8s",
		Versions:  []string{"stable", "1.36"},
		Platforms: []bootstrap.Platform{{OS: "linux", Arch: "amd64"}, {OS: "windows", Arch: "amd64"}},
	})
	if errors.Is(err, bootstrap.ErrVerification) {
		for _, f := range rep.Failed() {
			fmt.Println("refused, not published:", f.Path, f.Err)
		}
		return
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range rep.Files {
		fmt.Println(f.Status, f.Version, f.OSArch, f.SHA256)
	}
}

// A periodic check that nothing in the served tree was changed.
func ExampleVerify() {
	if _, err := mirrorsync.Verify(context.Background(), "/srv/k8s", mirrorsync.Options{}); err != nil {
		fmt.Println("the mirror does not hold:", err)
	}
}
