<#
.SYNOPSIS
    Our cmdlets in this one pwsh session against rclone and aws-cli as child processes, alternately, on the same data
    and the same emulators. Started by bench.sh (which installs the peers, builds the module and starts the
    emulators); run it directly only with the emulators' environment in place (`eval "$(emulators.sh env)"`).

.DESCRIPTION
    Ours: each workload is timed inside the session (Stopwatch), with the session's CPU time (user + system) and its
    peak resident set (VmHWM, reset through /proc/self/clear_refs before each run, after a full GC) — so pwsh start
    and Import-Module are not in those figures; they are measured on their own (workload 'startup': new processes,
    and the one real Import-Module of this session). Peers: /usr/bin/time gives CPU and peak RSS of the child.
    The ratio is ours / the best peer, median wall against median wall, within this run; CPU ratio is against rclone.
#>
param(
    [Parameter(Mandatory)][string]$Module,
    [Parameter(Mandatory)][string]$WorkDir,
    [int]$Repetitions = 3,
    [int]$SmallCount = 2000,
    [int]$SmallKiB = 16,
    [int]$ListCount = 10000,
    [int]$LargeMiB = 512,
    [string]$RssMiB = '128,1024',
    [string]$Workloads = 'startup,sync-s3,sync-local,list-s3,check-s3,large-s3,rss-s3,sync-azure,sync-gcs',
    [string]$Peers = 'rclone,aws,cp',
    [int]$Parallelism = 0,
    [switch]$Quick,
    [string]$Output
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3

if ($Quick) {
    if (-not $PSBoundParameters.ContainsKey('Repetitions')) { $Repetitions = 1 }
    if (-not $PSBoundParameters.ContainsKey('SmallCount')) { $SmallCount = 200 }
    if (-not $PSBoundParameters.ContainsKey('ListCount')) { $ListCount = 1000 }
    if (-not $PSBoundParameters.ContainsKey('LargeMiB')) { $LargeMiB = 64 }
    if (-not $PSBoundParameters.ContainsKey('RssMiB')) { $RssMiB = '32,128' }
}
$selected = $Workloads -split ',' | ForEach-Object Trim
$peerSet = $Peers -split ',' | ForEach-Object Trim
$rssSizes = $RssMiB -split ',' | ForEach-Object { [int]$_ }
$Output = if ($Output) { $Output } else { Join-Path $WorkDir 'results' }
New-Item -ItemType Directory -Force -Path $Output | Out-Null
$aws = '/usr/bin/aws'
$haveRclone = [bool](Get-Command rclone -CommandType Application -ErrorAction SilentlyContinue) -and $peerSet -contains 'rclone'
$haveAws = (Test-Path $aws) -and $peerSet -contains 'aws'
$results = [System.Collections.Generic.List[object]]::new()
$timeFile = Join-Path $WorkDir 'time.txt'

function Get-StatusKiB([string]$Field) {
    foreach ($line in [IO.File]::ReadAllLines('/proc/self/status')) {
        if ($line.StartsWith("${Field}:")) { return [long]($line -replace '\D', '') }
    }
    throw "no $Field in /proc/self/status"
}

function Add-Result($Workload, $Tool, $Rep, $Wall, $Cpu, $PeakMiB, [bool]$Ok, $Note, $GrowthMiB = $null) {
    $r = [pscustomobject]@{ Workload = $Workload; Tool = $Tool; Rep = $Rep; Wall = [math]::Round($Wall, 3); Cpu = [math]::Round($Cpu, 3)
        PeakMiB = [math]::Round($PeakMiB, 1); GrowthMiB = if ($null -ne $GrowthMiB) { [math]::Round($GrowthMiB, 1) }; Ok = $Ok; Note = "$Note" }
    $results.Add($r)
    $status = if ($Ok) { '' } else { ' NOT MEASURED' }
    [Console]::Error.WriteLine(('{0,-22} {1,-22} #{2} {3,8:N2} s  cpu {4,7:N2} s  rss {5,6:N0} MiB{6} {7}' -f $Workload, $Tool, $Rep, $Wall, $Cpu, $PeakMiB, $status, $Note))
}

# One run of ours inside this session. $Body returns a note (what it did) and throws when the result is wrong.
function Invoke-Ours([string]$Workload, [int]$Rep, [scriptblock]$Body, [string]$Tool = 'ours') {
    [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
    [IO.File]::WriteAllText('/proc/self/clear_refs', '5')   # resets VmHWM to the current RSS
    $me = [Diagnostics.Process]::GetCurrentProcess()
    $rss0 = Get-StatusKiB VmRSS
    $cpu0 = $me.TotalProcessorTime
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $ok = $true
    try { $note = & $Body } catch { $ok = $false; $note = "failed: $($_.Exception.Message)" }
    $clock.Stop()
    $me.Refresh()
    $peak = Get-StatusKiB VmHWM
    Add-Result $Workload $Tool $Rep $clock.Elapsed.TotalSeconds ($me.TotalProcessorTime - $cpu0).TotalSeconds ($peak / 1024) $ok $note (($peak - $rss0) / 1024)
}

# One run of a peer as a child process under /usr/bin/time. $Verify gets the child's stdout and returns $null or a reason.
function Invoke-Peer([string]$Workload, [string]$Tool, [int]$Rep, [string]$Exe, [string[]]$Arguments, [hashtable]$Environment = @{}, [scriptblock]$Verify, [string]$Directory) {
    $psi = [Diagnostics.ProcessStartInfo]::new('/usr/bin/time')
    foreach ($a in @('-f', '%e %U %S %M', '-o', $timeFile, $Exe) + $Arguments) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.UseShellExecute = $false
    if ($Directory) { $psi.WorkingDirectory = $Directory }
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = [string]$Environment[$k] }
    [void]$psi.Environment.Remove('AWS_CA_BUNDLE')
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $p = [Diagnostics.Process]::Start($psi)
    $out = $p.StandardOutput.ReadToEndAsync(); $err = $p.StandardError.ReadToEndAsync()
    $p.WaitForExit(); $clock.Stop()
    $fields = ((Get-Content $timeFile | Select-Object -Last 1) -split ' ')
    $note = $null
    if ($p.ExitCode -ne 0) { $note = "exit $($p.ExitCode): " + (($err.Result.Trim() -split "`n" | Select-Object -Last 2) -join ' | ') }
    elseif ($Verify) { $note = & $Verify $out.Result }
    Add-Result $Workload $Tool $Rep $clock.Elapsed.TotalSeconds ([double]$fields[1] + [double]$fields[2]) ([double]$fields[3] / 1024) ($null -eq $note) $note
}

function New-Data([string]$Dir, [int]$Count, [int]$Bytes) {
    if (Test-Path $Dir) { return }
    $rng = [Random]::new(14)
    $buffer = [byte[]]::new($Bytes)
    for ($i = 0; $i -lt $Count; $i++) {
        $sub = Join-Path $Dir ('d{0:d2}' -f ($i % 20))
        if ($i -lt 20) { [void][IO.Directory]::CreateDirectory($sub) }
        $rng.NextBytes($buffer)
        [IO.File]::WriteAllBytes((Join-Path $sub ('f{0:d5}.bin' -f $i)), $buffer)
    }
}

function New-LargeFile([int]$MiB) {
    $path = Join-Path $WorkDir "data/large-$MiB.bin"
    if (Test-Path $path) { return $path }
    $rng = [Random]::new($MiB); $buffer = [byte[]]::new(1MB)
    $fs = [IO.File]::Create($path)
    try { for ($i = 0; $i -lt $MiB; $i++) { $rng.NextBytes($buffer); $fs.Write($buffer, 0, $buffer.Length) } } finally { $fs.Dispose() }
    return $path
}

function Get-Median([double[]]$Values) {
    $s = @($Values | Sort-Object)
    if ($s.Count -eq 0) { return $null }
    if ($s.Count % 2) { return $s[[int][math]::Floor($s.Count / 2)] }
    return ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2
}

# ---- environment of the peers (the emulators' development credentials, not secrets) ----
$s3Endpoint = $env:S3_EMULATOR_ENDPOINT; $bucket = $env:S3_EMULATOR_BUCKET
$rcloneS3 = @{ RCLONE_S3_PROVIDER = 'Other'; RCLONE_S3_ENDPOINT = $s3Endpoint; RCLONE_S3_REGION = 'us-east-1'
    RCLONE_S3_ACCESS_KEY_ID = $env:AWS_ACCESS_KEY_ID; RCLONE_S3_SECRET_ACCESS_KEY = $env:AWS_SECRET_ACCESS_KEY; RCLONE_S3_FORCE_PATH_STYLE = 'true' }
$awsEnv = @{ AWS_DEFAULT_REGION = 'us-east-1'; AWS_PAGER = '' }
function Get-ContainerSas {
    $version = '2024-11-04'; $permissions = 'racwdl'
    $expiry = [DateTimeOffset]::UtcNow.AddDays(1).ToString('yyyy-MM-ddTHH:mm:ssZ')
    $toSign = @($permissions, '', $expiry, "/blob/$env:AZURE_STORAGE_ACCOUNT/$env:AZURITE_CONTAINER", '', '', '', $version, 'c', '', '', '', '', '', '', '') -join "`n"
    $sig = [Convert]::ToBase64String([Security.Cryptography.HMACSHA256]::HashData([Convert]::FromBase64String($env:AZURE_STORAGE_KEY), [Text.Encoding]::UTF8.GetBytes($toSign)))
    "sv=$version&se=$([Uri]::EscapeDataString($expiry))&sr=c&sp=$permissions&sig=$([Uri]::EscapeDataString($sig))"
}
$rcloneAz = @{ RCLONE_AZUREBLOB_SAS_URL = "$env:AZURITE_BLOB_ENDPOINT/$($env:AZURITE_CONTAINER)?$(Get-ContainerSas)" }
$rcloneGcs = @{ RCLONE_GCS_ANONYMOUS = 'true'; RCLONE_GCS_ENDPOINT = $env:STORAGE_EMULATOR_HOST.TrimEnd('/') + '/storage/v1/' }

# ---- startup: new processes, then this session's own (one) Import-Module ----
$pwshDll = Join-Path $PSHOME 'pwsh.dll'
if ($selected -contains 'startup') {
    for ($r = 1; $r -le [math]::Max($Repetitions, 3); $r++) {
        Invoke-Peer 'startup' 'pwsh' $r 'dotnet' @($pwshDll, '-NoProfile', '-NonInteractive', '-Command', 'exit')
        Invoke-Peer 'startup' 'pwsh + Import-Module' $r 'dotnet' @($pwshDll, '-NoProfile', '-NonInteractive', '-Command', "Import-Module '$Module'; exit")
    }
}
Invoke-Ours 'startup' 0 { Import-Module $Module; 'the one Import-Module of this session' } -Tool 'Import-Module (in session)'
if ($Parallelism -gt 0) { $PSDefaultParameterValues['Sync-StorageProvider:Parallelism'] = $Parallelism }

Register-StorageRemote -Name bs3 -Uri "s3://$bucket/" -Option @{ endpoint = $s3Endpoint; region = 'us-east-1' }
Register-StorageRemote -Name baz -Uri "az://$env:AZURE_STORAGE_ACCOUNT/$env:AZURITE_CONTAINER/" -Option @{ endpoint = $env:AZURITE_BLOB_ENDPOINT }
Register-StorageRemote -Name bgs -Uri "gs://$env:GCS_EMULATOR_BUCKET/" -Option @{ 'emulator-host' = $env:STORAGE_EMULATOR_HOST }

# ---- data ----
$small = Join-Path $WorkDir "data/small-$SmallCount-$SmallKiB"
New-Data $small $SmallCount ($SmallKiB * 1KB)
# Local destinations start empty in every run, also when BENCH_DIR keeps the data of an earlier one (a sync into last
# run's copies would measure a no-op).
$dst = Join-Path $WorkDir 'dst'
$down = Join-Path $WorkDir 'down'
foreach ($folder in $dst, $down) {
    if (Test-Path -LiteralPath $folder) { Remove-Item -LiteralPath $folder -Recurse -Force }
    [void][IO.Directory]::CreateDirectory($folder)
}

function Invoke-OursSync([string]$Destination, [bool]$NoOp) {
    $summary = Sync-StorageProvider -Source "$small/" -Destination $Destination | Select-Object -Last 1
    $moved = $summary.Copied + $summary.Updated
    if ($summary.Failed -gt 0) { throw "$($summary.Failed) failed" }
    if ($NoOp) { if ($moved -gt 0) { "copied $moved again" } else { 'nothing copied' } }
    elseif ($moved -ne $SmallCount) { throw "copied $moved of $SmallCount" } else { "copied $moved" }
}

# Small-object sync and its no-op re-run, ours and the peers alternately; each run of each tool has its own prefix.
function Invoke-SyncPair([string]$Name, [string]$OursRoot, [hashtable[]]$PeerRuns) {
    for ($r = 1; $r -le $Repetitions; $r++) {
        Invoke-Ours $Name $r { Invoke-OursSync "$OursRoot/ours-$r/" $false }
        Invoke-Ours "$Name (no-op)" $r { Invoke-OursSync "$OursRoot/ours-$r/" $true }
        foreach ($peer in $PeerRuns) {
            $target = & $peer.Target $r
            Invoke-Peer $Name $peer.Tool $r $peer.Exe (@($peer.Args) + @($small, $target)) $peer.Env
            if (-not $peer.ContainsKey('NoNoOp')) { Invoke-Peer "$Name (no-op)" $peer.Tool $r $peer.Exe (@($peer.Args) + @($small, $target)) $peer.Env }
        }
    }
}

$label = "$SmallCount x $SmallKiB KiB"
if ($selected -contains 'sync-s3') {
    $peersRuns = @()
    if ($haveRclone) { $peersRuns += @{ Tool = 'rclone'; Exe = 'rclone'; Args = @('sync'); Env = $rcloneS3; Target = { param($r) ":s3:$bucket/sync/rclone-$r" } } }
    if ($haveAws) { $peersRuns += @{ Tool = 'aws-cli'; Exe = $aws; Args = @('s3', 'sync', '--only-show-errors', '--endpoint-url', $s3Endpoint); Env = $awsEnv; Target = { param($r) "s3://$bucket/sync/aws-$r/" } } }
    Invoke-SyncPair "sync $label -> S3" 'bs3:sync' $peersRuns
}
if ($selected -contains 'sync-local') {
    $peersRuns = @()
    if ($haveRclone) { $peersRuns += @{ Tool = 'rclone'; Exe = 'rclone'; Args = @('sync'); Env = @{}; Target = { param($r) "$dst/rclone-$r" } } }
    if ($peerSet -contains 'cp') { $peersRuns += @{ Tool = 'cp -r'; Exe = 'cp'; Args = @('-r'); Env = @{}; NoNoOp = $true; Target = { param($r) "$dst/cp-$r" } } }
    Invoke-SyncPair "sync $label local" $dst $peersRuns
}
if ($selected -contains 'sync-azure') {
    $peersRuns = @()
    if ($haveRclone) { $peersRuns += @{ Tool = 'rclone'; Exe = 'rclone'; Args = @('sync'); Env = $rcloneAz; Target = { param($r) ":azureblob:$env:AZURITE_CONTAINER/sync/rclone-$r" } } }
    Invoke-SyncPair "sync $label -> Azurite" 'baz:sync' $peersRuns
}
if ($selected -contains 'sync-gcs') {
    $peersRuns = @()
    # rclone 1.60 sends objects under 16 MiB as one multipart request, which the emulator refuses (400, "Missing
    # content type"): one attempt each, so that the refusal is reported quickly instead of retried 2,000 x 30 times.
    if ($haveRclone) { $peersRuns += @{ Tool = 'rclone'; Exe = 'rclone'; Args = @('sync', '--retries', '1', '--low-level-retries', '1'); Env = $rcloneGcs; Target = { param($r) ":gcs:$env:GCS_EMULATOR_BUCKET/sync/rclone-$r" } } }
    Invoke-SyncPair "sync $label -> GCS emu" 'bgs:sync' $peersRuns
}

if ($selected -contains 'check-s3') {
    # Everyone checks the same objects: the ones our first sync stored (synced now when sync-s3 did not run).
    if (-not (Get-StorageItem -Uri 'bs3:sync/ours-1/' -First 1)) { Sync-StorageProvider -Source "$small/" -Destination 'bs3:sync/ours-1/' | Out-Null }
    for ($r = 1; $r -le $Repetitions; $r++) {
        Invoke-Ours "check $SmallCount local vs S3" $r {
            $res = @(Test-StorageIntegrity -Uri "$small/" -Reference 'bs3:sync/ours-1/' -Recurse)
            $bad = @($res | Where-Object Status -NE 'Match')
            if ($res.Count -ne $SmallCount -or $bad.Count) { throw "$($res.Count) results, $($bad.Count) not Match ($($bad | Select-Object -First 1 | ForEach-Object { "$($_.Status) $($_.Method) $($_.Detail)" }))" }
            "$($res.Count) Match via $(@($res.Method | Sort-Object -Unique) -join ',')"
        }
        if ($haveRclone) { Invoke-Peer "check $SmallCount local vs S3" 'rclone' $r 'rclone' @('check', $small, ":s3:$bucket/sync/ours-1") $rcloneS3 }
    }
}

if ($selected -contains 'list-s3') {
    $listDir = Join-Path $WorkDir "data/list-$ListCount"
    New-Data $listDir $ListCount 64
    # Seeding is not measured; rclone is the quickest when present (its settings only for that child).
    if ($haveRclone) {
        $saved = @{}; foreach ($k in $rcloneS3.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $rcloneS3[$k]) }
        & rclone copy --transfers 16 $listDir ":s3:$bucket/list-$ListCount" 2>&1 | Out-Null
        foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
    }
    if (@(Get-StorageItem -Uri "bs3:list-$ListCount/" -Recurse).Count -ne $ListCount) {
        Sync-StorageProvider -Source "$listDir/" -Destination "bs3:list-$ListCount/" | Out-Null
    }
    for ($r = 1; $r -le $Repetitions; $r++) {
        Invoke-Ours "list $ListCount on S3" $r {
            $n = (Get-StorageItem -Uri "bs3:list-$ListCount/" -Recurse | Measure-Object).Count
            if ($n -ne $ListCount) { throw "listed $n" } "listed $n"
        }
        $verify = { param($out) $n = @($out -split "`n" | Where-Object { $_ }).Count; if ($n -ne $ListCount) { "listed $n" } }.GetNewClosure()
        if ($haveRclone) { Invoke-Peer "list $ListCount on S3" 'rclone' $r 'rclone' @('lsf', '-R', '--files-only', ":s3:$bucket/list-$ListCount") $rcloneS3 $verify }
        if ($haveAws) { Invoke-Peer "list $ListCount on S3" 'aws-cli' $r $aws @('s3', 'ls', '--recursive', '--endpoint-url', $s3Endpoint, "s3://$bucket/list-$ListCount/") $awsEnv $verify }
    }
}

