BeforeAll {
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
    Import-CloudStorageForTest

    function Get-CaughtError {
        # The ErrorRecord a command fails with under -ErrorAction Stop, or $null when it does not fail.
        param([Parameter(Mandatory)][scriptblock]$ScriptBlock)
        try {
            $null = & $ScriptBlock
        }
        catch {
            return $_
        }
        return $null
    }
}

# Memory and local stores cannot presign: the contract is a clear NotImplemented error, not a fake URL.
# Real URLs (S3 SigV4, Azure SAS, GCS V4) are tested against the emulators once those providers ship.
Describe 'New-StoragePresignedUrl' {
    Context '<_>' -ForEach @('mem', 'local') {
        BeforeAll {
            $store = New-TestStore -Kind $_
            Add-TestObject $store 'presign/a.txt' 'alpha'
        }

        AfterAll {
            Remove-TestStore $store
        }

        It 'reports a NotImplemented StorageUnsupported error (Get)' -Tag 'ParameterSet:__AllParameterSets' {
            $err = Get-CaughtError { New-StoragePresignedUrl -Uri (Join-StorageAddress $store 'presign/a.txt') -Method Get -ErrorAction Stop }

            $err | Should -Not -BeNullOrEmpty
            $err.FullyQualifiedErrorId | Should -BeLike 'StorageUnsupported*'
            "$($err.CategoryInfo.Category)" | Should -Be 'NotImplemented'
        }

        It 'reports the same for -Method <Method>' -ForEach @(@{ Method = 'Put' }, @{ Method = 'Delete' }) {
            $uri = Join-StorageAddress $store 'presign/a.txt'
            { New-StoragePresignedUrl -Uri $uri -Method $Method -ExpiresIn ([TimeSpan]::FromMinutes(5)) -ErrorAction Stop } |
                Should -Throw -ErrorId 'StorageUnsupported*'
        }

        It 'accepts -ContentType and -ExpiresIn before failing the same way' {
            { New-StoragePresignedUrl -Uri (Join-StorageAddress $store 'presign/a.txt') -Method Put -ContentType 'text/plain' -ExpiresIn '00:10:00' -ErrorAction Stop } |
                Should -Throw -ErrorId 'StorageUnsupported*'
        }

        It 'reports one error per piped item and goes on (Uri by property name)' {
            Add-TestObject $store 'presign/b.txt' 'bravo'
            $errors = $null
            $urls = @(Get-StorageItem -Uri (Join-StorageAddress $store 'presign/') -Filter '*.txt' |
                    New-StoragePresignedUrl -ErrorAction SilentlyContinue -ErrorVariable errors)

            $urls.Count | Should -Be 0
            @($errors).Count | Should -Be 2
        }

        It 'never writes the object' {
            New-StoragePresignedUrl -Uri (Join-StorageAddress $store 'presign/new.txt') -Method Put -ErrorAction SilentlyContinue
            Test-TestObject $store 'presign/new.txt' | Should -BeFalse
        }
    }

    Context 'parameters' {
        It 'rejects a method other than Get, Put or Delete' {
            { New-StoragePresignedUrl -Uri 'mem://pester-presign/a.txt' -Method Post -ErrorAction Stop } | Should -Throw
        }

        It 'signs an s3:// URL offline with credentials from the environment (SigV4)' -Tag 'ParameterSet:__AllParameterSets' {
            $names = 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_PROFILE'
            $saved = @{}
            foreach ($name in $names) { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
            try {
                $env:AWS_ACCESS_KEY_ID = 'AKIDPESTEREXAMPLE'
                $env:AWS_SECRET_ACCESS_KEY = 'pester-example-secret'
                $env:AWS_SESSION_TOKEN = $null
                $env:AWS_PROFILE = $null
                $env:AWS_REGION = 'eu-west-1'
                $bucket = 'pester-' + [guid]::NewGuid().ToString('N').Substring(0, 12)

                $url = New-StoragePresignedUrl -Uri "s3://$bucket/reports/q1.pdf" -Method Get -ExpiresIn '00:05:00'

                $url | Should -BeOfType [CloudStorage.Core.Model.PresignedUrl]
                $url.Uri | Should -Be "s3://$bucket/reports/q1.pdf"
                $url.Url | Should -BeOfType [string]
                ([uri]$url.Url).Host | Should -Be "$bucket.s3.eu-west-1.amazonaws.com"
                ([uri]$url.Url).Query | Should -Match 'X-Amz-Signature='
                "$url" | Should -Not -Match 'X-Amz-Signature'
            }
            finally {
                foreach ($name in $names) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
            }
        }
    }
}

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
    # S3 and Azure sign with the emulators' keys from the environment; GCS V4 signing needs a service-account or HMAC
    # key that the emulator's environment does not carry (the provider tests sign GCS URLs with a generated key).
    $cloudKinds = @(Get-TestStoreKinds | Where-Object { $_ -in 's3', 'azure' })
}

# The signed URL is a string: passed to Invoke-WebRequest (or curl) as it is, a key with a space keeps its %20.
Describe 'New-StoragePresignedUrl on the emulators' {
    Context '<_>' -ForEach $cloudKinds {
        BeforeAll {
            $store = New-TestStore -Kind $_
            Add-TestObject $store 'presign/my report.txt' 'signed content'
        }

        AfterAll {
            Remove-TestStore $store
        }

        It 'gives a URL string that Invoke-WebRequest uses unchanged, %20 included' {
            $p = New-StoragePresignedUrl -Uri (Join-StorageAddress $store 'presign/my report.txt') -Method Get -ExpiresIn '00:05:00'
            $p.Url | Should -BeOfType [string]
            $p.Url | Should -Match 'my%20report\.txt'
            "$($p.Url)" | Should -BeExactly $p.Url
            $response = Invoke-WebRequest -Uri $p.Url -UseBasicParsing -SkipCertificateCheck
            $body = if ($response.Content -is [byte[]]) { [Text.Encoding]::UTF8.GetString($response.Content) } else { $response.Content }
            $body | Should -Be 'signed content'
        }
    }
}
