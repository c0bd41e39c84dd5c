# Replicated and routed providers, repair and migration, through the cmdlets on every store: each Context puts its
# primary (or first route) on the store under test and the others on memory and local stores. The failover cases that
# stop a store run where it can be stopped: an S3 named remote re-registered at an address where nothing listens.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
    Import-CloudStorageForTest

    function New-CompositeName { return 'cmp' + [guid]::NewGuid().ToString('N').Substring(0, 10) }

    function Get-ClosedPortEndpoint {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $port = $listener.LocalEndpoint.Port
        $listener.Stop()
        return "http://127.0.0.1:$port"
    }

    function Get-StatusByKey {
        param([object[]]$Results)
        return (@($Results | ForEach-Object { '{0}={1}' -f $_.Key, $_.Status } | Sort-Object) -join ',')
    }
}

Describe 'Replicated providers' {
    Context '<_>' -ForEach (Get-TestStoreKinds) {
        BeforeAll {
            $primary = New-TestStore -Kind $_
            $backup = New-TestStore -Kind (Get-OtherStoreKind $_)
            $third = New-TestStore -Kind 'local'
            $name = New-CompositeName
            Register-StorageRemote -Name $name -Replica $primary.Root, $backup.Root, $third.Root
        }

        AfterAll {
            Unregister-StorageRemote -Name $name -ErrorAction SilentlyContinue
            Remove-TestStore $primary
            Remove-TestStore $backup
            Remove-TestStore $third
        }

        It 'Replica: an upload, a copy and a sync through the replicated name reach every replica' {
            $item = Send-StorageObject -Value 'alpha' -Destination "${name}:a.txt"
            $item.Uri | Should -Be "${name}:a.txt"
            $source = New-TestStore -Kind 'mem'
            try {
                Add-TestObject $source 'in/b.txt' 'bravo'
                Add-TestObject $source 'in/c.txt' 'charlie'
                Copy-StorageObject -Uri (Join-StorageAddress $source 'in/b.txt') -Destination "${name}:copied/b.txt" | Out-Null
                $summary = Sync-StorageProvider -Source (Join-StorageAddress $source 'in/') -Destination "${name}:synced/" | Select-Object -Last 1
                $summary.Copied | Should -Be 2
            }
            finally { Remove-TestStore $source }
            foreach ($store in $primary, $backup, $third) {
                Get-TestObjectText $store 'a.txt' | Should -Be 'alpha'
                Get-TestObjectText $store 'copied/b.txt' | Should -Be 'bravo'
                Get-TestObjectText $store 'synced/c.txt' | Should -Be 'charlie'
            }
        }

        It 'Replica: Test-StorageIntegrity on the replicated name compares every replica with the primary' {
            Send-StorageObject -Value 'one' -Destination "${name}:check/1.txt" | Out-Null
            Send-StorageObject -Value 'two' -Destination "${name}:check/2.txt" | Out-Null
            Add-TestObject $third 'check/2.txt' 'TWO'

            $results = @(Test-StorageIntegrity "${name}:check/" -Recurse)
            $results.Count | Should -Be 4
            $mismatch = @($results | Where-Object Status -ne 'Match')
            $mismatch.Count | Should -Be 1
            $mismatch[0].Status | Should -Be 'Mismatch'
            $mismatch[0].Key | Should -Be '2.txt'
            $mismatch[0].Uri | Should -BeLike '*check/2.txt'
            @($results.ReferenceUri | Where-Object { $_ -notlike '*check/*' }) | Should -BeNullOrEmpty
        }

        It 'Failover: a read of an object missing on the primary comes from a backup; deletes go everywhere' {
            Send-StorageObject -Value 'kept' -Destination "${name}:f/x.txt" | Out-Null
            Remove-StorageObject -Uri (Join-StorageAddress $primary 'f/x.txt') -Confirm:$false
            Get-StorageObject -Uri "${name}:f/x.txt" -AsString | Should -Be 'kept'

            Remove-StorageObject -Uri "${name}:f/x.txt" -Confirm:$false
            foreach ($store in $primary, $backup, $third) { Test-TestObject $store 'f/x.txt' | Should -BeFalse }
        }

        It 'Replica: a recursive delete through the replicated name removes every object from every replica (in batches where a replica has them)' {
            foreach ($i in 1..12) { Send-StorageObject -Value "r$i" -Destination "${name}:rm/$i.txt" | Out-Null }
            Send-StorageObject -Value 'stays' -Destination "${name}:rmkeep.txt" | Out-Null

            $removed = @(Remove-StorageObject -Uri "${name}:rm/" -Recurse -PassThru -Confirm:$false -ErrorVariable err)
            $err | Should -BeNullOrEmpty
            $removed.Count | Should -Be 12
            foreach ($store in $primary, $backup, $third) {
                foreach ($i in 1..12) { Test-TestObject $store "rm/$i.txt" | Should -BeFalse }
                Get-TestObjectText $store 'rmkeep.txt' | Should -Be 'stays'
            }
        }

        It 'Health of a replicated name reports each replica with its breaker' {
            $checks = @(Test-StorageHealth "${name}:" -ReadOnly)
            @($checks.Role | Select-Object -Unique) | Should -Be @('Primary', 'Replica')
            @($checks.Target | Select-Object -Unique).Count | Should -Be 3
            @($checks | Where-Object Check -eq 'Breaker').Count | Should -Be 3
            @($checks | Where-Object Status -eq 'Failed') | Should -BeNullOrEmpty
        }
    }

}

