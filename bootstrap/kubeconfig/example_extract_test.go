package kubeconfig_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
)

// Hand one context of the user's kubeconfig to a child process: cut it
// out, write it to a private folder kept for this process, point the
// child's KUBECONFIG at it, remove it afterwards.
func ExampleExtract() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	shared := filepath.Join(dir, "config")
	os.WriteFile(shared, []byte(`
clusters:
- {name: prod, cluster: {server: "https://prod.example:6443", certificate-authority: ca.pem}}
- {name: lab, cluster: {server: "https://lab.example:6443"}}
users: [{name: me, user: {tokenFile: token}}]
contexts:
- {name: prod, context: {cluster: prod, user: me}}
- {name: lab, context: {cluster: lab, user: me}}
current-context: lab
`), 0o600)

	files, err := kubeconfig.LoadList([]string{shared})
	if err != nil {
		panic(err)
	}
	x, err := kubeconfig.Extract(files, "prod", "payments")
	if err != nil {
		panic(err)
	}
	p, err := kubeconfig.NewPrivate(filepath.Join(dir, "kubeboot", "shells"), x.Config, os.Getpid()) // as PrivateRoot names it
	if err != nil {
		panic(err)
	}
	defer p.Remove()
	// exec.Cmd.Env = append(os.Environ(), "KUBECONFIG="+p.File) ...

	back, _ := kubeconfig.Load(p.File)
	fmt.Println(back.CurrentContext, len(back.Contexts), x.Namespace, x.Server)
	// Output: prod 1 payments https://prod.example:6443
}
