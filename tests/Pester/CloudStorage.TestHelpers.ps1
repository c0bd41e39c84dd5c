# Shared by the *.Tests.ps1 files in this folder. Dot-source it from a file's top-level BeforeAll:
#
#     BeforeAll { . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1'); Import-CloudStorageForTest }
#
# Every cmdlet is tested the same way against two stores: a fresh in-memory store (mem://pester-<guid>/)
# and a fresh temporary directory (a plain local path ending in a separator). Tests address objects as
# (Join-StorageAddress $store 'key') so the same case runs on both.
#
# With the emulators' variables in the environment, the data cmdlets' files run against them too (a fresh
# prefix in each emulator's default bucket or container). `dotnet test StoragePs.sln` does all of it
# (tests/CloudStorage.Pwsh.Tests starts the emulators and runs this suite in the pinned pwsh); by hand:
#
#     tests/emulators/emulators.sh start && eval "$(tests/emulators/emulators.sh env)"
#     dotnet pwsh -c 'Import-Module ~/.nuget/packages/pester/5.7.1/tools/Pester.psd1; Invoke-Pester tests/Pester'
#
# Such files discover their stores with Get-TestStoreKinds, so they dot-source this file in BeforeDiscovery too.

$CloudStoragePesterRoot = $PSScriptRoot

function Import-CloudStorageForTest {
    # The built module: $env:CLOUDSTORAGE_MODULE_PATH (set by the runners: tests/CloudStorage.Pwsh.Tests, which
    # `dotnet test` runs, and build.ps1 -Task Test), else the newest out/CloudStorage/<version>/CloudStorage.psd1.
    $path = $env:CLOUDSTORAGE_MODULE_PATH
    if ([string]::IsNullOrWhiteSpace($path)) {
        $repoRoot = Split-Path -Parent (Split-Path -Parent $CloudStoragePesterRoot)
        $outDir = Join-Path $repoRoot 'out/CloudStorage'
        $candidate = Get-ChildItem -Path $outDir -Filter 'CloudStorage.psd1' -Recurse -File -ErrorAction SilentlyContinue |
            Sort-Object -Property { [version]$_.Directory.Name } -Descending |
            Select-Object -First 1
        if ($null -eq $candidate) {
            throw "No built module: run ./build.ps1 first, or set CLOUDSTORAGE_MODULE_PATH to a CloudStorage.psd1."
        }
        $path = $candidate.FullName
    }
    if (-not (Get-Module -Name CloudStorage)) {
        if ([string]::IsNullOrWhiteSpace($env:CLOUDSTORAGE_PESTER_PATH)) {
            # Run by hand (not by a runner that set up a scratch config file): the -Persist tests must never write
            # the user's real providers.json, so this session gets a scratch file of its own before the import.
            $env:CLOUDSTORAGE_CONFIG = Join-Path ([System.IO.Path]::GetTempPath()) "cloudstorage-pester-$PID-providers.json"
        }
        Import-Module $path -ErrorAction Stop
    }
}

function Get-TestStoreKinds {
    # mem and local always; s3, azure and gcs when their emulator's variables (emulators.sh env) are set.
    $kinds = @('mem', 'local')
    if ($env:S3_EMULATOR_ENDPOINT -and $env:S3_EMULATOR_BUCKET) { $kinds += 's3' }
    if ($env:AZURE_STORAGE_CONNECTION_STRING -and $env:AZURE_STORAGE_ACCOUNT -and $env:AZURITE_CONTAINER) { $kinds += 'azure' }
    if ($env:STORAGE_EMULATOR_HOST -and $env:GCS_EMULATOR_BUCKET) { $kinds += 'gcs' }
    return $kinds
}

