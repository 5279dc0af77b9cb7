package catalog

// GKEGcloudAuthPlugin is GKE's credential plugin. Google publishes no
// standalone download of it: it comes with the gcloud CLI, or with the
// distribution's package of it.
func GKEGcloudAuthPlugin() *Tool {
	return &Tool{
		Name:     "gke-gcloud-auth-plugin",
		About:    "GKE's credential plugin",
		Source:   "the Google Cloud CLI",
		Program:  "gke-gcloud-auth-plugin",
		Delegate: "gcloud components install gke-gcloud-auth-plugin (or, where gcloud came from apt or dnf, the package google-cloud-cli-gke-gcloud-auth-plugin)",
	}
}
