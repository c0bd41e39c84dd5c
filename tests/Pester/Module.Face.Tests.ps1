# Objects that work with the ecosystem, help that prints what the binder does, and a module that imports twice.
BeforeAll {
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
    Import-CloudStorageForTest
    $module = Get-Module -Name CloudStorage
    $manifest = Join-Path $module.ModuleBase 'CloudStorage.psd1' # the module's Path is its DLL: importing that skips the manifest
}

Describe 'Output objects with Export-Csv and ConvertTo-Json' {
    BeforeAll {
        $mem = "mem://face-$([guid]::NewGuid().ToString('N'))/"
        $item = Send-StorageObject -Value 'hello' -Destination ($mem + 'h.txt') -Metadata @{ owner = 'ops'; tier = 'gold' }
        $md5 = (Get-FileHash -InputStream ([IO.MemoryStream]::new([Text.Encoding]::UTF8.GetBytes('hello'))) -Algorithm MD5).Hash.ToLowerInvariant()
    }

    It 'writes hashes and metadata as text columns to CSV, never type names' {
        $csv = @($item | ConvertTo-Csv -NoTypeInformation)
        ($csv -join "`n") | Should -Not -Match 'CloudStorage\.Model|System\.Collections'
        $row = $csv | ConvertFrom-Csv
        $row.MD5 | Should -Be $md5
        $row.Hashes | Should -Match "MD5:$md5"
        $row.Metadata | Should -Be 'owner=ops; tier=gold'
    }

    It 'writes the hash as a string and metadata as an object to JSON' {
        $json = $item | ConvertTo-Json -Depth 3 | ConvertFrom-Json
        $json.MD5 | Should -Be $md5
        $json.Metadata.owner | Should -Be 'ops'
    }

    It 'has Length and LastWriteTime like a FileInfo' {
        $item.Length | Should -Be 5
        $item.LastWriteTime | Should -Be $item.LastModified
    }

    It 'gives PresignedUrl.Url as the signed string, so %20 reaches curl unchanged' {
        [CloudStorage.Core.Model.PresignedUrl].GetProperty('Url').PropertyType | Should -Be ([string])
        $p = [CloudStorage.Core.Model.PresignedUrl]@{ Uri = 's3://b/my report.pdf'; Method = 'Get'; Url = 'https://h/b/my%20report.pdf?X-Amz-Signature=abc'; ExpiresOn = [DateTimeOffset]::UtcNow }
        "$($p.Url)" | Should -BeExactly 'https://h/b/my%20report.pdf?X-Amz-Signature=abc'
    }

    It 'shows the whole expiry time in the presigned table' {
        $expires = [DateTimeOffset]::new(2031, 12, 24, 23, 59, 58, [TimeSpan]::FromHours(5))
        $p = [CloudStorage.Core.Model.PresignedUrl]@{ Uri = 's3://bucket/some/long/key/name.txt'; Method = 'Get'; Url = 'https://h/x'; ExpiresOn = $expires }
        $table = $p | Format-Table | Out-String -Width 80
        $table | Should -Match ([regex]::Escape($expires.ToLocalTime().ToString('yyyy-MM-dd HH:mm:ss zzz')))
        $table | Should -Not -Match '…'
        $table | Should -Not -Match 'X-Amz|https://h'
    }
}

