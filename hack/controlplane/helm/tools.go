//go:build tools

// Package tools pins the helm command that hack/build-helm.sh builds (the version is
// HELM_VERSION in hack/versions.env; change both together).
package tools

import (
	_ "helm.sh/helm/v3/cmd/helm"
)
