BeforeAll {
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
    Import-CloudStorageForTest
}

Describe 'Get-StorageRemote' {
    Context '<_>' -ForEach @('mem', 'local') {
        BeforeAll {
            $store = New-TestStore -Kind $_
            $prefix = 'pg' + [guid]::NewGuid().ToString('N').Substring(0, 8)
            $first = "${prefix}-first"
            $second = "${prefix}-second"
            Register-StorageRemote -Name $first -Uri $store.Root
            Register-StorageRemote -Name $second -Uri (Join-StorageAddress $store 'second/')
        }

        AfterAll {
            Unregister-StorageRemote -Name $first -ErrorAction SilentlyContinue
            Unregister-StorageRemote -Name $second -ErrorAction SilentlyContinue
            Remove-TestStore $store
        }

        It 'lists every registration, including these two' -Tag 'ParameterSet:__AllParameterSets' {
            $all = @(Get-StorageRemote)
            $names = @($all | ForEach-Object Name)
            $names | Should -Contain $first
            $names | Should -Contain $second
            $all[0].PSObject.TypeNames | Should -Contain 'CloudStorage.Core.Addressing.ProviderRegistration'
        }

        It 'filters with a wildcard -Name' {
            $found = @(Get-StorageRemote -Name "${prefix}-*")
            (@($found | ForEach-Object Name | Sort-Object) -join ',') | Should -Be "${first},${second}"
        }

        It 'finds one by exact name, by position' {
            $found = @(Get-StorageRemote $second)
            $found.Count | Should -Be 1
            $found[0].Uri | Should -Be (Join-StorageAddress $store 'second/')
            $found[0].Source | Should -Be 'Session'
        }

        It 'matches names case-insensitively' {
            @(Get-StorageRemote -Name $first.ToUpperInvariant()).Count | Should -Be 1
        }

        It 'returns nothing, without an error, for a wildcard that matches nothing' {
            $errors = $null
            $found = @(Get-StorageRemote -Name "${prefix}-nothing*" -ErrorVariable errors)
            $found.Count | Should -Be 0
            @($errors).Count | Should -Be 0
        }

        It 'emits registrations whose Uri names their root' {
            $registration = Get-StorageRemote -Name $first
            $registration.Uri | Should -Be $store.Root
        }
    }
}
