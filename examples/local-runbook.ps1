#Requires -Version 7.4
<#
.SYNOPSIS
    A backup runbook on the local provider: upload, list, sync, verify, download, report, clean up.

.DESCRIPTION
    Needs no cloud account: the "backup" store is a local folder registered as a named provider, so every
    address below has the form backup:<key>. Replace the -Uri of Register-StorageRemote with
    s3://bucket/prefix/ (or gs://, az://) and the same runbook works against a cloud once those providers ship.

    Steps:
      1. create a folder of sample files
      2. register the named provider "backup" for a local root
      3. upload the samples (Send-StorageObject -Recurse) and list the large ones
      4. sync a mirror: -WhatIf, then for real, then again after changes with -Delete
      5. verify the mirror against the source (Test-StorageIntegrity)
      6. download the mirror to a folder (Get-StorageObject -Recurse)
      7. storage statistics (Measure-Object -Sum Size)
      8. retention: which objects would an age-based cleanup remove (-WhatIf)
      9. unregister the provider and remove the working folder

    Exits 0 on success and 1 on failure, printing what failed.

.PARAMETER Root
    Working folder for the samples, the backup root and the downloads. Default: a new folder under the
    temporary directory. It is removed at the end unless -KeepFiles is given.

.PARAMETER ModulePath
    The CloudStorage module to import (a .psd1 path or a module name). Default: $env:CLOUDSTORAGE_MODULE_PATH,
    else the CloudStorage module found on $env:PSModulePath. build.ps1 -Task Example passes the built module.

.PARAMETER ProviderName
    The name to register the backup root under. Default: backup.

.PARAMETER KeepFiles
    Keep the working folder to look at afterwards.

.EXAMPLE
    pwsh ./build.ps1 -Task Example

.EXAMPLE
    ./examples/local-runbook.ps1 -Root ~/cloudstorage-demo -KeepFiles
#>
[CmdletBinding()]
param(
    [string]$Root,
    [string]$ModulePath,
    [ValidatePattern('^[A-Za-z][A-Za-z0-9_.-]+$')]
    [string]$ProviderName = 'backup',
    [switch]$KeepFiles
)

$ErrorActionPreference = 'Stop'

function Write-Step {
    param([Parameter(Mandatory)][string]$Message)
    Write-Host ''
    Write-Host "== $Message" -ForegroundColor Cyan
}

function Format-Size {
    param([long]$Bytes)
    if ($Bytes -ge 1MB) { return '{0:0.0} MB' -f ($Bytes / 1MB) }
    if ($Bytes -ge 1KB) { return '{0:0.0} KB' -f ($Bytes / 1KB) }
    return "$Bytes B"
}

function Assert-Runbook {
    param([Parameter(Mandatory)][bool]$Condition, [Parameter(Mandatory)][string]$Message)
    if (-not $Condition) { throw "Check failed: $Message" }
}

function Get-SyncSummary {
    # Sync-StorageProvider emits its SyncAction objects and then one SyncSummary, last.
    param([object[]]$Output)
    $summary = @($Output | Where-Object { $_.PSObject.TypeNames -contains 'CloudStorage.Core.Model.SyncSummary' })
    Assert-Runbook ($summary.Count -eq 1) 'Sync-StorageProvider emitted one SyncSummary'
    $summary[0]
}

function Get-SyncActions {
    param([object[]]$Output)
    @($Output | Where-Object { $_.PSObject.TypeNames -contains 'CloudStorage.Core.Model.SyncAction' })
}