Describe 'Importing the module' {
    It 'imports a second copy with -Force without a TypeData error' {
        $copy = Join-Path (New-TestDirectory) 'CloudStorage'
        Copy-Item -LiteralPath $module.ModuleBase -Destination $copy -Recurse
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$manifest' -ErrorAction Stop; Import-Module '$(Join-Path $copy 'CloudStorage.psd1')' -Force -ErrorAction Stop; (Get-Module CloudStorage).ModuleBase")
            $result = $ps.Invoke()
            @($ps.Streams.Error).Count | Should -Be 0 -Because (@($ps.Streams.Error) -join '; ')
            $result | Should -Contain $copy
        }
        finally { $ps.Dispose(); Remove-Item -LiteralPath (Split-Path -Parent $copy) -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'has a repository-root manifest whose format file is next to it' {
        $root = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
        $data = Import-PowerShellDataFile -LiteralPath (Join-Path $root 'CloudStorage.psd1')
        foreach ($file in @($data.FormatsToProcess) + @($data.TypesToProcess) | Where-Object { $_ }) {
            Test-Path -LiteralPath (Join-Path $root $file) | Should -BeTrue -Because "$file is loaded by the manifest"
        }
    }
}

Describe 'Help as PowerShell prints it' {
    BeforeDiscovery {
        . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
        Import-CloudStorageForTest
        $commands = @(Get-Command -Module CloudStorage | ForEach-Object { @{ Name = $_.Name } })
    }

    Context '<Name>' -ForEach $commands {
        BeforeAll {
            $command = Get-Command -Name $Name
            $help = Get-Help -Name $Name -Full
            $common = [System.Management.Automation.Cmdlet]::CommonParameters + 'UseTransaction'
            # DontShow parameters are plumbing (a sync action's Action for Test-StorageIntegrity): not in help, as in PowerShell's own syntax.
            $hidden = @($command.Parameters.Values | Where-Object { $_.Attributes | Where-Object { $_ -is [Parameter] -and $_.DontShow } } | ForEach-Object Name)
            $common += $hidden
        }

        It 'has one syntax item per parameter set with exactly that set''s parameters' {
            $items = @($help.syntax.syntaxItem)
            $items.Count | Should -Be $command.ParameterSets.Count
            foreach ($set in $command.ParameterSets) {
                $expected = @($set.Parameters.Name | Where-Object { $_ -notin $common } | Sort-Object)
                $match = $items | Where-Object { (@($_.parameter.name | Sort-Object) -join ',') -eq ($expected -join ',') }
                $match | Should -Not -BeNullOrEmpty -Because "set $($set.Name) has $($expected -join ', ')"
            }
        }

        It 'prints switches without a value and -WhatIf/-Confirm where the cmdlet supports them' {
            $text = (Get-Help -Name $Name | Out-String -Width 500)
            $text | Should -Not -Match 'SwitchParameter'
            $text | Should -Not -Match 'System\.'
            $supports = $command.Parameters.ContainsKey('WhatIf')
            foreach ($line in ($text -split "`n" | Where-Object { $_ -match "^\s+$Name " })) {
                if ($supports) { $line | Should -Match '\[-WhatIf\] \[-Confirm\]' } else { $line | Should -Not -Match 'WhatIf' }
                $line | Should -Match '\[<CommonParameters>\]'
            }
        }

        It 'describes every parameter with its aliases and default' {
            foreach ($parameter in $command.Parameters.Values | Where-Object { $_.Name -notin $common -and $_.Name -notin 'WhatIf', 'Confirm' }) {
                $entry = $help.parameters.parameter | Where-Object name -EQ $parameter.Name
                $entry | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) needs help"
                $aliases = if ($parameter.Aliases.Count) { $parameter.Aliases -join ', ' } else { 'none' }
                $entry.aliases | Should -Be $aliases
                if ($parameter.SwitchParameter) { $entry.defaultValue | Should -Be 'False' }
            }
        }

        It 'lists every parameter that binds from the pipeline as INPUTS, with how it binds and its aliases' {
            $inputs = @($help.inputTypes.inputType | ForEach-Object { $_.description.Text }) -join "`n"
            $piped = @($command.Parameters.Values | Where-Object {
                    $_.Name -notin $common -and ($_.Attributes | Where-Object { $_ -is [Parameter] -and ($_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName) }) })
            if ($piped.Count -eq 0) { "$($help.inputTypes.inputType.type.name)" | Should -Be 'None' }
            foreach ($parameter in $piped) {
                $inputs | Should -Match ("-$($parameter.Name)\b") -Because "-$($parameter.Name) binds from the pipeline"
                foreach ($alias in $parameter.Aliases) { $inputs | Should -Match "\b$alias\b" -Because "-$($parameter.Name) binds objects with a $alias property too" }
                $byValue = [bool]($parameter.Attributes | Where-Object { $_ -is [Parameter] -and $_.ValueFromPipeline })
                $byName = [bool]($parameter.Attributes | Where-Object { $_ -is [Parameter] -and $_.ValueFromPipelineByPropertyName })
                if ($byValue) { $inputs | Should -Match "-$($parameter.Name)\b[^\n]*by value" }
                if ($byName) { $inputs | Should -Match "-$($parameter.Name)\b[^\n]*by property name" }
            }
        }

        It 'lists the [OutputType] types as OUTPUTS' {
            $declared = @($command.OutputType.Type.FullName | Select-Object -Unique | Sort-Object)
            $listed = @($help.returnValues.returnValue.type.name | Sort-Object)
            ($listed -join ',') | Should -Be ($declared -join ',')
        }
    }

    It 'shows the real default of -Encoding' {
        (Get-Help Get-StorageObject -Parameter Encoding).defaultValue | Should -Be 'UTF8'
    }
}