Describe 'Replica repair' {
    Context '<_>' -ForEach (Get-TestStoreKinds) {
        BeforeAll {
            $primary = New-TestStore -Kind $_
            $backup = New-TestStore -Kind 'mem'
            # A replica that cannot be written: its folder's place is taken by a file.
            $lagging = Join-Path ([System.IO.Path]::GetTempPath()) ('cloudstorage-pester-lag-' + [guid]::NewGuid().ToString('N'))
            Set-Content -LiteralPath $lagging -Value 'in the way'
            $name = New-CompositeName
            Register-StorageRemote -Name $name -Replica $primary.Root, $backup.Root, ($lagging + [System.IO.Path]::DirectorySeparatorChar) -Policy Primary
        }

        AfterAll {
            Unregister-StorageRemote -Name $name -ErrorAction SilentlyContinue
            Remove-TestStore $primary
            Remove-TestStore $backup
            Remove-Item -LiteralPath $lagging -Recurse -Force -ErrorAction SilentlyContinue
        }

        It 'Replica: a replica that fails a write is reported with its address, and the repair path brings it back in line' {
            $item = Send-StorageObject -Value 'alpha' -Destination "${name}:docs/a.txt" -ErrorVariable replicaErrors -ErrorAction SilentlyContinue
            $item.Uri | Should -Be "${name}:docs/a.txt"              # the write stands under -Policy Primary
            $replicaErrors.Count | Should -Be 1
            $replicaErrors[0].FullyQualifiedErrorId | Should -BeLike 'StorageReplicaFailed*'
            "$($replicaErrors[0].TargetObject)" | Should -BeLike "*cloudstorage-pester-lag-*docs/a.txt"
            $replicaErrors[0].Exception.Message | Should -BeLike '*Sync-StorageProvider*'

            # Repair: make the replica writable again, then sync it from the primary (its address is in the registration).
            Remove-Item -LiteralPath $lagging -Force
            New-Item -ItemType Directory -Path $lagging | Out-Null
            $registration = Get-StorageRemote -Name $name
            $registration.Replicas[0] | Should -Be $primary.Root
            $summary = Sync-StorageProvider -Source $registration.Replicas[0] -Destination $registration.Replicas[2] -Delete | Select-Object -Last 1
            $summary.Copied | Should -Be 1
            $summary.Deleted | Should -Be 0
            Get-Content -LiteralPath (Join-Path $lagging 'docs/a.txt') -Raw | Should -Be 'alpha'

            Get-StatusByKey @(Test-StorageIntegrity "${name}:" -Recurse) | Should -Be 'docs/a.txt=Match,docs/a.txt=Match'
            Get-TestObjectText $primary 'docs/a.txt' | Should -Be 'alpha'
        }
    }

}

