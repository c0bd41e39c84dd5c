BeforeAll {
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
    Import-CloudStorageForTest

    function Get-StatusByKey {
        # "key=Status" pairs, sorted, for one readable comparison.
        param([object[]]$Results)
        return (@($Results | ForEach-Object { '{0}={1}' -f $_.Key, $_.Status } | Sort-Object) -join ',')
    }
}

Describe 'Test-StorageIntegrity' {
    Context '<_>' -ForEach @('mem', 'local') {
        BeforeAll {
            $store = New-TestStore -Kind $_
            $other = New-TestStore -Kind (Get-OtherStoreKind $_)
            foreach ($root in @('ref/', 'same/', 'changed/')) {
                Add-TestObject $store "${root}a.txt" 'alpha'
                Add-TestObject $store "${root}b.txt" 'bravo'
                Add-TestObject $store "${root}sub/c.txt" 'charlie'
            }
            # changed/: b differs (same size), c is missing, d is extra.
            Add-TestObject $store 'changed/b.txt' 'BRAVO'
            Remove-StorageObject -Uri (Join-StorageAddress $store 'changed/sub/c.txt') -Confirm:$false
            Add-TestObject $store 'changed/d.txt' 'delta'
            Copy-StorageObject -Uri (Join-StorageAddress $store 'ref/') -Destination (Join-StorageAddress $other 'copy/') -Recurse | Out-Null
        }

        AfterAll {
            Remove-TestStore $store
            Remove-TestStore $other
        }

        It 'reports Match for every object of an identical tree' -Tag 'ParameterSet:__AllParameterSets' {
            $results = @(Test-StorageIntegrity -Uri (Join-StorageAddress $store 'same/') -Reference (Join-StorageAddress $store 'ref/') -Recurse)

            $results[0].PSObject.TypeNames | Should -Contain 'CloudStorage.Core.Model.IntegrityResult'
            Get-StatusByKey $results | Should -Be 'a.txt=Match,b.txt=Match,sub/c.txt=Match'
        }

        It 'takes -Uri and -Reference by position' {
            $results = @(Test-StorageIntegrity (Join-StorageAddress $store 'same/') (Join-StorageAddress $store 'ref/') -Recurse)
            $results.Count | Should -Be 3
        }

        It 'reports Mismatch, Missing and Extra' {
            $results = @(Test-StorageIntegrity -Uri (Join-StorageAddress $store 'changed/') -Reference (Join-StorageAddress $store 'ref/') -Recurse)

            Get-StatusByKey $results | Should -Be 'a.txt=Match,b.txt=Mismatch,d.txt=Extra,sub/c.txt=Missing'
            $mismatch = $results | Where-Object Key -eq 'b.txt'
            $mismatch.Detail | Should -Not -BeNullOrEmpty
        }

        It 'says how each verdict was reached' {
            $results = @(Test-StorageIntegrity -Uri (Join-StorageAddress $store 'same/') -Reference (Join-StorageAddress $store 'ref/') -Recurse)
            foreach ($result in $results) {
                "$($result.Method)" | Should -BeIn @('NativeHash', 'StoredHash', 'Download')
            }
        }

        It 'compares one object with its reference' {
            $results = @(Test-StorageIntegrity -Uri (Join-StorageAddress $store 'same/a.txt') -Reference (Join-StorageAddress $store 'ref/a.txt'))
            $results.Count | Should -Be 1
            "$($results[0].Status)" | Should -Be 'Match'
        }

        It 'finds a changed object with -Download too' {
            $results = @(Test-StorageIntegrity -Uri (Join-StorageAddress $store 'changed/b.txt') -Reference (Join-StorageAddress $store 'ref/b.txt') -Download)
            "$($results[0].Status)" | Should -Be 'Mismatch'
        }

        It 'compares a tree with its copy in the other provider kind' {
            $results = @(Test-StorageIntegrity -Uri (Join-StorageAddress $other 'copy/') -Reference (Join-StorageAddress $store 'ref/') -Recurse -Download)
            Get-StatusByKey $results | Should -Be 'a.txt=Match,b.txt=Match,sub/c.txt=Match'
        }

        It 'checks what Get-StorageItem pipes in against a reference prefix (Uri by property name)' {
            $results = @(Get-StorageItem -Uri (Join-StorageAddress $store 'changed/') -Filter '*.txt' |
                    Test-StorageIntegrity -Reference (Join-StorageAddress $store 'ref/'))

            Get-StatusByKey $results | Should -Be 'a.txt=Match,b.txt=Mismatch,d.txt=Extra'
        }

        It 'checks each copy a sync pipes in against its source (Uri and SourceUri by property name)' {
            $source = Join-StorageAddress $store 'ref/'
            $target = Join-StorageAddress $other ('synced-' + [guid]::NewGuid().ToString('N').Substring(0, 8) + '/')
            $results = @(Sync-StorageProvider -Source $source -Destination $target |
                    Where-Object { $_.PSObject.TypeNames -contains 'CloudStorage.Core.Model.SyncAction' } |
                    Test-StorageIntegrity)

            # One single-object check per copy, each against the object it was copied from.
            Get-StatusByKey $results | Should -Be 'a.txt=Match,b.txt=Match,c.txt=Match'
            $sources = @(Get-StorageItem -Uri $source -Recurse | ForEach-Object Uri | Sort-Object)
            $sources.Count | Should -Be 3
            (@($results | ForEach-Object ReferenceUri | Sort-Object) -join ',') | Should -Be ($sources -join ',')
        }

        It 'skips the Delete actions of a sync piped in whole, and checks only the copies (no NotFound error)' {
            $source = Join-StorageAddress $store 'ref/'
            $target = Join-StorageAddress $other ('pruned-' + [guid]::NewGuid().ToString('N').Substring(0, 8) + '/')
            Send-StorageObject -Value 'gone soon' -Destination ($target + 'extra.txt') | Out-Null
            $actions = @(Sync-StorageProvider -Source $source -Destination $target -Delete -Confirm:$false)
            @($actions | Where-Object { "$($_.Action)" -eq 'Delete' }).Count | Should -Be 1 -Because 'the sync removed extra.txt'

            $errors = $null
            $results = @($actions | Test-StorageIntegrity -ErrorVariable errors -ErrorAction SilentlyContinue)

            @($errors).Count | Should -Be 0 -Because (@($errors) -join '; ')
            Get-StatusByKey $results | Should -Be 'a.txt=Match,b.txt=Match,c.txt=Match'
            @($results | Where-Object { $_.Uri -like '*extra.txt' }).Count | Should -Be 0
        }

        It 'reports one Missing result for an absent object checked against a reference prefix' {
            $results = @(Test-StorageIntegrity -Uri (Join-StorageAddress $store 'same/missing.txt') -Reference (Join-StorageAddress $store 'ref/'))
            $results.Count | Should -Be 1
            "$($results[0].Status)" | Should -Be 'Missing'
            $results[0].Uri | Should -BeLike '*same/missing.txt'
        }

        It 'reports Missing for one object that is absent while its reference exists' {
            $results = @(Test-StorageIntegrity -Uri (Join-StorageAddress $store 'changed/sub/c.txt') -Reference (Join-StorageAddress $store 'ref/sub/c.txt'))
            $results.Count | Should -Be 1
            "$($results[0].Status)" | Should -Be 'Missing'
        }
    }
}
