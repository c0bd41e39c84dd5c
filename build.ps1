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
    Test     Build, dotnet test StoragePs.sln, then the Pester 5 suite in tests/Pester against the built
             module when Pester 5 is installed (otherwise it says so and skips only that part). The Pester
             suite runs on mem and local stores, and on the S3, Azure and GCS emulators whose variables are
             in the environment (tests/emulators/emulators.sh start; eval "$(tests/emulators/emulators.sh env)").
    Package  Build, then a .nupkg for the PowerShell Gallery in out/packages: the module folder packed by
             `dotnet pack src/CloudStorage.PowerShell` with the nuspec Publish-Module would write.
    Example  Build, then run examples/local-runbook.ps1 against the built module (local provider only,
             no cloud account).
    All      Build, Test, Package, Example.

    Pester and the runbook run in a child pwsh so this session never loads the module's DLLs
    (which would lock them on Windows and keep the next build from overwriting them).

.EXAMPLE
    ./build.ps1 -Task Example

.EXAMPLE
    ./build.ps1 -Task Test -Configuration Debug
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

function Get-PwshPath {
    # The pwsh running this script, so children use the same version.
    $path = (Get-Process -Id $PID).Path
    if ([string]::IsNullOrEmpty($path)) { $path = 'pwsh' }
    $path
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

    Write-Step 'dotnet test'
    Invoke-Dotnet -Arguments @('test', $Solution, '-c', $Configuration, '--no-build')

    Write-Step 'Pester'
    $pester = Get-Module -ListAvailable -Name Pester |
        Where-Object { $_.Version -ge [version]'5.0.0' } |
        Sort-Object -Property Version -Descending |
        Select-Object -First 1
    if ($null -eq $pester) {
        Write-Host 'Pester 5 not found: skipped the Pester suite'
        $script:Completed['Test'] = $true
        return
    }

    $pesterOut = Join-Path $OutRoot 'pester'
    New-Item -ItemType Directory -Path $pesterOut -Force | Out-Null
    $configFile = Join-Path $pesterOut 'providers.json'
    if (Test-Path -LiteralPath $configFile) { Remove-Item -LiteralPath $configFile -Force }

    # The child reads these; CLOUDSTORAGE_CONFIG keeps -Persist tests away from the user's real config file.
    $saved = @{
        CLOUDSTORAGE_MODULE_PATH    = $env:CLOUDSTORAGE_MODULE_PATH
        CLOUDSTORAGE_CONFIG         = $env:CLOUDSTORAGE_CONFIG
        CLOUDSTORAGE_PESTER_PATH    = $env:CLOUDSTORAGE_PESTER_PATH
        CLOUDSTORAGE_PESTER_RESULTS = $env:CLOUDSTORAGE_PESTER_RESULTS
        CLOUDSTORAGE_PESTER_MODULE  = $env:CLOUDSTORAGE_PESTER_MODULE
    }
    $env:CLOUDSTORAGE_MODULE_PATH = Get-BuiltManifestPath
    $env:CLOUDSTORAGE_CONFIG = $configFile
    $env:CLOUDSTORAGE_PESTER_PATH = Join-Path $RepoRoot 'tests/Pester'
    $env:CLOUDSTORAGE_PESTER_RESULTS = Join-Path $pesterOut 'testResults.xml'
    $env:CLOUDSTORAGE_PESTER_MODULE = $pester.Path

    $childScript = @'
$ErrorActionPreference = 'Stop'
Import-Module $env:CLOUDSTORAGE_PESTER_MODULE
$config = New-PesterConfiguration
$config.Run.Path = $env:CLOUDSTORAGE_PESTER_PATH
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.TestResult.Enabled = $true
$config.TestResult.OutputPath = $env:CLOUDSTORAGE_PESTER_RESULTS
$result = Invoke-Pester -Configuration $config
if ($result.Result -ne 'Passed') { exit 1 }
exit 0
'@
    $encoded = [Convert]::ToBase64String([System.Text.Encoding]::Unicode.GetBytes($childScript))
    Write-Host "Pester $($pester.Version) against $($env:CLOUDSTORAGE_MODULE_PATH)"
    try {
        & (Get-PwshPath) -NoProfile -NonInteractive -EncodedCommand $encoded
        $exitCode = $LASTEXITCODE
    }
    finally {
        foreach ($name in $saved.Keys) {
            # A null value removes the variable again when it was not set before.
            [Environment]::SetEnvironmentVariable($name, $saved[$name])
        }
    }
    if ($exitCode -ne 0) { throw "The Pester suite failed (exit code $exitCode); results in $pesterOut." }
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
    & (Get-PwshPath) -NoProfile -NonInteractive -File $runbook -ModulePath (Get-BuiltManifestPath)
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
