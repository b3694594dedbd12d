// Command etcd is the etcd server built from the pinned upstream module (see hack/versions.env).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
