BeforeDiscovery {
    # The stores to run against: mem and local, and the emulators whose variables are set.
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
    Import-CloudStorageForTest
}

Describe 'Remove-StorageObject' {
    Context '<_>' -ForEach (Get-TestStoreKinds) {
        BeforeAll {
            $store = New-TestStore -Kind $_
        }

        AfterAll {
            Remove-TestStore $store
        }

        It 'removes one object and emits nothing' -Tag 'ParameterSet:__AllParameterSets' {
            Add-TestObject $store 'one/a.txt' 'a'
            $result = @(Remove-StorageObject -Uri (Join-StorageAddress $store 'one/a.txt') -Confirm:$false)

            $result.Count | Should -Be 0
            { Get-StorageObject -Uri (Join-StorageAddress $store 'one/a.txt') -AsString -ErrorAction Stop } |
                Should -Throw -ErrorId 'StorageNotFound*'
        }

        It 'takes -Uri by position' {
            Add-TestObject $store 'positional/a.txt' 'a'
            Remove-StorageObject (Join-StorageAddress $store 'positional/a.txt') -Confirm:$false
            Test-TestObject $store 'positional/a.txt' | Should -BeFalse
        }

        It 'emits the removed item with -PassThru' {
            Add-TestObject $store 'passthru/a.txt' 'abc'
            $item = Remove-StorageObject -Uri (Join-StorageAddress $store 'passthru/a.txt') -PassThru -Confirm:$false

            $item.PSObject.TypeNames | Should -Contain 'CloudStorage.Core.Model.StorageItem'
            $item.Name | Should -Be 'a.txt'
            Test-TestObject $store 'passthru/a.txt' | Should -BeFalse
        }

        It 'removes everything under a prefix with -Recurse' {
            Add-TestObject $store 'tree/a.txt'
            Add-TestObject $store 'tree/sub/b.txt'
            Add-TestObject $store 'tree/sub/deep/c.txt'
            Add-TestObject $store 'treehouse.txt'
            Remove-StorageObject -Uri (Join-StorageAddress $store 'tree/') -Recurse -Confirm:$false

            @(Get-TestObjectNames $store 'tree/').Count | Should -Be 0
            # A sibling that merely starts with the same letters stays.
            Test-TestObject $store 'treehouse.txt' | Should -BeTrue
        }

        It 'removes what Get-StorageItem pipes in (Uri by property name)' {
            Add-TestObject $store 'logs/a.log'
            Add-TestObject $store 'logs/b.log'
            Add-TestObject $store 'logs/keep.txt'
            Get-StorageItem -Uri (Join-StorageAddress $store 'logs/') -Filter '*.log' | Remove-StorageObject -Confirm:$false

            (@(Get-TestObjectNames $store 'logs/') -join ',') | Should -Be 'keep.txt'
        }

        It 'removes nothing with -WhatIf' {
            Add-TestObject $store 'whatif/a.txt'
            Add-TestObject $store 'whatif/sub/b.txt'
            Remove-StorageObject -Uri (Join-StorageAddress $store 'whatif/a.txt') -WhatIf
            Remove-StorageObject -Uri (Join-StorageAddress $store 'whatif/') -Recurse -WhatIf
            Get-StorageItem -Uri (Join-StorageAddress $store 'whatif/') -Recurse | Remove-StorageObject -WhatIf

            (@(Get-TestObjectNames $store 'whatif/') -join ',') | Should -Be 'a.txt,b.txt'
        }

        It 'emits nothing with -WhatIf -PassThru' {
            Add-TestObject $store 'whatif-passthru/a.txt'
            $result = @(Remove-StorageObject -Uri (Join-StorageAddress $store 'whatif-passthru/a.txt') -PassThru -WhatIf)
            $result.Count | Should -Be 0
        }
    }
}
