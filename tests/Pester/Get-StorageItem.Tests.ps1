BeforeDiscovery {
    # The stores to run against: mem and local, and the emulators whose variables are set.
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
    Import-CloudStorageForTest
}

Describe 'Get-StorageItem' {
    Context '<_>' -ForEach (Get-TestStoreKinds) {
        BeforeAll {
            $store = New-TestStore -Kind $_
            Add-TestObject $store 'list/a.txt' 'alpha'
            Add-TestObject $store 'list/b.log' 'bravo bravo'
            Add-TestObject $store 'list/docs/c.txt' 'charlie'
            Add-TestObject $store 'list/docs/deep/d.txt' 'delta delta delta'
        }

        AfterAll {
            Remove-TestStore $store
        }

        It 'lists one level: the objects and one prefix entry per group of deeper keys' -Tag 'ParameterSet:__AllParameterSets' {
            $items = @(Get-StorageItem -Uri (Join-StorageAddress $store 'list/'))

            (@($items | Where-Object { -not $_.IsPrefix } | ForEach-Object Name | Sort-Object) -join ',') | Should -Be 'a.txt,b.log'
            $prefixes = @($items | Where-Object IsPrefix)
            $prefixes.Count | Should -Be 1
            $prefixes[0].Name | Should -Be 'docs'
        }

        It 'lists every object under the prefix with -Recurse, and no prefix entries' {
            $items = @(Get-StorageItem -Uri (Join-StorageAddress $store 'list/') -Recurse)

            @($items | Where-Object IsPrefix).Count | Should -Be 0
            (@($items | ForEach-Object Name | Sort-Object) -join ',') | Should -Be 'a.txt,b.log,c.txt,d.txt'
        }

        It 'takes the address by position' {
            $items = @(Get-StorageItem (Join-StorageAddress $store 'list/') -Recurse)
            $items.Count | Should -Be 4
        }

        It 'returns one object when the address names an object, with its size' {
            $items = @(Get-StorageItem -Uri (Join-StorageAddress $store 'list/b.log') | Where-Object { -not $_.IsPrefix })

            $items.Count | Should -Be 1
            $items[0].Name | Should -Be 'b.log'
            $items[0].Size | Should -Be 11
            $items[0].LastModified | Should -Not -BeNullOrEmpty
        }

        It 'emits CloudStorage.Core.Model.StorageItem objects' {
            $item = Get-StorageItem -Uri (Join-StorageAddress $store 'list/') -Recurse | Select-Object -First 1
            $item.PSObject.TypeNames | Should -Contain 'CloudStorage.Core.Model.StorageItem'
        }

        It 'filters on the name with a wildcard (-Filter)' {
            $items = @(Get-StorageItem -Uri (Join-StorageAddress $store 'list/') -Recurse -Filter '*.txt')
            (@($items | ForEach-Object Name | Sort-Object) -join ',') | Should -Be 'a.txt,c.txt,d.txt'
        }

        It 'stops after -First items' {
            $items = @(Get-StorageItem -Uri (Join-StorageAddress $store 'list/') -Recurse -First 2)
            $items.Count | Should -Be 2
        }

        It 'gives every item a Uri that addresses it again' {
            $items = @(Get-StorageItem -Uri (Join-StorageAddress $store 'list/') -Recurse)
            foreach ($item in $items) {
                $again = @(Get-StorageItem -Uri $item.Uri | Where-Object { -not $_.IsPrefix })
                $again.Count | Should -Be 1
                $again[0].Uri | Should -Be $item.Uri
                $again[0].Size | Should -Be $item.Size
            }
        }

        It 'binds -Uri from the pipeline by value' {
            $items = @((Join-StorageAddress $store 'list/docs/') | Get-StorageItem -Recurse)
            (@($items | ForEach-Object Name | Sort-Object) -join ',') | Should -Be 'c.txt,d.txt'
        }

        It 'binds -Uri from the pipeline by property name' {
            $items = @([pscustomobject]@{ Uri = (Join-StorageAddress $store 'list/docs/') } | Get-StorageItem -Recurse)
            (@($items | ForEach-Object Name | Sort-Object) -join ',') | Should -Be 'c.txt,d.txt'
        }

        It 'lists the children of a prefix entry piped back in (one level deeper)' {
            $docs = Get-StorageItem -Uri (Join-StorageAddress $store 'list/') | Where-Object IsPrefix
            $children = @($docs | Get-StorageItem)
            (@($children | Where-Object { -not $_.IsPrefix } | ForEach-Object Name) -join ',') | Should -Be 'c.txt'
            (@($children | Where-Object IsPrefix | ForEach-Object Name) -join ',') | Should -Be 'deep'
        }

        It 'gets the items of integrity results piped in (Uri by property name)' {
            $check = Test-StorageIntegrity -Uri (Join-StorageAddress $store 'list/a.txt') -Reference (Join-StorageAddress $store 'list/a.txt')
            $items = @($check | Get-StorageItem)
            $items.Count | Should -Be 1
            $items[0].Uri | Should -Be $check.Uri
            $items[0].Name | Should -Be 'a.txt'
        }

        It 'reports StorageNotFound for an address that is neither an object nor a prefix' {
            { Get-StorageItem -Uri (Join-StorageAddress $store 'list/missing.txt') -ErrorAction Stop } |
                Should -Throw -ErrorId 'StorageNotFound*'
        }

        It 'keeps going after a failing address in the pipeline (non-terminating error)' {
            $addresses = @((Join-StorageAddress $store 'list/missing.txt'), (Join-StorageAddress $store 'list/a.txt'))
            $errors = $null
            $items = @($addresses | Get-StorageItem -ErrorAction SilentlyContinue -ErrorVariable errors)

            @($items | ForEach-Object Name) | Should -Contain 'a.txt'
            @($errors).Count | Should -BeGreaterThan 0
        }
    }

    Context 'addresses' {
        It 'reports StorageInvalidKey for an unknown scheme' {
            { Get-StorageItem -Uri 'ftp://host/key' -ErrorAction Stop } | Should -Throw -ErrorId 'StorageInvalidKey*'
        }

        It 'reports StorageNotFound for an unregistered provider name' {
            $name = 'nosuch' + [guid]::NewGuid().ToString('N').Substring(0, 8)
            { Get-StorageItem -Uri "${name}:key" -ErrorAction Stop } | Should -Throw -ErrorId 'StorageNotFound*'
        }
    }
}
