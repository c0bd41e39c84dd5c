BeforeDiscovery {
    # The stores to run against: mem and local, and the emulators whose variables are set.
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
    Import-CloudStorageForTest
}

Describe 'Get-StorageObject' {
    Context '<_>' -ForEach (Get-TestStoreKinds) {
        BeforeAll {
            $store = New-TestStore -Kind $_
            Add-TestObject $store 'get/hello.txt' 'hello wörld'
            Add-TestObject $store 'get/tree/a.txt' 'a'
            Add-TestObject $store 'get/tree/b.txt' 'bb'
            Add-TestObject $store 'get/tree/sub/c.txt' 'ccc'
            $bytes = [byte[]](0, 1, 2, 128, 255)
            Send-StorageObject -Value $bytes -Destination (Join-StorageAddress $store 'get/data.bin') -Force | Out-Null
            $unicodeBytes = [System.Text.Encoding]::Unicode.GetBytes('utf-16 text')
            Send-StorageObject -Value $unicodeBytes -Destination (Join-StorageAddress $store 'get/utf16.txt') -Force | Out-Null
            $downloads = New-TestDirectory
        }

        AfterAll {
            Remove-TestStore $store
            if (Test-Path -LiteralPath $downloads) { Remove-Item -LiteralPath $downloads -Recurse -Force }
        }

        It 'reads an object as a string (AsString set, UTF-8 by default)' -Tag 'ParameterSet:AsString' {
            Get-StorageObject -Uri (Join-StorageAddress $store 'get/hello.txt') -AsString | Should -Be 'hello wörld'
        }

        It 'reads an object as a string in another -Encoding' {
            Get-StorageObject -Uri (Join-StorageAddress $store 'get/utf16.txt') -AsString -Encoding 'unicode' | Should -Be 'utf-16 text'
        }

        It 'reads an object as one byte[] (AsByteArray set)' -Tag 'ParameterSet:AsByteArray' {
            $result = Get-StorageObject -Uri (Join-StorageAddress $store 'get/data.bin') -AsByteArray

            # One byte[] on the pipeline, not one byte per object.
            $result.GetType().FullName | Should -Be 'System.Byte[]'
            [Convert]::ToBase64String($result) | Should -Be ([Convert]::ToBase64String($bytes))
        }

        It 'downloads to a file (ToFile set) and returns its FileInfo' -Tag 'ParameterSet:ToFile' {
            $target = Join-Path $downloads 'hello.txt'
            $file = Get-StorageObject -Uri (Join-StorageAddress $store 'get/hello.txt') -Destination $target

            $file | Should -BeOfType [System.IO.FileInfo]
            $file.FullName | Should -Be ([System.IO.Path]::GetFullPath($target))
            Get-Content -LiteralPath $target -Raw -Encoding utf8 | Should -Be 'hello wörld'
        }

        It 'takes -Uri and -Destination by position' {
            $target = Join-Path $downloads 'positional.txt'
            Get-StorageObject (Join-StorageAddress $store 'get/hello.txt') $target | Out-Null
            $target | Should -Exist
        }

        It 'downloads into an existing folder, keeping the object name' {
            $folder = Join-Path $downloads 'into'
            New-Item -ItemType Directory -Path $folder | Out-Null
            Get-StorageObject -Uri (Join-StorageAddress $store 'get/hello.txt') -Destination $folder | Out-Null
            Join-Path $folder 'hello.txt' | Should -Exist
        }

        It 'downloads a prefix into a folder with -Recurse' {
            $folder = Join-Path $downloads 'tree'
            $files = @(Get-StorageObject -Uri (Join-StorageAddress $store 'get/tree/') -Destination $folder -Recurse)

            $files.Count | Should -Be 3
            $names = @(Get-ChildItem -LiteralPath $folder -Recurse -File | ForEach-Object Name | Sort-Object)
            ($names -join ',') | Should -Be 'a.txt,b.txt,c.txt'
        }

        It 'refuses to overwrite an existing file without -Force (StorageAlreadyExists)' {
            $target = Join-Path $downloads 'exists.txt'
            Set-Content -LiteralPath $target -Value 'keep me' -NoNewline
            { Get-StorageObject -Uri (Join-StorageAddress $store 'get/hello.txt') -Destination $target -ErrorAction Stop } |
                Should -Throw -ErrorId 'StorageAlreadyExists*'
            Get-Content -LiteralPath $target -Raw | Should -Be 'keep me'
        }

        It 'overwrites an existing file with -Force' {
            $target = Join-Path $downloads 'force.txt'
            Set-Content -LiteralPath $target -Value 'old' -NoNewline
            Get-StorageObject -Uri (Join-StorageAddress $store 'get/hello.txt') -Destination $target -Force | Out-Null
            Get-Content -LiteralPath $target -Raw -Encoding utf8 | Should -Be 'hello wörld'
        }

        It 'reports a missing object as StorageNotFound' {
            { Get-StorageObject -Uri (Join-StorageAddress $store 'get/missing.txt') -AsString -ErrorAction Stop } |
                Should -Throw -ErrorId 'StorageNotFound*'
        }

        It 'reads the objects Get-StorageItem pipes in (Uri by property name)' {
            $texts = @(Get-StorageItem -Uri (Join-StorageAddress $store 'get/tree/') -Recurse | Get-StorageObject -AsString)
            (@($texts | Sort-Object) -join ',') | Should -Be 'a,bb,ccc'
        }

        It 'downloads the objects Get-StorageItem pipes in to a folder' {
            $folder = Join-Path $downloads 'piped'
            New-Item -ItemType Directory -Path $folder | Out-Null
            Get-StorageItem -Uri (Join-StorageAddress $store 'get/tree/') -Filter '*.txt' | Get-StorageObject -Destination $folder | Out-Null
            (@(Get-ChildItem -LiteralPath $folder -File | ForEach-Object Name | Sort-Object) -join ',') | Should -Be 'a.txt,b.txt'
        }

        It 'goes on with the next piped object after a missing one (non-terminating error)' {
            $uris = @((Join-StorageAddress $store 'get/missing.txt'), (Join-StorageAddress $store 'get/tree/a.txt'))
            $errors = $null
            $texts = @($uris | Get-StorageObject -AsString -ErrorAction SilentlyContinue -ErrorVariable errors)

            ($texts -join ',') | Should -Be 'a'
            @($errors).Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'StorageNotFound*'
        }
    }
}

