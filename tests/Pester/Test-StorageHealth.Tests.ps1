BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
    Import-CloudStorageForTest

    function Get-ClosedPortEndpoint {
        # An address where nothing listens, as a stopped emulator's (the port is free once the listener stops).
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $port = $listener.LocalEndpoint.Port
        $listener.Stop()
        return "http://127.0.0.1:$port"
    }
}

Describe 'Test-StorageHealth' {
    Context '<_>' -ForEach (Get-TestStoreKinds) {
        BeforeAll {
            $store = New-TestStore -Kind $_
            Add-TestObject $store 'data/a.txt' 'alpha'
        }

        AfterAll {
            Remove-TestStore $store
        }

        It 'Health: one healthy StorageHealthCheck per check of a working store, and the probe object is gone' -Tag 'ParameterSet:__AllParameterSets' {
            $checks = @(Test-StorageHealth -Uri (Join-StorageAddress $store 'data/'))

            $checks[0].PSObject.TypeNames | Should -Contain 'CloudStorage.Core.Health.StorageHealthCheck'
            @($checks.Check) | Should -Be @('Reachable', 'Credentials', 'List', 'Write', 'Read', 'Delete')
            @($checks | Where-Object Status -ne 'Healthy') | Should -BeNullOrEmpty
            @($checks | Where-Object { $_.Check -in 'List', 'Write', 'Read', 'Delete' -and $_.Latency -le [timespan]::Zero }) | Should -BeNullOrEmpty
            Get-TestObjectNames $store 'data/' | Should -Be @('a.txt')
        }

        It 'Health: -ReadOnly lists and reads but writes nothing' {
            $checks = @(Test-StorageHealth (Join-StorageAddress $store 'data/') -ReadOnly)
            ($checks | Where-Object Check -eq 'Read').Status | Should -Be 'Healthy'
            ($checks | Where-Object Check -eq 'Write').Status | Should -Be 'Skipped'
            ($checks | Where-Object Check -eq 'Delete').Status | Should -Be 'Skipped'
        }

        It 'Health: takes addresses from the pipeline and formats as a table' {
            $checks = @((Join-StorageAddress $store 'data/') | Test-StorageHealth -ReadOnly)
            $checks.Count | Should -Be 6
            ($checks | Format-Table | Out-String) | Should -Match 'Check\s+Status\s+LatencyMs'
        }
    }

    # Where a store can be stopped: an S3 named remote re-registered where nothing listens.
    Context '<_>' -ForEach @(Get-TestStoreKinds | Where-Object { $_ -eq 's3' }) {
        It 'Health reports an S3 endpoint that no longer answers as down, and probes nothing further' {
            $name = 'down' + [guid]::NewGuid().ToString('N').Substring(0, 10)
            Register-StorageRemote -Name $name -Uri "s3://$($env:S3_EMULATOR_BUCKET)/health/" -Option @{ endpoint = (Get-ClosedPortEndpoint); region = 'us-east-1'; retries = '0' }
            try {
                $checks = @(Test-StorageHealth "${name}:")
                ($checks | Where-Object Check -eq 'Reachable').Status | Should -Be 'Failed'
                ($checks | Where-Object Check -eq 'Reachable').ErrorKind | Should -Be 'Transient'
                ($checks | Where-Object Check -eq 'List').Status | Should -Be 'Failed'
                @($checks | Where-Object { $_.Check -in 'Write', 'Read', 'Delete' } | ForEach-Object Status | Select-Object -Unique) | Should -Be @('Skipped')
            }
            finally { Unregister-StorageRemote -Name $name }
        }
    }
}
