//go:build tools

// Package tools pins the real Kubernetes parts the tests run: kubectl and
// kube-apiserver from k8s.io/kubernetes, etcd from go.etcd.io. It is a
// separate module so that library users never inherit this dependency graph.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
