BeforeDiscovery {
    # The stores to run against: mem and local, and the emulators whose variables are set.
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
    Import-CloudStorageForTest

    function Get-Summary {
        # The last object a sync emits is its SyncSummary.
        param([object[]]$Output)
        $last = $Output[-1]
        $last.PSObject.TypeNames | Should -Contain 'CloudStorage.Core.Model.SyncSummary'
        return $last
    }

    function Get-Actions {
        # The SyncAction objects that did or would do work (Skip entries, if any are emitted, left out).
        param([object[]]$Output)
        return @($Output | Where-Object { $_.PSObject.TypeNames -contains 'CloudStorage.Core.Model.SyncAction' -and "$($_.Action)" -ne 'Skip' })
    }

    function New-SyncCase {
        # A fresh source prefix with three objects and an empty destination prefix in the same store.
        param([Parameter(Mandatory)]$Store)
        $case = [guid]::NewGuid().ToString('N').Substring(0, 8)
        Add-TestObject $Store "$case/src/a.txt" 'alpha'
        Add-TestObject $Store "$case/src/b.txt" 'bravo'
        Add-TestObject $Store "$case/src/sub/c.txt" 'charlie'
        return [pscustomobject]@{
            Source      = Join-StorageAddress $Store "$case/src/"
            Destination = Join-StorageAddress $Store "$case/dst/"
            Prefix      = "$case/"
        }
    }
}