Describe 'Help examples run' {
    BeforeDiscovery {
        . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
        Import-CloudStorageForTest
        # Every example that works on memory or local stores only (no cloud account, no named remote it did not create).
        $examples = foreach ($command in Get-Command -Module CloudStorage) {
            $i = 0
            foreach ($example in (Get-Help -Name $command.Name -Full).examples.example) {
                $i++
                $code = ($example.code -join "`n").Trim()
                # Not here: cloud addresses, remotes the example does not create, and -Persist (it writes the user's config file).
                if ($code -match '(s3|gs|az)://' -or $code -match '\b(backup|old|new|primary|replica|reports):' -or $code -match '-Persist') { continue }
                @{ Name = "$($command.Name) example $i"; Code = $code }
            }
        }
    }

    It '<Name>: <Code>' -ForEach $examples {
        $work = New-TestDirectory
        Push-Location -LiteralPath $work
        try {
            # The data the examples talk about: a few objects in the memory stores and files they name.
            foreach ($store in 'docs', 'scratch', 'config', 'data', 'reports', 'logs', 'photos', 'source', 'target', 'backup') {
                Send-StorageObject -Value '{"name":"x"}' -Destination "mem://$store/settings.json" -Force | Out-Null
                if ($Code -notmatch '^Send-StorageObject') { Send-StorageObject -Value 'hello' -Destination "mem://$store/greeting.txt" -Force | Out-Null }
                else { Remove-StorageObject -Uri "mem://$store/greeting.txt" -ErrorAction SilentlyContinue -Confirm:$false }
                Send-StorageObject -Value 'q1' -Destination "mem://$store/reports/q1.pdf" -Force | Out-Null
            }
            New-Item -ItemType Directory -Path @('./logs', './photos', './downloads', './reports') | Out-Null
            Set-Content -LiteralPath ./report.pdf -Value 'pdf'
            Set-Content -LiteralPath ./logs/app.log -Value 'log'
            Set-Content -LiteralPath ./photos/a.jpg -Value 'jpg'
            Register-StorageRemote -Name scratch -Uri mem://scratch -Force
            $Error.Clear()
            $null = & ([scriptblock]::Create($Code)) *>&1 | Out-String
            $Error.Count | Should -Be 0 -Because (@($Error) -join '; ')
        }
        finally {
            Unregister-StorageRemote -Name scratch -ErrorAction SilentlyContinue
            Pop-Location
            Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
}

Describe 'Progress' {
    BeforeAll {
        $dir = New-TestDirectory
        New-Item -ItemType Directory -Path (Join-Path $dir 'tree') | Out-Null
        [IO.File]::WriteAllBytes((Join-Path $dir 'tree/big.bin'), [byte[]]::new(3 * 1024 * 1024))
        Set-Content -LiteralPath (Join-Path $dir 'tree/small.txt') -Value 'small'
        $mem = "mem://progress-$([guid]::NewGuid().ToString('N'))/"

        function Get-ProgressOf([string]$Script) {
            # A runspace of its own: its Streams.Progress keeps every record the cmdlets wrote.
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript("Import-Module '$manifest'; $Script")
                $null = $ps.Invoke()
                @($ps.Streams.Error).Count | Should -Be 0 -Because (@($ps.Streams.Error) -join '; ')
                return @($ps.Streams.Progress)
            }
            finally { $ps.Dispose() }
        }

        function Assert-OverallAndChildBars($Records, [string]$Activity, [string]$Address) {
            $overall = @($Records | Where-Object { $_.Activity -eq $Activity -and $_.ParentActivityId -eq -1 })
            $overall | Should -Not -BeNullOrEmpty
            $overall[-1].RecordType | Should -Be 'Completed'
            ($overall.StatusDescription -join "`n") | Should -Match '2 objects, 3\.0 MB'
            # Totals once known (a folder walk, the end of a listing, a sync's plan), so the bar has a percentage.
            ($overall.StatusDescription -join "`n") | Should -Match '2 of 2 objects, 3\.0 MB of 3\.0 MB'
            @($overall | Where-Object { $_.PercentComplete -eq 100 }).Count | Should -BeGreaterThan 0
            @($overall | Where-Object { $_.PercentComplete -gt 100 }).Count | Should -Be 0
            $children = @($Records | Where-Object { $_.ParentActivityId -eq $overall[0].ActivityId })
            $children | Should -Not -BeNullOrEmpty -Because 'a 3 MB object has a bar of its own'
            ($children.Activity | Select-Object -Unique) | Should -Be $Address
            $children[-1].RecordType | Should -Be 'Completed'
            @($Records | Where-Object { $_.Activity -like '*small.txt' }).Count | Should -Be 0 -Because 'small objects only count in the overall bar'
        }
    }

    AfterAll { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue }

    It 'shows an overall bar and a bar per large object for a recursive upload' {
        $records = Get-ProgressOf "Send-StorageObject -Path '$dir/tree' -Recurse -Destination '${mem}up/' | Out-Null"
        Assert-OverallAndChildBars $records 'Send-StorageObject' "${mem}up/tree/big.bin"
    }

    It 'shows them for a recursive copy, a recursive download (named by the object, not the file) and a sync' {
        $records = Get-ProgressOf (
            "Send-StorageObject -Path '$dir/tree' -Recurse -Destination '${mem}src/' | Out-Null; " +
            "Copy-StorageObject -Uri '${mem}src/tree/' -Recurse -Destination '${mem}copy/' | Out-Null; " +
            "Get-StorageObject -Uri '${mem}src/tree/' -Recurse -Destination '$dir/down/' | Out-Null; " +
            "Sync-StorageProvider -Source '${mem}src/' -Destination '${mem}sync/' | Out-Null")
        Assert-OverallAndChildBars $records 'Copy-StorageObject' "${mem}src/tree/big.bin"
        Assert-OverallAndChildBars $records 'Get-StorageObject' "${mem}src/tree/big.bin"
        Assert-OverallAndChildBars $records 'Sync-StorageProvider' "${mem}sync/tree/big.bin"
    }
}