Describe 'Failover with the primary stopped' {
    # Where a store can be stopped: an S3 named remote re-registered where nothing listens.
    Context '<_>' -ForEach @(Get-TestStoreKinds | Where-Object { $_ -eq 's3' }) {
        BeforeAll {
            $primary = New-TestStore -Kind 's3'
            $backup = New-TestStore -Kind 'local'
            $name = New-CompositeName
            Register-StorageRemote -Name $name -Replica $primary.Root, $backup.Root
            $registration = Get-StorageRemote -Name $primary.ProviderName
            $primaryUri = $registration.Uri
            $primaryOptions = @{}
            foreach ($k in $registration.Options.Keys) { $primaryOptions[$k] = $registration.Options[$k] }
        }

        AfterAll {
            Unregister-StorageRemote -Name $name -ErrorAction SilentlyContinue
            Remove-TestStore $backup
            # Point the primary's name back at the emulator so its prefix can be emptied.
            Register-StorageRemote -Name $primary.ProviderName -Uri $primaryUri -Option $primaryOptions -Force
            Remove-TestStore $primary
        }

        It 'Failover: with the primary S3 endpoint stopped, reads and listings come from the backup and the breaker opens' {
            Send-StorageObject -Value 'alpha' -Destination "${name}:a.txt" | Out-Null
            Send-StorageObject -Value 'bravo' -Destination "${name}:b.txt" | Out-Null
            # The primary stops: its name now leads where nothing listens (as a stopped emulator's port).
            $dead = $primaryOptions.Clone()
            $dead['endpoint'] = Get-ClosedPortEndpoint
            $dead['retries'] = '1'
            Register-StorageRemote -Name $primary.ProviderName -Uri $primaryUri -Option $dead -Force

            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            Get-StorageObject -Uri "${name}:a.txt" -AsString | Should -Be 'alpha'
            $failover = $watch.Elapsed
            @(Get-StorageItem -Uri "${name}:" | ForEach-Object Uri) | Should -Be @("${name}:a.txt", "${name}:b.txt")
            Get-StorageObject -Uri "${name}:b.txt" -AsString | Should -Be 'bravo'

            $checks = @(Test-StorageHealth "${name}:" -ReadOnly)
            ($checks | Where-Object { $_.Role -eq 'Primary' -and $_.Check -eq 'Breaker' }).Status | Should -Be 'Failed'
            ($checks | Where-Object { $_.Role -eq 'Primary' -and $_.Check -eq 'Reachable' }).Status | Should -Be 'Failed'
            ($checks | Where-Object { $_.Role -eq 'Replica' -and $_.Check -eq 'Read' }).Status | Should -Be 'Healthy'

            $watch.Restart()
            Get-StorageObject -Uri "${name}:a.txt" -AsString | Should -Be 'alpha'
            $open = $watch.Elapsed
            Write-Host ("    Failover (Pester, S3 primary stopped): first read {0:N0} ms; with the breaker open {1:N0} ms" -f $failover.TotalMilliseconds, $open.TotalMilliseconds)
            $failover.TotalSeconds | Should -BeLessThan 15
        }
    }
}

