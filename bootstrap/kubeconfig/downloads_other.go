//go:build !windows

package kubeconfig

func defaultDownloadsDir() (string, error) { return portableDownloadsDir() }
