BeforeAll {
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
    Import-CloudStorageForTest

    function New-ProviderName {
        return 'pu' + [guid]::NewGuid().ToString('N').Substring(0, 10)
    }

    $canPersist = -not [string]::IsNullOrWhiteSpace($env:CLOUDSTORAGE_CONFIG) -and
        -not [string]::IsNullOrWhiteSpace($env:CLOUDSTORAGE_PESTER_PATH)
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
            if (-not $canPersist) {
                Set-ItResult -Skipped -Because 'CLOUDSTORAGE_CONFIG is not a scratch file of build.ps1'
                return
            }
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