function Invoke-Large([int]$MiB, [int]$Reps, [bool]$WithPeers) {
    $file = New-LargeFile $MiB
    $bytes = [long]$MiB * 1MB
    for ($r = 1; $r -le $Reps; $r++) {
        Invoke-Ours "$MiB MiB file -> S3" $r {
            $item = Send-StorageObject -Path $file -Destination "bs3:large/ours-$MiB.bin" -Force
            if ($item.Size -ne $bytes) { throw "stored $($item.Size) bytes" } 'stored'
        }
        if ($WithPeers -and $haveRclone) { Invoke-Peer "$MiB MiB file -> S3" 'rclone' $r 'rclone' @('copyto', '--no-check-dest', $file, ":s3:$bucket/large/rclone-$MiB.bin") $rcloneS3 }
        if ($WithPeers -and $haveAws) { Invoke-Peer "$MiB MiB file -> S3" 'aws-cli' $r $aws @('s3', 'cp', '--only-show-errors', '--endpoint-url', $s3Endpoint, $file, "s3://$bucket/large/aws-$MiB.bin") $awsEnv }
        foreach ($tool in @('ours') + @(if ($WithPeers -and $haveRclone) { 'rclone' }) + @(if ($WithPeers -and $haveAws) { 'aws-cli' })) {
            $target = Join-Path $down "$tool-$MiB.bin"
            $verify = { param($out) if (-not (Test-Path $target) -or (Get-Item $target).Length -ne $bytes) { 'wrong length' } }.GetNewClosure()
            switch ($tool) {
                'ours' {
                    Invoke-Ours "S3 -> $MiB MiB file" $r {
                        Get-StorageObject -Uri "bs3:large/ours-$MiB.bin" -Destination $target -Force | Out-Null
                        if ((Get-Item $target).Length -ne $bytes) { throw 'wrong length' } 'whole'
                    }
                }
                'rclone' { Invoke-Peer "S3 -> $MiB MiB file" 'rclone' $r 'rclone' @('copyto', '--no-check-dest', ":s3:$bucket/large/rclone-$MiB.bin", $target) $rcloneS3 $verify }
                'aws-cli' { Invoke-Peer "S3 -> $MiB MiB file" 'aws-cli' $r $aws @('s3', 'cp', '--only-show-errors', '--endpoint-url', $s3Endpoint, "s3://$bucket/large/aws-$MiB.bin", $target) $awsEnv $verify }
            }
            Remove-Item $target -ErrorAction SilentlyContinue
        }
    }
}
if ($selected -contains 'large-s3') { Invoke-Large $LargeMiB $Repetitions $true }
# Peak RSS of a whole process that does only the transfer, as a user running one command sees it (pwsh included).
function Invoke-OursProcess([string]$Workload, [int]$Rep, [string]$Command) {
    $setup = "`$ErrorActionPreference = 'Stop'; Import-Module '$Module'; Register-StorageRemote -Name bs3 -Uri 's3://$bucket/' -Option @{ endpoint = '$s3Endpoint'; region = 'us-east-1' }; "
    Invoke-Peer $Workload 'ours (new pwsh)' $Rep 'dotnet' @($pwshDll, '-NoProfile', '-NonInteractive', '-Command', $setup + $Command)
}
if ($selected -contains 'rss-s3') {
    foreach ($mib in @($rssSizes) + @($LargeMiB) | Sort-Object -Unique) {
        $file = New-LargeFile $mib
        $target = Join-Path $down "rss-$mib.bin"
        Invoke-OursProcess "$mib MiB file -> S3" 1 "Send-StorageObject -Path '$file' -Destination 'bs3:large/rss-$mib.bin' -Force | Out-Null"
        Invoke-OursProcess "S3 -> $mib MiB file" 1 "Get-StorageObject -Uri 'bs3:large/rss-$mib.bin' -Destination '$target' -Force | Out-Null; if ((Get-Item '$target').Length -ne $([long]$mib * 1MB)) { exit 3 }"
        Remove-Item $target -ErrorAction SilentlyContinue
    }
}

