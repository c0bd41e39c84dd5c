BeforeAll {
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
    Import-CloudStorageForTest
}

Describe 'Get-StorageProvider' {
    Context '<_>' -ForEach @('mem', 'local') {
        BeforeAll {
            $store = New-TestStore -Kind $_
            $prefix = 'pg' + [guid]::NewGuid().ToString('N').Substring(0, 8)
            $first = "${prefix}-first"
            $second = "${prefix}-second"
            Register-StorageProvider -Name $first -Uri $store.Root
            Register-StorageProvider -Name $second -Uri (Join-StorageAddress $store 'second/')
        }

        AfterAll {
            Unregister-StorageProvider -Name $first -ErrorAction SilentlyContinue
            Unregister-StorageProvider -Name $second -ErrorAction SilentlyContinue
            Remove-TestStore $store
        }

        It 'lists every registration, including these two' -Tag 'ParameterSet:__AllParameterSets' {
            $all = @(Get-StorageProvider)
            $names = @($all | ForEach-Object Name)
            $names | Should -Contain $first
            $names | Should -Contain $second
            $all[0].PSObject.TypeNames | Should -Contain 'CloudStorage.Addressing.ProviderRegistration'
        }

        It 'filters with a wildcard -Name' {
            $found = @(Get-StorageProvider -Name "${prefix}-*")
            (@($found | ForEach-Object Name | Sort-Object) -join ',') | Should -Be "${first},${second}"
        }

        It 'finds one by exact name, by position' {
            $found = @(Get-StorageProvider $second)
            $found.Count | Should -Be 1
            $found[0].Uri | Should -Be (Join-StorageAddress $store 'second/')
            $found[0].Source | Should -Be 'Session'
        }

        It 'matches names case-insensitively' {
            @(Get-StorageProvider -Name $first.ToUpperInvariant()).Count | Should -Be 1
        }

        It 'returns nothing, without an error, for a wildcard that matches nothing' {
            $errors = $null
            $found = @(Get-StorageProvider -Name "${prefix}-nothing*" -ErrorVariable errors)
            $found.Count | Should -Be 0
            @($errors).Count | Should -Be 0
        }

        It 'emits registrations whose Uri names their root' {
            $registration = Get-StorageProvider -Name $first
            $registration.Uri | Should -Be $store.Root
        }
    }
}
