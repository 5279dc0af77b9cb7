// Command etcd is a complete etcd server, built from the module proxy so that
// the end-to-end tests can run a real kube-apiserver on loopback.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