Describe 'Get-StorageObject against a silent endpoint (retries and timeouts)' {
    BeforeAll {
        # A TCP black hole: the kernel completes handshakes into the backlog, nothing ever answers.
        $hole = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $hole.Start()
        $port = $hole.LocalEndpoint.Port
        $name = 'hole' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        Register-StorageRemote -Name $name -Uri 'az://devstoreaccount1/box/' -Option @{
            endpoint = "http://127.0.0.1:$port/devstoreaccount1"; auth = 'anonymous'
            'connect-timeout' = '0.5'; 'read-timeout' = '0.5'; retries = '2'
        }
    }

    AfterAll {
        Unregister-StorageRemote -Name $name
        $hole.Stop()
    }

    It 'writes one verbose line per retry, then a non-terminating StorageTransient error naming the address, within its timeouts' {
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $verbose = Get-StorageObject -Uri "${name}:a.txt" -AsString -Verbose -ErrorAction SilentlyContinue -ErrorVariable failures 4>&1
        $clock.Stop()
        $lines = @($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message | Where-Object { $_ -like 'Retrying *' })
        $lines.Count | Should -Be 2
        $lines[0] | Should -BeLike "Retrying Stat of 'az://devstoreaccount1/box/a.txt' (retry 1 of 2) in * s: Transient: *127.0.0.1:$port*read-timeout*"
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'StorageTransient*'
        $failures[0].Exception.Message | Should -BeLike "*127.0.0.1:$port*"
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 15
    }
}

Describe 'Get-StorageObject -Recurse with hostile keys (mem)' {
    BeforeAll {
        $store = New-TestStore -Kind mem
        $sandbox = New-TestDirectory
        $folder = Join-Path $sandbox 'a/b/d'
        $sandboxKey = $sandbox.TrimStart('/', '\').Replace('\', '/')
        # Keys a bucket can hold that name places outside a download folder.
        $hostile = @('../escaped1', '../../escaped2', 'x/../../../escaped3', "/$sandboxKey/escaped4", '..\escaped5', 'C:/escaped6')
        foreach ($key in $hostile + 'good.txt' + 'sub/good2.txt') { Add-TestObject $store "t/$key" "content of $key" }
    }

    AfterAll {
        Remove-TestStore $store
        if (Test-Path -LiteralPath $sandbox) { Remove-Item -LiteralPath $sandbox -Recurse -Force }
    }

    AfterEach { if (Test-Path -LiteralPath $folder) { Remove-Item -LiteralPath $folder -Recurse -Force } }

    It 'writes nothing outside the folder, reports each hostile key as StorageInvalidKey and downloads the rest' {
        $files = Get-StorageObject (Join-StorageAddress $store 't/') -Destination "$folder/" -Recurse -Force -ErrorVariable errs -ErrorAction SilentlyContinue

        @($errs).Count | Should -Be $hostile.Count
        $errs | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'StorageInvalidKey*' }
        @($files).Count | Should -Be 2
        Get-Content -LiteralPath (Join-Path $folder 'good.txt') -Raw | Should -Be 'content of good.txt'
        Get-Content -LiteralPath (Join-Path $folder 'sub/good2.txt') -Raw | Should -Be 'content of sub/good2.txt'
        $outside = Get-ChildItem -LiteralPath $sandbox -Recurse -File -Force | Where-Object { -not $_.FullName.StartsWith($folder) }
        $outside | Should -BeNullOrEmpty
    }

    It 'Copy-StorageObject -Recurse to a local folder confines the same way' {
        Copy-StorageObject (Join-StorageAddress $store 't/') -Destination "$folder/" -Recurse -Force -ErrorVariable errs -ErrorAction SilentlyContinue | Out-Null

        @($errs).Count | Should -Be $hostile.Count
        $errs | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'StorageInvalidKey*' }
        Join-Path $folder 'sub/good2.txt' | Should -Exist
        Get-ChildItem -LiteralPath $sandbox -Recurse -File -Force | Where-Object { -not $_.FullName.StartsWith($folder) } | Should -BeNullOrEmpty
    }

    It 'Sync-StorageProvider to a local folder fails the hostile actions alone and ends with its summary' {
        $result = Sync-StorageProvider (Join-StorageAddress $store 't/') "$folder/" -ErrorVariable errs -ErrorAction SilentlyContinue

        $summary = $result | Select-Object -Last 1
        $summary.Failed | Should -Be $hostile.Count
        $summary.Copied | Should -Be 2
        $errs | ForEach-Object { $_.Exception.Kind | Should -Be 'InvalidKey' }
        Get-ChildItem -LiteralPath $sandbox -Recurse -File -Force | Where-Object { -not $_.FullName.StartsWith($folder) } | Should -BeNullOrEmpty
    }
}