if ([string]::IsNullOrWhiteSpace($Root)) {
    $Root = Join-Path ([System.IO.Path]::GetTempPath()) ('cloudstorage-runbook-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
}
$Root = [System.IO.Path]::GetFullPath($Root)
$separator = [System.IO.Path]::DirectorySeparatorChar
$samples = Join-Path $Root 'samples'
$backupRoot = Join-Path $Root 'backup'
$downloads = Join-Path $Root 'downloads'
# A trailing separator makes a local path mean "the contents of this folder".
$samplesPrefix = $samples + $separator
$createdRoot = -not (Test-Path -LiteralPath $Root)
$createdDirs = [System.Collections.Generic.List[string]]::new()
$registered = $false
$failed = $false

try {
    Write-Step 'Import the module'
    if ([string]::IsNullOrWhiteSpace($ModulePath)) { $ModulePath = $env:CLOUDSTORAGE_MODULE_PATH }
    if ([string]::IsNullOrWhiteSpace($ModulePath)) { $ModulePath = 'CloudStorage' }
    Import-Module $ModulePath
    $module = Get-Module CloudStorage
    Write-Host "CloudStorage $($module.Version) from $($module.ModuleBase)"

    Write-Step "1. Sample files in $samples"
    foreach ($dir in @($samples, $backupRoot, $downloads)) {
        # Never reuse (and later delete) a folder the caller already had.
        if (Test-Path -LiteralPath $dir) { throw "$dir already exists: choose a -Root without samples, backup or downloads folders." }
    }
    foreach ($dir in @($samples, $backupRoot, $downloads)) {
        New-Item -ItemType Directory -Path $dir -Force | Out-Null
        $createdDirs.Add($dir)
    }
    foreach ($dir in @((Join-Path $samples 'reports'), (Join-Path $samples 'logs'))) {
        New-Item -ItemType Directory -Path $dir -Force | Out-Null
    }
    Set-Content -LiteralPath (Join-Path $samples 'readme.txt') -Value 'CloudStorage local runbook sample.' -Encoding utf8
    Set-Content -LiteralPath (Join-Path $samples 'reports/q1.csv') -Value (1..200 | ForEach-Object { "row $_,$($_ * 3)" }) -Encoding utf8
    Set-Content -LiteralPath (Join-Path $samples 'reports/q2.csv') -Value (1..50 | ForEach-Object { "row $_,$($_ * 7)" }) -Encoding utf8
    Set-Content -LiteralPath (Join-Path $samples 'logs/app.log') -Value (1..400 | ForEach-Object { "2026-01-01T00:00:$('{0:00}' -f ($_ % 60)) INFO event $_" }) -Encoding utf8
    $random = [byte[]]::new(65536)
    [System.Random]::new(42).NextBytes($random)
    [System.IO.File]::WriteAllBytes((Join-Path $samples 'photo.bin'), $random)
    $sourceFiles = @(Get-ChildItem -LiteralPath $samples -Recurse -File)
    Write-Host "$($sourceFiles.Count) files, $(Format-Size ($sourceFiles | Measure-Object -Property Length -Sum).Sum)"

    Write-Step "2. Register the named provider '$ProviderName' for $backupRoot"
    Register-StorageRemote -Name $ProviderName -Uri $backupRoot -Force -PassThru | Out-Host
    $registered = $true
    $store = "${ProviderName}:"

    Write-Step "3. Upload the samples to ${store}incoming/ and list the objects over 4 KB"
    $uploaded = @(Send-StorageObject -Path $samplesPrefix -Destination "${store}incoming/" -Recurse -Force)
    Write-Host "Uploaded $($uploaded.Count) objects."
    Assert-Runbook ($uploaded.Count -eq $sourceFiles.Count) "every sample file was uploaded ($($uploaded.Count) of $($sourceFiles.Count))"
    Get-StorageItem "${store}incoming/" -Recurse | Where-Object Size -gt 4KB | Out-Host

    Write-Step "4a. Sync $samplesPrefix to ${store}mirror/ -WhatIf (the plan; nothing changes)"
    $plan = @(Sync-StorageProvider -Source $samplesPrefix -Destination "${store}mirror/" -WhatIf)
    $plan | Out-Host
    $planSummary = Get-SyncSummary $plan
    $mirrorAfterPlan = @(Get-StorageItem "${store}mirror/" -Recurse -ErrorAction SilentlyContinue)
    Assert-Runbook ($mirrorAfterPlan.Count -eq 0) 'a -WhatIf sync wrote nothing'
    Assert-Runbook ($planSummary.WhatIf -eq $true) 'the -WhatIf summary says WhatIf'

    Write-Step '4b. Sync for real'
    $run = @(Sync-StorageProvider -Source $samplesPrefix -Destination "${store}mirror/")
    $run | Out-Host
    $runSummary = Get-SyncSummary $run
    Assert-Runbook ($runSummary.Failed -eq 0) 'no sync action failed'
    Assert-Runbook ($runSummary.Copied -eq $sourceFiles.Count) "every file was copied ($($runSummary.Copied) of $($sourceFiles.Count))"

    Write-Step '4c. Change the source (edit, add, delete), then sync with -Delete'
    Add-Content -LiteralPath (Join-Path $samples 'readme.txt') -Value 'A second line makes the file longer.' -Encoding utf8
    Set-Content -LiteralPath (Join-Path $samples 'reports/q3.csv') -Value 'row 1,1' -Encoding utf8
    Remove-Item -LiteralPath (Join-Path $samples 'logs/app.log')
    $delta = @(Sync-StorageProvider -Source $samplesPrefix -Destination "${store}mirror/" -Delete)
    $delta | Out-Host
    $deltaSummary = Get-SyncSummary $delta
    $deltaActions = Get-SyncActions $delta
    Assert-Runbook ($deltaSummary.Failed -eq 0) 'no sync action failed'
    Assert-Runbook (@($deltaActions | Where-Object { $_.Action -eq 'Update' -and $_.Key -eq 'readme.txt' }).Count -eq 1) 'readme.txt was updated'
    Assert-Runbook (@($deltaActions | Where-Object { $_.Action -eq 'Copy' -and $_.Key -eq 'reports/q3.csv' }).Count -eq 1) 'reports/q3.csv was copied'
    Assert-Runbook (@($deltaActions | Where-Object { $_.Action -eq 'Delete' -and $_.Key -eq 'logs/app.log' }).Count -eq 1) 'logs/app.log was deleted'

    Write-Step "5. Verify ${store}mirror/ against $samplesPrefix"
    $check = @(Test-StorageIntegrity -Uri "${store}mirror/" -Reference $samplesPrefix -Recurse)
    $check | Out-Host
    $problems = @($check | Where-Object { $_.Status -ne 'Match' -and $_.Status -ne 'Unverifiable' })
    $unverifiable = @($check | Where-Object { $_.Status -eq 'Unverifiable' })
    if ($unverifiable.Count -gt 0) {
        Write-Warning "$($unverifiable.Count) object(s) could not be verified without -Download."
    }
    Assert-Runbook ($problems.Count -eq 0) "the mirror matches the source ($($problems.Count) problem(s))"
    $currentFiles = @(Get-ChildItem -LiteralPath $samples -Recurse -File)
    Assert-Runbook ($check.Count -eq $currentFiles.Count) "one result per source file ($($check.Count) of $($currentFiles.Count))"

    Write-Step "6. Download ${store}mirror/ to $downloads"
    $files = @(Get-StorageObject -Uri "${store}mirror/" -Destination $downloads -Recurse -Force)
    Write-Host "Downloaded $($files.Count) files."
    $downloaded = @(Get-ChildItem -LiteralPath $downloads -Recurse -File)
    Assert-Runbook ($downloaded.Count -eq $currentFiles.Count) "every mirrored object was downloaded ($($downloaded.Count) of $($currentFiles.Count))"
    $readme = Get-StorageObject -Uri "${store}mirror/readme.txt" -AsString
    Write-Host "readme.txt says: $($readme.Trim() -replace '\r?\n', ' / ')"

    Write-Step "7. Storage statistics for $store"
    $stats = Get-StorageItem $store -Recurse | Where-Object { -not $_.IsPrefix } | Measure-Object -Property Size -Sum
    Write-Host ("{0} objects, {1} in {2}" -f $stats.Count, (Format-Size ([long]$stats.Sum)), $store)

    Write-Step '8. Retention: objects older than the cutoff would be removed (-WhatIf)'
    # In production use something like [DateTimeOffset]::Now.AddDays(-30); here "now" makes every
    # object of this run old enough, so the -WhatIf lines have something to show.
    $cutoff = [DateTimeOffset]::Now
    $old = @(Get-StorageItem "${store}incoming/" -Recurse | Where-Object { -not $_.IsPrefix -and $null -ne $_.LastModified -and $_.LastModified -lt $cutoff })
    Write-Host "$($old.Count) object(s) under ${store}incoming/ are older than $($cutoff.ToString('u'))."
    $old | Remove-StorageObject -WhatIf
    $stillThere = @(Get-StorageItem "${store}incoming/" -Recurse)
    Assert-Runbook ($stillThere.Count -eq $uploaded.Count) 'Remove-StorageObject -WhatIf removed nothing'

    Write-Host ''
    Write-Host 'Runbook completed.' -ForegroundColor Green
}
catch {
    $failed = $true
    $message = "Runbook FAILED: $($_.Exception.Message)"
    if ($_.InvocationInfo -and $_.InvocationInfo.ScriptLineNumber) {
        $message += " (line $($_.InvocationInfo.ScriptLineNumber))"
    }
    $Host.UI.WriteErrorLine($message)
}
finally {
    Write-Step '9. Clean up'
    if ($registered) {
        try {
            Unregister-StorageRemote -Name $ProviderName
            Write-Host "Unregistered '$ProviderName'."
        }
        catch {
            $failed = $true
            $Host.UI.WriteErrorLine("Could not unregister '$ProviderName': $($_.Exception.Message)")
        }
    }
    if ($KeepFiles) {
        Write-Host "Kept $Root"
    }
    elseif (Test-Path -LiteralPath $Root) {
        if ($createdRoot) {
            Remove-Item -LiteralPath $Root -Recurse -Force
            Write-Host "Removed $Root"
        }
        else {
            # Only what the runbook made: never a folder the caller already had.
            foreach ($dir in $createdDirs) {
                if (Test-Path -LiteralPath $dir) { Remove-Item -LiteralPath $dir -Recurse -Force }
            }
            Write-Host "Removed the runbook's folders under $Root"
        }
    }
}

if ($failed) { exit 1 }
exit 0