# ---- the table ----
$results | ConvertTo-Json -Depth 3 | Set-Content (Join-Path $Output 'results.json')
$lines = [System.Collections.Generic.List[string]]::new()
$lines.Add("CloudStorage cmdlets (one pwsh session) vs peers; $Repetitions repetition(s), $([Environment]::ProcessorCount) cores, $(Get-Date -AsUTC -Format 'yyyy-MM-dd HH:mm') UTC")
$lines.Add('Ours: inside the session (no pwsh start; peak RSS is the session''s, with its growth during the run in brackets); ours (new pwsh) is a new process doing only that transfer, pwsh start included. Ratios compare medians within this run; the machine may be shared, so absolute figures are noisy.')
$lines.Add('')
$lines.Add('| workload | tool | wall median (min-max) s | CPU s | peak RSS MiB (max) | ours/best peer (wall) | ours/rclone (CPU) | note |')
$lines.Add('|---|---|---|---|---|---|---|---|')
foreach ($w in $results | Group-Object Workload | Sort-Object { $results.IndexOf(($_.Group | Select-Object -First 1)) }) {
    $byTool = $w.Group | Group-Object Tool
    $stats = foreach ($t in $byTool) {
        $good = @($t.Group | Where-Object Ok)
        [pscustomobject]@{
            Tool = $t.Name; N = $good.Count
            Wall = if ($good) { Get-Median $good.Wall } else { $null }
            Min = if ($good) { ($good.Wall | Measure-Object -Minimum).Minimum } else { $null }
            Max = if ($good) { ($good.Wall | Measure-Object -Maximum).Maximum } else { $null }
            Cpu = if ($good) { Get-Median $good.Cpu } else { $null }
            Rss = if ($good) { ($good.PeakMiB | Measure-Object -Maximum).Maximum } else { $null }
            Growth = if ($good -and $null -ne $good[0].GrowthMiB) { ($good.GrowthMiB | Measure-Object -Maximum).Maximum } else { $null }
            Note = (@($t.Group.Note | Where-Object { $_ } | Sort-Object -Unique) -join '; ')
        }
    }
    $ours = $stats | Where-Object Tool -EQ 'ours'
    $peerStats = @($stats | Where-Object { $_.Tool -notin 'ours', 'ours (new pwsh)', 'pwsh', 'pwsh + Import-Module', 'Import-Module (in session)' -and $_.Wall })
    $best = $peerStats | Sort-Object Wall | Select-Object -First 1
    $rclone = $peerStats | Where-Object Tool -EQ 'rclone'
    foreach ($s in $stats) {
        $ratio = if ($s.Tool -eq 'ours' -and $ours.Wall -and $best) { '{0:N2}x ({1})' -f ($ours.Wall / $best.Wall), $best.Tool } else { '' }
        $cpuRatio = if ($s.Tool -eq 'ours' -and $ours.Wall -and $rclone -and $rclone.Cpu -gt 0) { '{0:N2}x' -f ($ours.Cpu / $rclone.Cpu) } else { '' }
        $wall = if ($s.Wall) { '{0:N2} ({1:N2}-{2:N2})' -f $s.Wall, $s.Min, $s.Max } else { 'not measured' }
        $cpu = if ($null -ne $s.Cpu) { '{0:N2}' -f $s.Cpu } else { '' }
        $rss = if ($s.Rss) { '{0:N0}' -f $s.Rss } else { '' }
        if ($null -ne $s.Growth) { $rss += ' (+{0:N0} in session)' -f $s.Growth }
        $lines.Add("| $($w.Name) | $($s.Tool) | $wall | $cpu | $rss | $ratio | $cpuRatio | $($s.Note -replace '\|', '/') |")
    }
}
$startup = $results | Where-Object { $_.Workload -eq 'startup' -and $_.Ok }
$bare = @($startup | Where-Object Tool -EQ 'pwsh'); $imp = @($startup | Where-Object Tool -EQ 'pwsh + Import-Module')
if ($bare -and $imp) {
    $lines.Add('')
    $lines.Add(('Import-Module adds {0:N0} ms wall and {1:N0} ms CPU to pwsh start (medians of new processes; on a loaded machine the CPU figure is the steadier one).' -f
        (1000 * ((Get-Median $imp.Wall) - (Get-Median $bare.Wall))), (1000 * ((Get-Median $imp.Cpu) - (Get-Median $bare.Cpu)))))
}
$lines | Set-Content (Join-Path $Output 'table.md')
$lines | Write-Output
