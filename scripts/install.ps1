# Installs kubeboot on Windows (PowerShell 5.1 or later), then runs
# `kubeboot setup` with this script's arguments:
#
#   irm https://github.com/kubeboot/kubeboot/releases/latest/download/install.ps1 | iex
#
# It downloads this machine's zip and checksums.txt, refuses to go on unless
# the zip's SHA-256 matches its line in checksums.txt, and puts the single
# kubeboot.exe in a per-user folder. When cosign is installed it first
# verifies checksums.txt.sigstore.json, the keyless signature of
# checksums.txt made by the release workflow, and refuses on failure; the
# tag is exact with KUBEBOOT_VERSION, any v* tag of that workflow otherwise.
# Without cosign it says that only the checksum was checked. Environment, as
# for install.sh:
#   KUBEBOOT_VERSION      a release such as v1.2.3 (default: the latest)
#   KUBEBOOT_RELEASE_URL  folder holding the zips and checksums.txt
#   KUBEBOOT_INSTALL_DIR  default %LOCALAPPDATA%\Programs\kubeboot\bin
#   KUBEBOOT_INSTALL_RUN  the kubeboot command run afterwards (default setup;
#                         empty: run nothing)
# Everything runs in a script block so that `irm | iex` leaves the caller's
# session settings alone; errors stop the script, not the session.
& {
    $ErrorActionPreference = 'Stop'
    function Fail([string]$msg) { throw "install.ps1: $msg" }

    $repo = 'https://github.com/kubeboot/kubeboot/releases'
    $base = $env:KUBEBOOT_RELEASE_URL
    if (-not $base) {
        if ($env:KUBEBOOT_VERSION) { $base = "$repo/download/$($env:KUBEBOOT_VERSION)" } else { $base = "$repo/latest/download" }
    }
    # Plain http only to a loopback host, decided from the parsed host
    # (http://127.0.0.1:x@other-host/ is other-host); credentials, the query
    # string and the fragment of the URL are never shown. An '@' after the
    # authority (a password holding an unencoded '/', '?' or '#' makes its
    # start the host) is refused without showing the URL.
    $uri = $null
    if (-not [Uri]::TryCreate($base, [UriKind]::Absolute, [ref]$uri)) { Fail "KUBEBOOT_RELEASE_URL is not a URL" }
    if (($base -replace '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*', '').Contains('@')) {
        Fail "KUBEBOOT_RELEASE_URL has an '@' after its host: percent-encode a '/', '?' or '#' in its user name or password (%2F, %3F, %23) and an '@' in its path (%40)"
    }
    $shown = $base
    if ($uri.UserInfo -or $uri.Query -or $uri.Fragment) {
        $b = [UriBuilder]$uri
        if ($uri.UserInfo) {
            $b.UserName = 'redacted'
            $b.Password = ''
        }
        if ($uri.Query) { $b.Query = 'redacted' }
        if ($uri.Fragment) { $b.Fragment = 'redacted' }
        $shown = $b.Uri.AbsoluteUri
    }
    if (-not ($uri.Scheme -eq 'https' -or ($uri.Scheme -eq 'http' -and $uri.IsLoopback))) {
        Fail "KUBEBOOT_RELEASE_URL must use https (plain http only to a loopback host, not $($uri.Host)): $shown"
    }
    $dir = $env:KUBEBOOT_INSTALL_DIR
    if (-not $dir) { $dir = Join-Path $env:LOCALAPPDATA 'Programs\kubeboot\bin' }
    $run = 'setup'
    if (Test-Path Env:KUBEBOOT_INSTALL_RUN) { $run = $env:KUBEBOOT_INSTALL_RUN }

    # PROCESSOR_ARCHITEW6432 is set when a 32-bit PowerShell runs on 64-bit Windows.
    $cpu = $env:PROCESSOR_ARCHITEW6432
    if (-not $cpu) { $cpu = $env:PROCESSOR_ARCHITECTURE }
    switch ($cpu) {
        'AMD64' { $arch = 'amd64' }
        'ARM64' { $arch = 'arm64' }
        default { Fail "no kubeboot build for Windows on $cpu; see $repo" }
    }
    $archive = "kubeboot_windows_$arch.zip"

    # PowerShell 5.1 defaults to TLS 1.0; GitHub needs 1.2.
    [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
    $ProgressPreference = 'SilentlyContinue' # the progress bar slows 5.1's downloads a lot

    $tmp = Join-Path ([IO.Path]::GetTempPath()) ("kubeboot-" + [Guid]::NewGuid())
    New-Item -ItemType Directory -Path $tmp | Out-Null
    try {
        Write-Host "downloading $shown/$archive"
        # Every request is bounded (PowerShell 7: the whole request; 5.1:
        # the wait for the response).
        try {
            Invoke-WebRequest -UseBasicParsing -TimeoutSec 60 -Uri "$base/checksums.txt" -OutFile "$tmp\checksums.txt"
            Invoke-WebRequest -UseBasicParsing -TimeoutSec 600 -Uri "$base/$archive" -OutFile "$tmp\$archive"
        } catch {
            Fail "cannot download from ${shown}: $($_.Exception.Message)"
        }

        $cosign = Get-Command cosign -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if ($cosign) {
            $bundle = "$tmp\checksums.txt.sigstore.json"
            try {
                Invoke-WebRequest -UseBasicParsing -TimeoutSec 60 -Uri "$base/checksums.txt.sigstore.json" -OutFile $bundle
            } catch {
                Fail "cannot download $shown/checksums.txt.sigstore.json (the signature of checksums.txt); nothing was installed"
            }
            $workflow = 'https://github.com/kubeboot/kubeboot/.github/workflows/release.yml'
            if ($env:KUBEBOOT_VERSION) {
                $idFlag = '--certificate-identity'
                $id = "$workflow@refs/tags/$($env:KUBEBOOT_VERSION)"
            } else {
                $idFlag = '--certificate-identity-regexp'
                $id = '^https://github\.com/kubeboot/kubeboot/\.github/workflows/release\.yml@refs/tags/v[0-9][0-9A-Za-z.+-]*$'
            }
            # cosign reports on stderr even on success; Windows PowerShell
            # turns redirected native stderr into errors, which 'Stop' throws.
            $ErrorActionPreference = 'Continue'
            $out = & $cosign.Source verify-blob --bundle $bundle $idFlag $id `
                --certificate-oidc-issuer 'https://token.actions.githubusercontent.com' "$tmp\checksums.txt" 2>&1
            $rc = $LASTEXITCODE
            $ErrorActionPreference = 'Stop'
            if ($rc -ne 0) {
                Write-Host ($out | Out-String)
                Fail "the signature of checksums.txt does not verify (cosign verify-blob, identity $id); nothing was installed"
            }
            Write-Host "signature of checksums.txt verified with cosign (release workflow of kubeboot/kubeboot)"
        } else {
            Write-Host "note: cosign is not installed, so only the sha256 in checksums.txt is checked, not its signature"
        }

        $want = $null
        foreach ($line in Get-Content "$tmp\checksums.txt") {
            $f = -split $line
            if ($f.Count -eq 2 -and ($f[1] -eq $archive -or $f[1] -eq "*$archive")) { $want = $f[0].ToLowerInvariant() }
        }
        if (-not $want) { Fail "checksums.txt has no sha256 line for $archive; nothing was installed" }
        if ($want -notmatch '^[0-9a-f]{64}$') { Fail "checksums.txt has a malformed sha256 for $archive; nothing was installed" }
        $got = (Get-FileHash -Algorithm SHA256 -Path "$tmp\$archive").Hash.ToLowerInvariant()
        if ($got -ne $want) {
            Fail "checksum mismatch for ${archive}: checksums.txt says $want, the download has $got; nothing was installed"
        }

        Expand-Archive -Path "$tmp\$archive" -DestinationPath "$tmp\x"
        if (-not (Test-Path "$tmp\x\kubeboot.exe")) { Fail "$archive does not hold kubeboot.exe" }
        New-Item -ItemType Directory -Force -Path $dir | Out-Null
        $exe = Join-Path $dir 'kubeboot.exe'
        # Move-Item over a running kubeboot.exe fails; rename it aside first.
        if (Test-Path $exe) { Move-Item -Force $exe "$exe.old" }
        Move-Item -Force "$tmp\x\kubeboot.exe" $exe
        Remove-Item -Force "$exe.old" -ErrorAction SilentlyContinue
        Write-Host "installed $exe (sha256 $got verified)"
    } finally {
        Remove-Item -Recurse -Force $tmp -ErrorAction SilentlyContinue
    }

    $userPath = [Environment]::GetEnvironmentVariable('Path', 'User')
    if (-not (($userPath -split ';') -contains $dir)) {
        Write-Host "note: $dir is not on your Path; kubeboot setup can add it, or add it in Settings > Environment Variables"
    }
    if ($run) {
        & $exe $run @args # its exit code is left in $LASTEXITCODE
    }
} @args
