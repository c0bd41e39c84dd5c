#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, packages and demonstrates the CloudStorage module.

.DESCRIPTION
    Build    dotnet build StoragePs.sln, which also lays the module out as it ships in
             artifacts/module/<Configuration>/CloudStorage/ (src/CloudStorage.PowerShell/ModuleLayout.targets:
             manifest stamped from Directory.Build.props, cmdlets and engine in the root, the cloud providers and
             their SDKs in Dependencies/); then copy that folder to out/CloudStorage/<version>/ and check it with
             Test-ModuleManifest.
    Test     Build, then dotnet test StoragePs.sln: the .NET suites and the Pester suite (tests/Pester), which
             tests/CloudStorage.Pwsh.Tests runs in real pwsh (the PowerShell 7.6.9 tool and Pester 5.7.1, both
             restored from NuGet by the build) against the built module on mem, local and the S3, Azure and GCS
             emulators it starts (tests/emulators/emulators.sh; needs Node.js 20+ and npm). Fails when anything
             fails or is skipped, or when a suite cannot run (no emulator, no Pester): nothing is skipped quietly.
    Package  Build, then a .nupkg for the PowerShell Gallery in out/packages: the module folder packed by
             `dotnet pack src/CloudStorage.PowerShell` with the nuspec Publish-Module would write.
    Example  Build, then run examples/local-runbook.ps1 against the built module (local provider only,
             no cloud account).
    All      Build, Test, Package, Example.

    The runbook runs in a child pwsh (the same version as this one, also when this one is the .NET tool run as
    `dotnet pwsh`) so this session never loads the module's DLLs (which would lock them on Windows and keep the
    next build from overwriting them).

    On a fresh machine (only the .NET SDK 10, and Node.js for the emulators), the pinned pwsh comes from
    .config/dotnet-tools.json:

        dotnet tool restore
        dotnet pwsh ./build.ps1 -Task Example

.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Example

.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Test -Configuration Debug
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Example', 'All')]
    [string[]]$Task = 'Build',

    [string]$Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'

$RepoRoot = $PSScriptRoot
$Solution = Join-Path $RepoRoot 'StoragePs.sln'
$OutRoot = Join-Path $RepoRoot 'out'
$ModuleName = 'CloudStorage'

$script:Completed = @{}

function Write-Step {
    param([Parameter(Mandatory)][string]$Message)
    Write-Host ''
    Write-Host "==> $Message" -ForegroundColor Cyan
}

function Invoke-Dotnet {
    param([Parameter(Mandatory)][string[]]$Arguments)
    Write-Host "dotnet $($Arguments -join ' ')"
    & dotnet @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "dotnet $($Arguments[0]) failed with exit code $LASTEXITCODE."
    }
}

function Get-ProjectVersion {
    # The version is stated once, in Directory.Build.props.
    $propsPath = Join-Path $RepoRoot 'Directory.Build.props'
    $props = New-Object System.Xml.XmlDocument
    $props.Load($propsPath)
    $prefixNode = $props.SelectSingleNode('/Project/PropertyGroup/VersionPrefix')
    if ($null -eq $prefixNode -or [string]::IsNullOrWhiteSpace($prefixNode.InnerText)) {
        throw "No VersionPrefix in $propsPath."
    }
    $suffixNode = $props.SelectSingleNode('/Project/PropertyGroup/VersionSuffix')
    $suffix = ''
    if ($null -ne $suffixNode) { $suffix = $suffixNode.InnerText.Trim() }
    [pscustomobject]@{
        Prefix = $prefixNode.InnerText.Trim()
        Suffix = $suffix
    }
}

function Get-ModuleOutputDirectory {
    $version = Get-ProjectVersion
    Join-Path (Join-Path $OutRoot $ModuleName) $version.Prefix
}

function Get-BuiltManifestPath {
    Join-Path (Get-ModuleOutputDirectory) "$ModuleName.psd1"
}

function Get-PwshCommand {
    # How to start the pwsh running this script again, so children use the same version: the executable and the
    # arguments before pwsh's own. An installed pwsh is its own process; the PowerShell .NET tool (`dotnet pwsh`,
    # pinned in .config/dotnet-tools.json) runs inside the dotnet host, so there the child is `dotnet $PSHOME/pwsh.dll`.
    $process = [Environment]::ProcessPath
    $name = [System.IO.Path]::GetFileNameWithoutExtension($process)
    if ($name -eq 'pwsh') { return , @($process) }
    $dll = Join-Path $PSHOME 'pwsh.dll'
    if ($name -eq 'dotnet' -and (Test-Path -LiteralPath $dll)) { return @($process, $dll) }
    throw "Cannot tell how to start this PowerShell again (process '$process', PSHOME '$PSHOME')."
}

