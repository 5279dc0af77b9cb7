// Package kubeconfig finds, reads, merges and safely rewrites kubeconfig
// files the way kubectl itself understands them.
//
// The pieces, from pure to I/O:
//
//   - Locate and Locations.Target: which files kubectl reads (--kubeconfig,
//     else the KUBECONFIG list, else ~/.kube/config) and which one receives
//     new entries, as pure functions of (GOOS, environment, home).
//   - Parse, Load and Config: a lossless model. Clusters, users and contexts
//     are named lists whose bodies are kept as raw JSON, so fields this
//     package does not know (exec plugins, auth providers, extensions,
//     proxy-url, ...) survive a rewrite.
//   - Merge: kubectl's merge semantics with a conflict policy (fail, rename,
//     replace); identical entries are no-ops.
//   - DownloadsDir, FindDownloads and NewestDownload: where the CoreWeave
//     cw-kubeconfig file was downloaded to, and which of a browser's
//     repeated downloads ("cw-kubeconfig (1)") is the newest.
//   - Import: lock (its own OS lock, then kubectl's <file>.lock), re-read,
//     merge, select the context, back up (the newest DefaultKeepBackups
//     kept), write atomically with owner-only permissions for a new file
//     and the previous owner, group and mode for an existing one. A failure
//     at any step leaves the previous file byte-identical.
//   - Token and CurrentContext: read back the bearer token of a context.
//   - Extract, NewPrivate and SweepPrivate: a context per shell. One
//     context cut out of the list (paths made absolute) and written to a
//     private folder that lives as long as the processes it was made for.
//
// The package never prints, panics or exits, and names no command or flag
// of any CLI; it reports through typed errors and an optional Logf. Secrets (tokens, keys, passwords) never appear in errors,
// logs or the JSON form of Changes and ImportResult.
package kubeconfig