Describe 'Sync-StorageProvider' {
    Context '<_>' -ForEach (Get-TestStoreKinds) {
        BeforeAll {
            $store = New-TestStore -Kind $_
            $other = New-TestStore -Kind (Get-OtherStoreKind $_)
        }

        AfterAll {
            Remove-TestStore $store
            Remove-TestStore $other
        }

        It 'copies every missing object and ends with a summary' -Tag 'ParameterSet:__AllParameterSets' {
            $case = New-SyncCase $store
            $out = @(Sync-StorageProvider -Source $case.Source -Destination $case.Destination)

            $actions = Get-Actions $out
            $summary = Get-Summary $out
            $actions.Count | Should -Be 3
            @($actions | Where-Object { "$($_.Action)" -ne 'Copy' }).Count | Should -Be 0
            @($actions | Where-Object { "$($_.Status)" -ne 'Completed' }).Count | Should -Be 0
            (@($actions | ForEach-Object Key | Sort-Object) -join ',') | Should -Be 'a.txt,b.txt,sub/c.txt'
            $summary.Copied | Should -Be 3
            $summary.Failed | Should -Be 0
            $summary.WhatIf | Should -BeFalse
            Get-TestObjectText $store "$($case.Prefix)dst/sub/c.txt" | Should -Be 'charlie'
        }

        It 'takes -Source and -Destination by position' {
            $case = New-SyncCase $store
            $summary = Get-Summary @(Sync-StorageProvider $case.Source $case.Destination)
            $summary.Copied | Should -Be 3
        }

        It 'does nothing the second time' {
            $case = New-SyncCase $store
            Sync-StorageProvider -Source $case.Source -Destination $case.Destination | Out-Null
            $out = @(Sync-StorageProvider -Source $case.Source -Destination $case.Destination)

            (Get-Actions $out).Count | Should -Be 0
            $summary = Get-Summary $out
            $summary.Copied | Should -Be 0
            $summary.Updated | Should -Be 0
            $summary.Unchanged | Should -Be 3
        }

        It 'updates an object whose content changed, with a reason' {
            $case = New-SyncCase $store
            Sync-StorageProvider -Source $case.Source -Destination $case.Destination | Out-Null
            Add-TestObject $store "$($case.Prefix)src/a.txt" 'alpha, longer now'
            $out = @(Sync-StorageProvider -Source $case.Source -Destination $case.Destination)

            $actions = Get-Actions $out
            $actions.Count | Should -Be 1
            "$($actions[0].Action)" | Should -Be 'Update'
            $actions[0].Key | Should -Be 'a.txt'
            $actions[0].Reason | Should -Not -BeNullOrEmpty
            (Get-Summary $out).Updated | Should -Be 1
            Get-TestObjectText $store "$($case.Prefix)dst/a.txt" | Should -Be 'alpha, longer now'
        }

        It 'detects a same-size change with -Checksum' {
            $case = New-SyncCase $store
            Sync-StorageProvider -Source $case.Source -Destination $case.Destination | Out-Null
            Add-TestObject $store "$($case.Prefix)src/b.txt" 'BRAVO'
            $out = @(Sync-StorageProvider -Source $case.Source -Destination $case.Destination -Checksum)

            $actions = Get-Actions $out
            (@($actions | ForEach-Object { "$($_.Action) $($_.Key)" }) -join ',') | Should -Be 'Update b.txt'
            Get-TestObjectText $store "$($case.Prefix)dst/b.txt" | Should -Be 'BRAVO'
        }

        It 'leaves extraneous destination objects alone without -Delete' {
            $case = New-SyncCase $store
            Add-TestObject $store "$($case.Prefix)dst/extra.txt" 'extra'
            $out = @(Sync-StorageProvider -Source $case.Source -Destination $case.Destination)

            @((Get-Actions $out) | Where-Object { "$($_.Action)" -eq 'Delete' }).Count | Should -Be 0
            Test-TestObject $store "$($case.Prefix)dst/extra.txt" | Should -BeTrue
        }

        It 'deletes extraneous destination objects with -Delete' {
            $case = New-SyncCase $store
            Add-TestObject $store "$($case.Prefix)dst/extra.txt" 'extra'
            $out = @(Sync-StorageProvider -Source $case.Source -Destination $case.Destination -Delete)

            $deletes = @((Get-Actions $out) | Where-Object { "$($_.Action)" -eq 'Delete' })
            $deletes.Count | Should -Be 1
            $deletes[0].Key | Should -Be 'extra.txt'
            "$($deletes[0].Status)" | Should -Be 'Completed'
            (Get-Summary $out).Deleted | Should -Be 1
            Test-TestObject $store "$($case.Prefix)dst/extra.txt" | Should -BeFalse
        }

        It 'deletes nothing when more than -MaxDelete deletions are planned' {
            $case = New-SyncCase $store
            Add-TestObject $store "$($case.Prefix)dst/extra1.txt" 'extra'
            Add-TestObject $store "$($case.Prefix)dst/extra2.txt" 'extra'
            $errors = $null
            $out = @(Sync-StorageProvider -Source $case.Source -Destination $case.Destination -Delete -MaxDelete 1 -ErrorAction SilentlyContinue -ErrorVariable errors)

            Test-TestObject $store "$($case.Prefix)dst/extra1.txt" | Should -BeTrue
            Test-TestObject $store "$($case.Prefix)dst/extra2.txt" | Should -BeTrue
            $completedDeletes = @($out | Where-Object { $_.PSObject.TypeNames -contains 'CloudStorage.Core.Model.SyncAction' -and "$($_.Action)" -eq 'Delete' -and "$($_.Status)" -eq 'Completed' })
            $completedDeletes.Count | Should -Be 0
        }

        It 'changes nothing with -WhatIf and its summary counts what the run would do' {
            $case = New-SyncCase $store
            Add-TestObject $store "$($case.Prefix)dst/extra.txt" 'extra'
            $out = @(Sync-StorageProvider -Source $case.Source -Destination $case.Destination -Delete -WhatIf)

            $summary = Get-Summary $out
            $summary.WhatIf | Should -BeTrue
            $summary.Copied | Should -Be 3
            $summary.Deleted | Should -Be 1
            $actions = Get-Actions $out
            $actions.Count | Should -Be 4
            @($actions | Where-Object { "$($_.Status)" -ne 'Planned' }).Count | Should -Be 0
            (@(Get-TestObjectNames $store "$($case.Prefix)dst/") -join ',') | Should -Be 'extra.txt'

            # The real run then does exactly that.
            $run = Get-Summary @(Sync-StorageProvider -Source $case.Source -Destination $case.Destination -Delete)
            ($run.Copied, $run.Deleted) | Should -Be @($summary.Copied, $summary.Deleted)
        }

        It 'plans with -WhatIf the deletions -MaxDelete would refuse as not performed' {
            $case = New-SyncCase $store
            Add-TestObject $store "$($case.Prefix)dst/extra1.txt" 'extra'
            Add-TestObject $store "$($case.Prefix)dst/extra2.txt" 'extra'
            $out = @(Sync-StorageProvider -Source $case.Source -Destination $case.Destination -Delete -MaxDelete 1 -WhatIf -WarningAction SilentlyContinue)

            $deletes = @((Get-Actions $out) | Where-Object { "$($_.Action)" -eq 'Delete' })
            $deletes.Count | Should -Be 2
            @($deletes | Where-Object { "$($_.Status)" -ne 'NotPerformed' }).Count | Should -Be 0
            $deletes[0].Error | Should -Match 'MaxDelete 1'
            $summary = Get-Summary $out
            ($summary.Deleted, $summary.NotPerformed, $summary.Copied) | Should -Be @(0, 2, 3)
        }

        It 'refuses a source that does not exist before planning anything' {
            $case = New-SyncCase $store
            Add-TestObject $store "$($case.Prefix)dst/keep.txt" 'keep'
            $missing = if ($store.Kind -eq 'mem') { "mem://never-written-$([guid]::NewGuid().ToString('N'))/" } else { Join-StorageAddress $store "$($case.Prefix)mistyped/" }

            # A missing folder or memory store is NotFound; an object store has no folders, so there a missing prefix is
            # an empty source, which -Delete refuses too.
            $expected = if ($store.Kind -in 'mem', 'local') { '*does not exist*' } else { '*AllowEmptySource*' }
            { Sync-StorageProvider -Source $missing -Destination $case.Destination -Delete -ErrorAction Stop } | Should -Throw -ExpectedMessage $expected
            Test-TestObject $store "$($case.Prefix)dst/keep.txt" | Should -BeTrue
        }

        It 'deletes nothing from an empty source with -Delete unless -AllowEmptySource is given' {
            $case = New-SyncCase $store
            Add-TestObject $store "$($case.Prefix)empty/gone.txt" 'x'
            Remove-StorageObject -Uri (Join-StorageAddress $store "$($case.Prefix)empty/gone.txt") -Confirm:$false
            if ($store.Kind -eq 'local') { New-Item -ItemType Directory -Path (Join-Path $store.LocalPath "$($case.Prefix)empty") -Force | Out-Null }
            Add-TestObject $store "$($case.Prefix)dst/keep.txt" 'keep'
            $empty = Join-StorageAddress $store "$($case.Prefix)empty/"

            { Sync-StorageProvider -Source $empty -Destination $case.Destination -Delete -ErrorAction Stop } | Should -Throw -ExpectedMessage '*AllowEmptySource*'
            Test-TestObject $store "$($case.Prefix)dst/keep.txt" | Should -BeTrue

            $summary = Get-Summary @(Sync-StorageProvider -Source $empty -Destination $case.Destination -Delete -AllowEmptySource -Confirm:$false)
            $summary.Deleted | Should -Be 1
        }

        It 'pipes the copied objects, and never its summary, to Test-StorageIntegrity' {
            $case = New-SyncCase $store
            $errors = $null
            $results = @(Sync-StorageProvider -Source $case.Source -Destination $case.Destination |
                    Test-StorageIntegrity -ErrorVariable errors -ErrorAction SilentlyContinue)

            $errors.Count | Should -Be 0
            (@($results | ForEach-Object { '{0}={1}' -f $_.Key, $_.Status } | Sort-Object) -join ',') | Should -Be 'a.txt=Match,b.txt=Match,c.txt=Match'
        }

        It 'works with -Parallelism 1' {
            $case = New-SyncCase $store
            $summary = Get-Summary @(Sync-StorageProvider -Source $case.Source -Destination $case.Destination -Parallelism 1)
            $summary.Copied | Should -Be 3
        }

        It 'syncs to the other provider kind' {
            $case = New-SyncCase $store
            $destination = Join-StorageAddress $other "$($case.Prefix)mirror/"
            $summary = Get-Summary @(Sync-StorageProvider -Source $case.Source -Destination $destination)

            $summary.Copied | Should -Be 3
            (@(Get-TestObjectNames $other "$($case.Prefix)mirror/") -join ',') | Should -Be 'a.txt,b.txt,c.txt'
            (Get-Actions @(Sync-StorageProvider -Source $case.Source -Destination $destination)).Count | Should -Be 0
        }
    }
}
