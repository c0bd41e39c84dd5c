BeforeAll {
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
    Import-CloudStorageForTest

    function New-ProviderName {
        # Names need two or more characters and must start with a letter.
        return 'pt' + [guid]::NewGuid().ToString('N').Substring(0, 10)
    }

}

Describe 'Register-StorageRemote' {
    Context '<_>' -ForEach @('mem', 'local') {
        BeforeAll {
            $store = New-TestStore -Kind $_
            $names = [System.Collections.Generic.List[string]]::new()
        }

        AfterAll {
            foreach ($n in $names) {
                Unregister-StorageRemote -Name $n -ErrorAction SilentlyContinue
            }
            Remove-TestStore $store
        }

        It 'registers a name for a root, and name:key addresses objects under it' -Tag 'ParameterSet:Uri' {
            $name = New-ProviderName
            $names.Add($name)
            Register-StorageRemote -Name $name -Uri $store.Root

            Send-StorageObject -Value 'through the name' -Destination "${name}:named/a.txt" | Out-Null
            Get-TestObjectText $store 'named/a.txt' | Should -Be 'through the name'
            Add-TestObject $store 'named/b.txt' 'through the root'
            Get-StorageObject -Uri "${name}:named/b.txt" -AsString | Should -Be 'through the root'
        }

        It 'registers a replicated provider with -Replica and -Policy: writes reach every replica' -Tag 'ParameterSet:Replicated' {
            $name = New-ProviderName
            $names.Add($name)
            $other = New-TestStore -Kind (Get-OtherStoreKind $store.Kind)
            try {
                $registration = Register-StorageRemote -Name $name -Replica (Join-StorageAddress $store 'primary/'), $other.Root -Policy Primary -PassThru
                $registration.ProviderType | Should -Be 'replicated'
                $registration.Policy | Should -Be 'Primary'
                $registration.Replicas.Count | Should -Be 2

                Send-StorageObject -Value 'everywhere' -Destination "${name}:r/a.txt" | Out-Null
                Get-TestObjectText $store 'primary/r/a.txt' | Should -Be 'everywhere'
                Get-TestObjectText $other 'r/a.txt' | Should -Be 'everywhere'
                (Get-StorageItem -Uri "${name}:r/" | Select-Object -ExpandProperty Uri) | Should -Be "${name}:r/a.txt"
            }
            finally { Remove-TestStore $other }
        }

        It 'registers a routed provider with -Route, which needs an ordered dictionary for two or more routes' -Tag 'ParameterSet:Routed' {
            $name = New-ProviderName
            $names.Add($name)
            $registration = Register-StorageRemote -Name $name -Route ([ordered]@{ '*.jpg' = (Join-StorageAddress $store 'img/'); '*' = (Join-StorageAddress $store 'rest/') }) -PassThru
            $registration.ProviderType | Should -Be 'routed'
            @($registration.Routes.Pattern) | Should -Be @('*.jpg', '*')

            Send-StorageObject -Value 'jpg' -Destination "${name}:p/a.jpg" | Out-Null
            Send-StorageObject -Value 'txt' -Destination "${name}:p/a.txt" | Out-Null
            Get-TestObjectText $store 'img/p/a.jpg' | Should -Be 'jpg'
            Get-TestObjectText $store 'rest/p/a.txt' | Should -Be 'txt'

            $unordered = New-ProviderName
            Register-StorageRemote -Name $unordered -Route @{ '*.jpg' = $store.Root; '*' = $store.Root } -ErrorAction SilentlyContinue -ErrorVariable err
            $err[0].FullyQualifiedErrorId | Should -BeLike 'StorageInvalidArgument*'
            $err[0].Exception.Message | Should -BeLike '*[ordered]*'
        }

        It 'emits nothing without -PassThru' {
            $name = New-ProviderName
            $names.Add($name)
            $result = @(Register-StorageRemote -Name $name -Uri $store.Root)
            $result.Count | Should -Be 0
        }

        It 'takes -Name and -Uri by position and emits the registration with -PassThru' {
            $name = New-ProviderName
            $names.Add($name)
            $registration = Register-StorageRemote $name $store.Root -PassThru

            $registration.PSObject.TypeNames | Should -Contain 'CloudStorage.Core.Addressing.ProviderRegistration'
            $registration.Name | Should -Be $name
            $registration.Uri | Should -Be $store.Root
            $registration.Source | Should -Be 'Session'
            $expectedType = 'file'
            if ($store.Kind -eq 'mem') { $expectedType = 'mem' }
            $registration.ProviderType | Should -Be $expectedType
        }

        It 'gives the items listed through a name Uris of the form name:key' {
            $name = New-ProviderName
            $names.Add($name)
            Register-StorageRemote -Name $name -Uri $store.Root
            Add-TestObject $store 'uris/a.txt' 'a'

            $items = @(Get-StorageItem -Uri "${name}:uris/" -Recurse)
            $items.Count | Should -Be 1
            $items[0].Uri | Should -Be "${name}:uris/a.txt"
            Get-StorageObject -Uri $items[0].Uri -AsString | Should -Be 'a'
        }

        It 'keeps -Option values' {
            $name = New-ProviderName
            $names.Add($name)
            $registration = Register-StorageRemote -Name $name -Uri $store.Root -Option @{ region = 'eu-west-1'; retries = 3 } -PassThru
            $registration.Options['region'] | Should -Be 'eu-west-1'
            $registration.Options['retries'] | Should -Be '3'
        }

        It 'registers a registration piped in again under its name (Name and Uri by property name)' {
            $name = New-ProviderName
            $names.Add($name)
            [pscustomobject]@{ Name = $name; Uri = $store.Root } | Register-StorageRemote
            (Get-StorageRemote -Name $name).Uri | Should -Be $store.Root
        }

        It 'registers a piped registration as it is: options, replicas and policy, routes (a copy under -Name)' -Tag 'ParameterSet:Registration' {
            $plain = New-ProviderName; $replicated = New-ProviderName; $routed = New-ProviderName
            $names.AddRange([string[]]@($plain, $replicated, $routed))
            $other = New-TestStore -Kind (Get-OtherStoreKind $store.Kind)
            try {
                Register-StorageRemote -Name $plain -Uri $store.Root -Option @{ region = 'eu-west-1' }
                Register-StorageRemote -Name $replicated -Replica (Join-StorageAddress $store 'primary/'), $other.Root -Policy Quorum
                Register-StorageRemote -Name $routed -Route ([ordered]@{ '*.jpg' = (Join-StorageAddress $store 'img/'); '*' = (Join-StorageAddress $store 'rest/') })

                foreach ($source in $plain, $replicated, $routed) {
                    $copy = "${source}x"
                    $names.Add($copy)
                    $original = Get-StorageRemote -Name $source
                    $registered = $original | Register-StorageRemote -Name $copy -PassThru
                    $registered.Name | Should -Be $copy
                    $registered.ProviderType | Should -Be $original.ProviderType
                    $registered.Uri | Should -Be $original.Uri
                    $registered.Options['region'] | Should -Be $original.Options['region']
                    @($registered.Replicas) | Should -Be @($original.Replicas)
                    $registered.Policy | Should -Be $original.Policy
                    @($registered.Routes | ForEach-Object { "$_" }) | Should -Be @($original.Routes | ForEach-Object { "$_" })
                }

                # The copy of the replicated name writes to every replica, as the original does.
                Send-StorageObject -Value 'both' -Destination "${replicated}x:c/a.txt" | Out-Null
                Get-TestObjectText $store 'primary/c/a.txt' | Should -Be 'both'
                Get-TestObjectText $other 'c/a.txt' | Should -Be 'both'

                # Without -Name the registration keeps its own, so it needs -Force (and then changes nothing).
                Get-StorageRemote -Name $replicated | Register-StorageRemote -ErrorAction SilentlyContinue -ErrorVariable err
                $err[0].FullyQualifiedErrorId | Should -BeLike 'StorageAlreadyExists*'
                (Get-StorageRemote -Name $replicated | Register-StorageRemote -Force -PassThru).ProviderType | Should -Be 'replicated'
            }
            finally { Remove-TestStore $other }
        }

        It 'refuses to replace a registration without -Force (StorageAlreadyExists)' {
            $name = New-ProviderName
            $names.Add($name)
            Register-StorageRemote -Name $name -Uri $store.Root
            { Register-StorageRemote -Name $name -Uri (Join-StorageAddress $store 'elsewhere/') -ErrorAction Stop } |
                Should -Throw -ErrorId 'StorageAlreadyExists*'
            (Get-StorageRemote -Name $name).Uri | Should -Be $store.Root
        }

        It 'replaces a registration with -Force' {
            $name = New-ProviderName
            $names.Add($name)
            Register-StorageRemote -Name $name -Uri $store.Root
            $elsewhere = Join-StorageAddress $store 'elsewhere/'
            Register-StorageRemote -Name $name -Uri $elsewhere -Force
            (Get-StorageRemote -Name $name).Uri | Should -Be $elsewhere

            Send-StorageObject -Value 'moved' -Destination "${name}:x.txt" | Out-Null
            Get-TestObjectText $store 'elsewhere/x.txt' | Should -Be 'moved'
        }

        It 'registers nothing with -WhatIf' {
            $name = New-ProviderName
            Register-StorageRemote -Name $name -Uri $store.Root -WhatIf
            @(Get-StorageRemote -Name $name -ErrorAction SilentlyContinue).Count | Should -Be 0
        }

        It 'writes the registration to the config file with -Persist' {
            $name = New-ProviderName
            $names.Add($name)
            $registration = Register-StorageRemote -Name $name -Uri $store.Root -Option @{ tier = 'cold' } -Persist -PassThru

            $registration.Source | Should -Be $env:CLOUDSTORAGE_CONFIG
            $json = Get-Content -LiteralPath $env:CLOUDSTORAGE_CONFIG -Raw | ConvertFrom-Json
            $json.providers.$name.uri | Should -Be $store.Root
            $json.providers.$name.options.tier | Should -Be 'cold'

            Unregister-StorageRemote -Name $name -Persist
            $json = Get-Content -LiteralPath $env:CLOUDSTORAGE_CONFIG -Raw | ConvertFrom-Json
            @($json.providers.PSObject.Properties.Name) | Should -Not -Contain $name
        }
    }

    Context 'secret options' {
        It 'Secret: refuses the option <Option> without echoing its value' -ForEach @(
            @{ Option = 'sas' }, @{ Option = 'sig' }, @{ Option = 'AccountKey' }, @{ Option = 'connection-string' }, @{ Option = 'SessionToken' }) {
            $name = New-ProviderName
            $secret = 'sv=2024&sig=PESTERSECRET'
            Register-StorageRemote -Name $name -Uri 'az://account/container' -Option @{ $Option = $secret } -ErrorVariable errs -ErrorAction SilentlyContinue

            @($errs).Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'StorageInvalidArgument*'
            $errs[0].ToString() | Should -Match ([regex]::Escape("'$Option'"))
            $errs[0].ToString() | Should -Not -Match 'PESTERSECRET'
            @(Get-StorageRemote -Name $name -ErrorAction SilentlyContinue).Count | Should -Be 0
        }

        It 'Secret: never writes a secret option to the config file with -Persist' {
            $name = New-ProviderName
            Register-StorageRemote -Name $name -Uri 'az://account/container' -Option @{ sas = 'PESTERSECRET' } -Persist -ErrorAction SilentlyContinue
            if (Test-Path -LiteralPath $env:CLOUDSTORAGE_CONFIG) {
                Get-Content -LiteralPath $env:CLOUDSTORAGE_CONFIG -Raw | Should -Not -Match 'PESTERSECRET'
            }
            @(Get-StorageRemote -Name $name -ErrorAction SilentlyContinue).Count | Should -Be 0
        }
    }

    Context 'names and roots' {
        It 'rejects a one-character name (so C:\data stays a local path)' {
            { Register-StorageRemote -Name 'x' -Uri 'mem://pester-names/' -ErrorAction Stop } | Should -Throw
        }

        It 'rejects a URI scheme as a name' -ForEach @(@{ Name = 's3' }, @{ Name = 'mem' }, @{ Name = 'file' }) {
            { Register-StorageRemote -Name $Name -Uri 'mem://pester-names/' -ErrorAction Stop } | Should -Throw
        }

        It 'stores a relative local root as the absolute path it means at registration (against the current location)' {
            $name = New-ProviderName
            $where = New-TestDirectory
            Push-Location -LiteralPath $where
            try {
                $registration = Register-StorageRemote -Name $name -Uri 'relative/folder' -PassThru -ErrorAction Stop
                $registration.Uri | Should -Be (Join-Path $where 'relative/folder')
            }
            finally {
                Pop-Location
                Unregister-StorageRemote -Name $name -ErrorAction SilentlyContinue
                Remove-Item -LiteralPath $where -Recurse -Force
            }
        }

        It 'rejects a root that is another provider name' {
            $name = New-ProviderName
            { Register-StorageRemote -Name $name -Uri 'other:prefix/' -ErrorAction Stop } | Should -Throw -ErrorId 'StorageInvalidArgument*'
        }
    }
}