Describe 'Routed providers' {
    Context '<_>' -ForEach (Get-TestStoreKinds) {
        BeforeAll {
            $images = New-TestStore -Kind $_
            $scratch = New-TestStore -Kind 'local'
            $rest = New-TestStore -Kind 'mem'
            $name = New-CompositeName
            Register-StorageRemote -Name $name -Route ([ordered]@{ '*.jpg' = $images.Root; 'tmp/*' = $scratch.Root; '*' = $rest.Root })
        }

        AfterAll {
            Unregister-StorageRemote -Name $name -ErrorAction SilentlyContinue
            Remove-TestStore $images
            Remove-TestStore $scratch
            Remove-TestStore $rest
        }

        It 'Routing puts each key where its pattern says, in the order given' {
            foreach ($key in 'p/a.jpg', 'tmp/b.txt', 'tmp/c.jpg', 'p/d.txt') {
                Send-StorageObject -Value $key -Destination "${name}:$key" | Out-Null
            }
            Get-TestObjectText $images 'p/a.jpg' | Should -Be 'p/a.jpg'
            Get-TestObjectText $images 'tmp/c.jpg' | Should -Be 'tmp/c.jpg'      # '*.jpg' is tried before 'tmp/*'
            Get-TestObjectText $scratch 'tmp/b.txt' | Should -Be 'tmp/b.txt'
            Get-TestObjectText $rest 'p/d.txt' | Should -Be 'p/d.txt'
            Test-TestObject $rest 'p/a.jpg' | Should -BeFalse
        }

        It 'Routing lists every route merged in key order' {
            $keys = @(Get-StorageItem -Uri "${name}:" -Recurse | ForEach-Object Key)
            $keys | Should -Be @('p/a.jpg', 'p/d.txt', 'tmp/b.txt', 'tmp/c.jpg')
            @(Get-StorageItem -Uri "${name}:" | ForEach-Object Key) | Should -Be @('p/', 'tmp/')
        }

        It 'Routing: copies and syncs through the routed name work, and a second sync copies nothing' {
            $source = New-TestStore -Kind 'mem'
            try {
                Add-TestObject $source 's/1.jpg' 'one'
                Add-TestObject $source 's/2.txt' 'two'
                $first = Sync-StorageProvider -Source $source.Root -Destination "${name}:" | Select-Object -Last 1
                $first.Copied | Should -Be 2
                $second = Sync-StorageProvider -Source $source.Root -Destination "${name}:" | Select-Object -Last 1
                ($second.Copied + $second.Updated) | Should -Be 0
                Get-TestObjectText $images 's/1.jpg' | Should -Be 'one'
                Get-TestObjectText $rest 's/2.txt' | Should -Be 'two'

                Copy-StorageObject -Uri "${name}:s/1.jpg" -Destination "${name}:tmp/1.bak" | Out-Null
                Get-TestObjectText $scratch 'tmp/1.bak' | Should -Be 'one'
            }
            finally { Remove-TestStore $source }
        }
    }
}

Describe 'Migration runbook' {
    Context '<_>' -ForEach (Get-TestStoreKinds) {
        BeforeAll {
            $old = New-TestStore -Kind $_
            $new = New-TestStore -Kind (Get-OtherStoreKind $_)
        }

        AfterAll {
            Remove-TestStore $old
            Remove-TestStore $new
        }

        It 'copies, verifies every object, and removes only the source objects whose copy was verified' {
            foreach ($k in 'a.txt', 'b.txt', 'd/c.txt') { Add-TestObject $old $k "content of $k" }
            Copy-StorageObject -Uri $old.Root -Destination $new.Root -Recurse | Out-Null
            Add-TestObject $new 'b.txt' 'CORRUPTED in transit'   # this copy does not verify

            # The runbook of the README (Migration): remove a source object only when its copy was checked and matched.
            Test-StorageIntegrity -Uri $new.Root -Reference $old.Root -Recurse |
                Where-Object Status -eq 'Match' |
                ForEach-Object { Remove-StorageObject -Uri $_.ReferenceUri -Confirm:$false }

            Get-TestObjectNames $old | Should -Be @('b.txt')
            Get-TestObjectText $old 'b.txt' | Should -Be 'content of b.txt'
            Get-TestObjectNames $new | Should -Be @('a.txt', 'b.txt', 'c.txt')
        }
    }
}
