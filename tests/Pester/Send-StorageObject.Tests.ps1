BeforeDiscovery {
    # The stores to run against: mem and local, and the emulators whose variables are set.
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
    Import-CloudStorageForTest
}

Describe 'Send-StorageObject' {
    Context '<_>' -ForEach (Get-TestStoreKinds) {
        BeforeAll {
            $store = New-TestStore -Kind $_
            $files = New-TestDirectory
            Set-Content -LiteralPath (Join-Path $files 'one.txt') -Value 'first file' -NoNewline -Encoding utf8NoBOM
            Set-Content -LiteralPath (Join-Path $files 'two.txt') -Value 'second file' -NoNewline -Encoding utf8NoBOM
            New-Item -ItemType Directory -Path (Join-Path $files 'sub') | Out-Null
            Set-Content -LiteralPath (Join-Path $files 'sub/three.txt') -Value 'third file' -NoNewline -Encoding utf8NoBOM
        }

        AfterAll {
            Remove-TestStore $store
            if (Test-Path -LiteralPath $files) { Remove-Item -LiteralPath $files -Recurse -Force }
        }

        It 'uploads a file to a full key (Path set) and returns the stored item' -Tag 'ParameterSet:Path' {
            $destination = Join-StorageAddress $store 'path/one.txt'
            $item = Send-StorageObject -Path (Join-Path $files 'one.txt') -Destination $destination

            $item.PSObject.TypeNames | Should -Contain 'CloudStorage.Core.Model.StorageItem'
            $item.Name | Should -Be 'one.txt'
            $item.Size | Should -Be 10
            Get-TestObjectText $store 'path/one.txt' | Should -Be 'first file'
        }

        It 'uploads a file named exactly as written with -LiteralPath (LiteralPath set), brackets included' -Tag 'ParameterSet:LiteralPath' {
            $name = 'lit[1].txt'
            Set-Content -LiteralPath (Join-Path $files $name) -Value 'literal' -NoNewline
            try {
                $item = Send-StorageObject -LiteralPath (Join-Path $files $name) -Destination (Join-StorageAddress $store 'literal/')
                $item.Name | Should -Be $name
                Get-TestObjectText $store "literal/$name" | Should -Be 'literal'
            }
            finally { Remove-Item -LiteralPath (Join-Path $files $name) }
        }

        It 'takes -Path and -Destination by position' {
            $item = Send-StorageObject (Join-Path $files 'two.txt') (Join-StorageAddress $store 'positional/two.txt')
            $item.Size | Should -Be 11
        }

        It 'uploads into a prefix, keeping the file name, when the destination ends in /' {
            Send-StorageObject -Path (Join-Path $files 'one.txt') -Destination (Join-StorageAddress $store 'folder/') | Out-Null
            Test-TestObject $store 'folder/one.txt' | Should -BeTrue
        }

        It 'uploads a folder tree with -Recurse' {
            $items = @(Send-StorageObject -Path $files -Destination (Join-StorageAddress $store 'tree/') -Recurse)

            $items.Count | Should -Be 3
            (@(Get-TestObjectNames $store 'tree/') -join ',') | Should -Be 'one.txt,three.txt,two.txt'
        }

        It 'uploads the files Get-ChildItem pipes in (FullName/PSPath by property name)' {
            $items = @(Get-ChildItem -LiteralPath $files -File | Send-StorageObject -Destination (Join-StorageAddress $store 'piped/'))

            $items.Count | Should -Be 2
            (@(Get-TestObjectNames $store 'piped/') -join ',') | Should -Be 'one.txt,two.txt'
        }

        It 'uploads paths piped in as strings' {
            $items = @((Join-Path $files 'one.txt') | Send-StorageObject -Destination (Join-StorageAddress $store 'strings/'))
            $items.Count | Should -Be 1
            Test-TestObject $store 'strings/one.txt' | Should -BeTrue
        }

        It 'stores a string -Value as UTF-8 (Value set)' -Tag 'ParameterSet:Value' {
            $item = Send-StorageObject -Value 'héllo' -Destination (Join-StorageAddress $store 'value/text.txt')

            $item.Size | Should -Be 6
            Get-TestObjectText $store 'value/text.txt' | Should -Be 'héllo'
        }

        It 'stores a byte[] -Value as is' {
            $bytes = [byte[]](0, 1, 2, 250, 255)
            $item = Send-StorageObject -Value $bytes -Destination (Join-StorageAddress $store 'value/bytes.bin')

            $item.Size | Should -Be 5
            $back = Get-StorageObject -Uri (Join-StorageAddress $store 'value/bytes.bin') -AsByteArray
            [Convert]::ToBase64String($back) | Should -Be ([Convert]::ToBase64String($bytes))
        }

        It 'stores an empty object' {
            $item = Send-StorageObject -Value '' -Destination (Join-StorageAddress $store 'value/empty.txt')
            $item.Size | Should -Be 0
        }

        # Generated only for the stores that keep a content type and user metadata (the local disk keeps neither), so
        # no test is ever skipped.
        It 'keeps -ContentType and -Metadata where the provider stores them' -ForEach @(@{ Kind = $_ } | Where-Object { $_.Kind -ne 'local' }) {
            $item = Send-StorageObject -Value '{}' -Destination (Join-StorageAddress $store 'meta/doc.json') -ContentType 'application/json' -Metadata @{ owner = 'pester' }
            $again = Get-StorageItem -Uri $item.Uri | Where-Object { -not $_.IsPrefix } | Select-Object -First 1
            $again.ContentType | Should -Be 'application/json'
            $again.Metadata['owner'] | Should -Be 'pester'
        }

        It 'refuses to overwrite an existing object without -Force (StorageAlreadyExists)' {
            Add-TestObject $store 'exists/a.txt' 'old'
            { Send-StorageObject -Value 'new' -Destination (Join-StorageAddress $store 'exists/a.txt') -ErrorAction Stop } |
                Should -Throw -ErrorId 'StorageAlreadyExists*'
            Get-TestObjectText $store 'exists/a.txt' | Should -Be 'old'
        }

        It 'overwrites with -Force' {
            Add-TestObject $store 'force/a.txt' 'old'
            Send-StorageObject -Value 'new' -Destination (Join-StorageAddress $store 'force/a.txt') -Force | Out-Null
            Get-TestObjectText $store 'force/a.txt' | Should -Be 'new'
        }

        It 'writes nothing with -WhatIf' {
            $result = @(Send-StorageObject -Path (Join-Path $files 'one.txt') -Destination (Join-StorageAddress $store 'whatif/one.txt') -WhatIf)
            $result.Count | Should -Be 0
            Test-TestObject $store 'whatif/one.txt' | Should -BeFalse
        }

        It 'writes nothing with -WhatIf for a -Value either' {
            Send-StorageObject -Value 'x' -Destination (Join-StorageAddress $store 'whatif/value.txt') -WhatIf | Out-Null
            Test-TestObject $store 'whatif/value.txt' | Should -BeFalse
        }

        It 'reports a missing local file as an error and goes on with the next one' {
            $paths = @((Join-Path $files 'no-such-file.txt'), (Join-Path $files 'two.txt'))
            $errors = $null
            $items = @(Send-StorageObject -Path $paths -Destination (Join-StorageAddress $store 'partial/') -ErrorAction SilentlyContinue -ErrorVariable errors)

            @($errors).Count | Should -BeGreaterThan 0
            $items.Count | Should -Be 1
            Test-TestObject $store 'partial/two.txt' | Should -BeTrue
        }

        It 'does not accept -Path and -Value together' {
            { Send-StorageObject -Path (Join-Path $files 'one.txt') -Value 'x' -Destination (Join-StorageAddress $store 'both.txt') -ErrorAction Stop } |
                Should -Throw
        }
    }
}