function Invoke-BuildTask {
    if ($script:Completed.ContainsKey('Build')) { return }
    Write-Step "Build ($Configuration)"
    Invoke-Dotnet -Arguments @('build', $Solution, '-c', $Configuration)

    $version = Get-ProjectVersion
    $moduleDir = Get-ModuleOutputDirectory
    # Laid out by the build itself (so `dotnet build` alone, and the .NET tests, see the same module).
    $layoutDir = Join-Path $RepoRoot "artifacts/module/$Configuration/$ModuleName"
    if (-not (Test-Path -LiteralPath (Join-Path $layoutDir "$ModuleName.psd1"))) { throw "Module layout not found: $layoutDir" }

    Write-Step "Assemble $moduleDir"
    if (Test-Path -LiteralPath $moduleDir) { Remove-Item -LiteralPath $moduleDir -Recurse -Force }
    New-Item -ItemType Directory -Path $moduleDir -Force | Out-Null
    Copy-Item -Path (Join-Path $layoutDir '*') -Destination $moduleDir -Recurse
    $manifest = Join-Path $moduleDir "$ModuleName.psd1"

    # Fails (and stops the build) when a file the manifest names is missing or a field is invalid.
    $info = Test-ModuleManifest -Path $manifest
    $label = $info.Version.ToString()
    if (-not [string]::IsNullOrEmpty($version.Suffix)) { $label = "$label-$($version.Suffix)" }
    Write-Host "Built $ModuleName $label at $moduleDir"
    $script:Completed['Build'] = $true
}

function Invoke-TestTask {
    if ($script:Completed.ContainsKey('Test')) { return }
    Invoke-BuildTask

    # One test command for everything, the README's: the .NET suites and, in tests/CloudStorage.Pwsh.Tests, the Pester
    # suite in real pwsh (the pinned PowerShell tool and Pester, restored from NuGet by this build) on mem, local and
    # the S3, Azure and GCS emulators, which that project starts. Nothing is skipped: a suite that cannot run fails.
    Write-Step 'dotnet test (the .NET suites and the Pester suite on five stores)'
    Invoke-Dotnet -Arguments @('test', $Solution, '-c', $Configuration, '--no-build')
    $script:Completed['Test'] = $true
}

function Invoke-PackageTask {
    if ($script:Completed.ContainsKey('Package')) { return }
    Invoke-BuildTask
    Write-Step 'Package'

    $packageDir = Join-Path $OutRoot 'packages'
    New-Item -ItemType Directory -Path $packageDir -Force | Out-Null
    # -like, not -Filter: file name matching is case-sensitive on Linux and the package id's case may vary.
    Get-ChildItem -LiteralPath $packageDir -Filter '*.nupkg' -File |
        Where-Object { $_.Name -like "$ModuleName.*.nupkg" } |
        Remove-Item -Force

    # The module folder the build laid out, packed with the nuspec Publish-Module would write (id, version with the
    # Prerelease label, PSData fields, PSModule/PSCmdlet_/PSCommand_ tags; files at the package root):
    # src/CloudStorage.PowerShell/ModuleLayout.targets. The .NET tests unpack and check the same package.
    $project = Join-Path $RepoRoot 'src/CloudStorage.PowerShell/CloudStorage.PowerShell.csproj'
    Invoke-Dotnet -Arguments @('pack', $project, '-c', $Configuration, '--no-build', '-o', $packageDir)

    $package = Get-ChildItem -LiteralPath $packageDir -Filter '*.nupkg' -File |
        Where-Object { $_.Name -like "$ModuleName.*.nupkg" } |
        Select-Object -First 1
    if ($null -eq $package) { throw "dotnet pack reported success but no $ModuleName .nupkg is in $packageDir." }
    Write-Host "Package: $($package.FullName)"
    Write-Host "Publish with: Publish-PSResource -Path $(Get-ModuleOutputDirectory) -Repository PSGallery -ApiKey <key>"
    Write-Host "Try it with:  Register-PSResourceRepository -Name local -Uri $packageDir -Trusted; Install-PSResource $ModuleName -Repository local -Prerelease"
    $script:Completed['Package'] = $true
}

function Invoke-ExampleTask {
    if ($script:Completed.ContainsKey('Example')) { return }
    Invoke-BuildTask
    Write-Step 'Example: examples/local-runbook.ps1'
    $runbook = Join-Path $RepoRoot 'examples/local-runbook.ps1'
    $pwsh = Get-PwshCommand
    & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $runbook -ModulePath (Get-BuiltManifestPath)
    if ($LASTEXITCODE -ne 0) { throw "examples/local-runbook.ps1 failed with exit code $LASTEXITCODE." }
    $script:Completed['Example'] = $true
}

try {
    $tasks = $Task
    if ($tasks -contains 'All') { $tasks = @('Build', 'Test', 'Package', 'Example') }
    foreach ($name in $tasks) {
        switch ($name) {
            'Build' { Invoke-BuildTask }
            'Test' { Invoke-TestTask }
            'Package' { Invoke-PackageTask }
            'Example' { Invoke-ExampleTask }
        }
    }
    Write-Host ''
    Write-Host "Done: $($tasks -join ', ')" -ForegroundColor Green
    exit 0
}
catch {
    Write-Host ''
    Write-Host "FAILED: $($_.Exception.Message)" -ForegroundColor Red
    exit 1
}
