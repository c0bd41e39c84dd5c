BeforeDiscovery {
    # The stores to run against: mem and local, and the emulators whose variables are set.
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
    Import-CloudStorageForTest
}

Describe 'Copy-StorageObject' {
    Context '<_>' -ForEach (Get-TestStoreKinds) {
        BeforeAll {
            $store = New-TestStore -Kind $_
            # The other kind, for copies across providers (mem -> local and local -> mem).
            $other = New-TestStore -Kind (Get-OtherStoreKind $_)
            Add-TestObject $store 'src/a.txt' 'alpha'
            Add-TestObject $store 'src/b.txt' 'bravo'
            Add-TestObject $store 'src/sub/c.txt' 'charlie'
        }

        AfterAll {
            Remove-TestStore $store
            Remove-TestStore $other
        }

        It 'copies one object to a full key and returns the new item' -Tag 'ParameterSet:__AllParameterSets' {
            $item = Copy-StorageObject -Uri (Join-StorageAddress $store 'src/a.txt') -Destination (Join-StorageAddress $store 'one/copy.txt')

            $item.PSObject.TypeNames | Should -Contain 'CloudStorage.Core.Model.StorageItem'
            $item.Name | Should -Be 'copy.txt'
            $item.Size | Should -Be 5
            Get-TestObjectText $store 'one/copy.txt' | Should -Be 'alpha'
            Get-TestObjectText $store 'src/a.txt' | Should -Be 'alpha'
        }

        It 'takes -Uri and -Destination by position' {
            Copy-StorageObject (Join-StorageAddress $store 'src/a.txt') (Join-StorageAddress $store 'positional/a.txt') | Out-Null
            Get-TestObjectText $store 'positional/a.txt' | Should -Be 'alpha'
        }

        It 'copies each object of a recursive listing piped in under the destination prefix' {
            $copied = @(Get-StorageItem -Uri (Join-StorageAddress $store 'src/') -Recurse |
                    Where-Object { $_.Name -ne 'a.txt' } |
                    Copy-StorageObject -Destination (Join-StorageAddress $store 'piped-recursive/'))

            (@($copied | ForEach-Object Name | Sort-Object) -join ',') | Should -Be 'b.txt,c.txt'
            (@(Get-TestObjectNames $store 'piped-recursive/') -join ',') | Should -Be 'b.txt,c.txt'
            Get-TestObjectText $store 'piped-recursive/c.txt' | Should -Be 'charlie'
        }

        It 'copies into a prefix, keeping the name, when the destination ends in /' {
            Copy-StorageObject -Uri (Join-StorageAddress $store 'src/b.txt') -Destination (Join-StorageAddress $store 'into/') | Out-Null
            Get-TestObjectText $store 'into/b.txt' | Should -Be 'bravo'
        }

        It 'copies a prefix with -Recurse' {
            $items = @(Copy-StorageObject -Uri (Join-StorageAddress $store 'src/') -Destination (Join-StorageAddress $store 'tree/') -Recurse)

            $items.Count | Should -Be 3
            Get-TestObjectText $store 'tree/sub/c.txt' | Should -Be 'charlie'
        }

        # Generated only for the stores that keep a content type and user metadata (the local disk keeps neither).
        It 'keeps the content type and metadata in a recursive copy, where the store keeps them' -ForEach @(@{ Kind = $_ } | Where-Object { $_.Kind -ne 'local' }) {
            Send-StorageObject -Value '{"a":1}' -Destination (Join-StorageAddress $store 'meta/data.json') -ContentType 'application/json' `
                -Metadata @{ owner = 'pester'; purpose = 'fidelity' } -Force | Out-Null
            Copy-StorageObject -Uri (Join-StorageAddress $store 'meta/') -Destination (Join-StorageAddress $store 'meta-copy/') -Recurse | Out-Null

            $copy = Get-StorageItem -Uri (Join-StorageAddress $store 'meta-copy/data.json')
            $copy.ContentType | Should -Be 'application/json'
            $copy.Metadata['owner'] | Should -Be 'pester'
            $copy.Metadata['purpose'] | Should -Be 'fidelity'
        }

        It 'copies to the other provider kind' {
            $item = Copy-StorageObject -Uri (Join-StorageAddress $store 'src/a.txt') -Destination (Join-StorageAddress $other 'across/a.txt')
            $item.Size | Should -Be 5
            Get-TestObjectText $other 'across/a.txt' | Should -Be 'alpha'
        }

        It 'copies a prefix to the other provider kind with -Recurse' {
            Copy-StorageObject -Uri (Join-StorageAddress $store 'src/') -Destination (Join-StorageAddress $other 'across-tree/') -Recurse | Out-Null
            (@(Get-TestObjectNames $other 'across-tree/') -join ',') | Should -Be 'a.txt,b.txt,c.txt'
        }

        It 'copies what Get-StorageItem pipes in (Uri by property name)' {
            $items = @(Get-StorageItem -Uri (Join-StorageAddress $store 'src/') -Filter '*.txt' |
                    Copy-StorageObject -Destination (Join-StorageAddress $store 'piped/'))

            $items.Count | Should -Be 2
            (@(Get-TestObjectNames $store 'piped/') -join ',') | Should -Be 'a.txt,b.txt'
        }

        It 'refuses to overwrite without -Force (StorageAlreadyExists)' {
            Add-TestObject $store 'exists/a.txt' 'old'
            { Copy-StorageObject -Uri (Join-StorageAddress $store 'src/a.txt') -Destination (Join-StorageAddress $store 'exists/a.txt') -ErrorAction Stop } |
                Should -Throw -ErrorId 'StorageAlreadyExists*'
            Get-TestObjectText $store 'exists/a.txt' | Should -Be 'old'
        }

        It 'overwrites with -Force' {
            Add-TestObject $store 'force/a.txt' 'old'
            Copy-StorageObject -Uri (Join-StorageAddress $store 'src/a.txt') -Destination (Join-StorageAddress $store 'force/a.txt') -Force | Out-Null
            Get-TestObjectText $store 'force/a.txt' | Should -Be 'alpha'
        }

        It 'copies nothing with -WhatIf' {
            $result = @(Copy-StorageObject -Uri (Join-StorageAddress $store 'src/') -Destination (Join-StorageAddress $store 'whatif/') -Recurse -WhatIf)
            $result.Count | Should -Be 0
            @(Get-TestObjectNames $store 'whatif/').Count | Should -Be 0
        }

        It 'reports a missing source as StorageNotFound' {
            { Copy-StorageObject -Uri (Join-StorageAddress $store 'src/missing.txt') -Destination (Join-StorageAddress $store 'x.txt') -ErrorAction Stop } |
                Should -Throw -ErrorId 'StorageNotFound*'
        }
    }
}
