BeforeAll {
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
    Import-CloudStorageForTest

    function New-ProviderName {
        return 'pu' + [guid]::NewGuid().ToString('N').Substring(0, 10)
    }

}

Describe 'Unregister-StorageRemote' {
    Context '<_>' -ForEach @('mem', 'local') {
        BeforeAll {
            $store = New-TestStore -Kind $_
            Add-TestObject $store 'kept/a.txt' 'still here'
        }

        AfterAll {
            Remove-TestStore $store
        }

        It 'removes the name, and the name no longer resolves (StorageNotFound)' -Tag 'ParameterSet:__AllParameterSets' {
            $name = New-ProviderName
            Register-StorageRemote -Name $name -Uri $store.Root
            Unregister-StorageRemote -Name $name

            @(Get-StorageRemote -Name $name -ErrorAction SilentlyContinue).Count | Should -Be 0
            { Get-StorageItem -Uri "${name}:kept/" -ErrorAction Stop } | Should -Throw -ErrorId 'StorageNotFound*'
        }

        It 'leaves the objects under the root alone' {
            $name = New-ProviderName
            Register-StorageRemote -Name $name -Uri $store.Root
            Unregister-StorageRemote -Name $name
            Get-TestObjectText $store 'kept/a.txt' | Should -Be 'still here'
        }

        It 'takes -Name by position and emits nothing' {
            $name = New-ProviderName
            Register-StorageRemote -Name $name -Uri $store.Root
            $result = @(Unregister-StorageRemote $name)
            $result.Count | Should -Be 0
            @(Get-StorageRemote -Name $name -ErrorAction SilentlyContinue).Count | Should -Be 0
        }

        It 'removes the registrations Get-StorageRemote pipes in (Name by property name)' {
            $prefix = New-ProviderName
            Register-StorageRemote -Name "${prefix}1" -Uri $store.Root
            Register-StorageRemote -Name "${prefix}2" -Uri $store.Root
            Get-StorageRemote -Name "${prefix}*" | Unregister-StorageRemote
            @(Get-StorageRemote -Name "${prefix}*" -ErrorAction SilentlyContinue).Count | Should -Be 0
        }

        It 'removes nothing with -WhatIf' {
            $name = New-ProviderName
            Register-StorageRemote -Name $name -Uri $store.Root
            Unregister-StorageRemote -Name $name -WhatIf

            @(Get-StorageRemote -Name $name -ErrorAction SilentlyContinue).Count | Should -Be 1
            Unregister-StorageRemote -Name $name
        }

        It 'reports StorageNotFound for a name that is not registered' {
            { Unregister-StorageRemote -Name (New-ProviderName) -ErrorAction Stop } | Should -Throw -ErrorId 'StorageNotFound*'
        }

        It 'removes the registration from the config file with -Persist' {
            $name = New-ProviderName
            Register-StorageRemote -Name $name -Uri $store.Root -Persist
            (Get-Content -LiteralPath $env:CLOUDSTORAGE_CONFIG -Raw | ConvertFrom-Json).providers.PSObject.Properties.Name |
                Should -Contain $name

            Unregister-StorageRemote -Name $name -Persist
            @((Get-Content -LiteralPath $env:CLOUDSTORAGE_CONFIG -Raw | ConvertFrom-Json).providers.PSObject.Properties.Name) |
                Should -Not -Contain $name
            @(Get-StorageRemote -Name $name -ErrorAction SilentlyContinue).Count | Should -Be 0
        }
    }
}