function New-TestStore {
    # A fresh, empty store of the given kind: Root is an address prefix ending in a separator (or a named
    # provider's root, "name:").
    param([Parameter(Mandatory)][ValidateSet('mem', 'local', 's3', 'azure', 'gcs')][string]$Kind)
    $id = [guid]::NewGuid().ToString('N')
    if ($Kind -eq 'mem') {
        return [pscustomobject]@{ Kind = 'mem'; Root = "mem://pester-$id/"; LocalPath = $null }
    }
    if ($Kind -eq 's3') {
        # A named provider carries the emulator's endpoint; the keys come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.
        $name = "pester-s3-$($id.Substring(0, 12))"
        $region = if ($env:AWS_REGION) { $env:AWS_REGION } else { 'us-east-1' }
        Register-StorageRemote -Name $name -Uri "s3://$($env:S3_EMULATOR_BUCKET)/pester-$id/" `
            -Option @{ endpoint = $env:S3_EMULATOR_ENDPOINT; region = $region } | Out-Null
        return [pscustomobject]@{ Kind = 's3'; Root = "${name}:"; LocalPath = $null; ProviderName = $name }
    }
    if ($Kind -eq 'azure') {
        # The endpoint and key come from AZURE_STORAGE_CONNECTION_STRING (it names this account).
        return [pscustomobject]@{ Kind = 'azure'; Root = "az://$($env:AZURE_STORAGE_ACCOUNT)/$($env:AZURITE_CONTAINER)/pester-$id/"; LocalPath = $null }
    }
    if ($Kind -eq 'gcs') {
        # STORAGE_EMULATOR_HOST points gs:// at the emulator (no credentials are sent to it).
        return [pscustomobject]@{ Kind = 'gcs'; Root = "gs://$($env:GCS_EMULATOR_BUCKET)/pester-$id/"; LocalPath = $null }
    }
    $dir = Join-Path ([System.IO.Path]::GetTempPath()) "cloudstorage-pester-$id"
    New-Item -ItemType Directory -Path $dir -Force | Out-Null
    return [pscustomobject]@{ Kind = 'local'; Root = $dir + [System.IO.Path]::DirectorySeparatorChar; LocalPath = $dir }
}

function Remove-TestStore {
    param($Store)
    if ($null -eq $Store) { return }
    if ($Store.Kind -eq 'local') {
        if (Test-Path -LiteralPath $Store.LocalPath) { Remove-Item -LiteralPath $Store.LocalPath -Recurse -Force }
    }
    else {
        # Memory stores live as long as the session, and emulator prefixes as long as the emulator: empty them.
        Remove-StorageObject -Uri $Store.Root -Recurse -Confirm:$false -ErrorAction SilentlyContinue
        if ($Store.PSObject.Properties['ProviderName']) { Unregister-StorageRemote -Name $Store.ProviderName }
    }
}

function Join-StorageAddress {
    param([Parameter(Mandatory)]$Store, [AllowEmptyString()][string]$Key = '')
    return $Store.Root + $Key
}

function Add-TestObject {
    # Writes one object with string content (UTF-8) and returns nothing.
    param([Parameter(Mandatory)]$Store, [Parameter(Mandatory)][string]$Key, [AllowEmptyString()][string]$Content = 'content')
    Send-StorageObject -Value $Content -Destination (Join-StorageAddress $Store $Key) -Force | Out-Null
}

function Get-TestObjectText {
    param([Parameter(Mandatory)]$Store, [Parameter(Mandatory)][string]$Key)
    return Get-StorageObject -Uri (Join-StorageAddress $Store $Key) -AsString
}

function Get-TestObjectNames {
    # The sorted leaf names of every object under a prefix (no prefix entries); empty when there are none.
    param([Parameter(Mandatory)]$Store, [AllowEmptyString()][string]$Prefix = '')
    $items = @(Get-StorageItem -Uri (Join-StorageAddress $Store $Prefix) -Recurse -ErrorAction SilentlyContinue)
    return @($items | Where-Object { -not $_.IsPrefix } | ForEach-Object { $_.Name } | Sort-Object)
}

function Test-TestObject {
    # True when exactly this key exists as an object.
    param([Parameter(Mandatory)]$Store, [Parameter(Mandatory)][string]$Key)
    $leaf = ($Key -split '/')[-1]
    $item = @(Get-StorageItem -Uri (Join-StorageAddress $Store $Key) -ErrorAction SilentlyContinue |
            Where-Object { -not $_.IsPrefix -and $_.Name -eq $leaf })
    return $item.Count -gt 0
}

function New-TestDirectory {
    # A fresh local directory for files to upload or to download into.
    $dir = Join-Path ([System.IO.Path]::GetTempPath()) ('cloudstorage-pester-files-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $dir -Force | Out-Null
    return $dir
}

function Get-OtherStoreKind {
    param([Parameter(Mandatory)][string]$Kind)
    if ($Kind -eq 'mem') { return 'local' }
    return 'mem'
}
