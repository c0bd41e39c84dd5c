BeforeAll {
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
    Import-CloudStorageForTest

    function New-ProviderName {
        # Names need two or more characters and must start with a letter.
        return 'pt' + [guid]::NewGuid().ToString('N').Substring(0, 10)
    }

    # -Persist writes the config file. Only test it when build.ps1 pointed CLOUDSTORAGE_CONFIG at a scratch
    # file for this run, never against a developer's real providers.json.
    $canPersist = -not [string]::IsNullOrWhiteSpace($env:CLOUDSTORAGE_CONFIG) -and
        -not [string]::IsNullOrWhiteSpace($env:CLOUDSTORAGE_PESTER_PATH)
}

Describe 'Register-StorageProvider' {
    Context '<_>' -ForEach @('mem', 'local') {
        BeforeAll {
            $store = New-TestStore -Kind $_
            $names = [System.Collections.Generic.List[string]]::new()
        }

        AfterAll {
            foreach ($n in $names) {
                Unregister-StorageProvider -Name $n -ErrorAction SilentlyContinue
            }
            Remove-TestStore $store
        }

        It 'registers a name for a root, and name:key addresses objects under it' -Tag 'ParameterSet:__AllParameterSets' {
            $name = New-ProviderName
            $names.Add($name)
            Register-StorageProvider -Name $name -Uri $store.Root

            Send-StorageObject -Value 'through the name' -Destination "${name}:named/a.txt" | Out-Null
            Get-TestObjectText $store 'named/a.txt' | Should -Be 'through the name'
            Add-TestObject $store 'named/b.txt' 'through the root'
            Get-StorageObject -Uri "${name}:named/b.txt" -AsString | Should -Be 'through the root'
        }

        It 'emits nothing without -PassThru' {
            $name = New-ProviderName
            $names.Add($name)
            $result = @(Register-StorageProvider -Name $name -Uri $store.Root)
            $result.Count | Should -Be 0
        }

        It 'takes -Name and -Uri by position and emits the registration with -PassThru' {
            $name = New-ProviderName
            $names.Add($name)
            $registration = Register-StorageProvider $name $store.Root -PassThru

            $registration.PSObject.TypeNames | Should -Contain 'CloudStorage.Addressing.ProviderRegistration'
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
            Register-StorageProvider -Name $name -Uri $store.Root
            Add-TestObject $store 'uris/a.txt' 'a'

            $items = @(Get-StorageItem -Uri "${name}:uris/" -Recurse)
            $items.Count | Should -Be 1
            $items[0].Uri | Should -Be "${name}:uris/a.txt"
            Get-StorageObject -Uri $items[0].Uri -AsString | Should -Be 'a'
        }

        It 'keeps -Option values' {
            $name = New-ProviderName
            $names.Add($name)
            $registration = Register-StorageProvider -Name $name -Uri $store.Root -Option @{ region = 'eu-west-1'; retries = 3 } -PassThru
            $registration.Options['region'] | Should -Be 'eu-west-1'
            $registration.Options['retries'] | Should -Be '3'
        }

        It 'refuses to replace a registration without -Force (StorageAlreadyExists)' {
            $name = New-ProviderName
            $names.Add($name)
            Register-StorageProvider -Name $name -Uri $store.Root
            { Register-StorageProvider -Name $name -Uri (Join-StorageAddress $store 'elsewhere/') -ErrorAction Stop } |
                Should -Throw -ErrorId 'StorageAlreadyExists*'
            (Get-StorageProvider -Name $name).Uri | Should -Be $store.Root
        }

        It 'replaces a registration with -Force' {
            $name = New-ProviderName
            $names.Add($name)
            Register-StorageProvider -Name $name -Uri $store.Root
            $elsewhere = Join-StorageAddress $store 'elsewhere/'
            Register-StorageProvider -Name $name -Uri $elsewhere -Force
            (Get-StorageProvider -Name $name).Uri | Should -Be $elsewhere

            Send-StorageObject -Value 'moved' -Destination "${name}:x.txt" | Out-Null
            Get-TestObjectText $store 'elsewhere/x.txt' | Should -Be 'moved'
        }

        It 'registers nothing with -WhatIf' {
            $name = New-ProviderName
            Register-StorageProvider -Name $name -Uri $store.Root -WhatIf
            @(Get-StorageProvider -Name $name -ErrorAction SilentlyContinue).Count | Should -Be 0
        }

        It 'writes the registration to the config file with -Persist' {
            if (-not $canPersist) {
                Set-ItResult -Skipped -Because 'CLOUDSTORAGE_CONFIG is not a scratch file of build.ps1'
                return
            }
            $name = New-ProviderName
            $names.Add($name)
            $registration = Register-StorageProvider -Name $name -Uri $store.Root -Option @{ tier = 'cold' } -Persist -PassThru

            $registration.Source | Should -Be $env:CLOUDSTORAGE_CONFIG
            $json = Get-Content -LiteralPath $env:CLOUDSTORAGE_CONFIG -Raw | ConvertFrom-Json
            $json.providers.$name.uri | Should -Be $store.Root
            $json.providers.$name.options.tier | Should -Be 'cold'

            Unregister-StorageProvider -Name $name -Persist
            $json = Get-Content -LiteralPath $env:CLOUDSTORAGE_CONFIG -Raw | ConvertFrom-Json
            @($json.providers.PSObject.Properties.Name) | Should -Not -Contain $name
        }
    }

    Context 'secret options' {
        It 'Secret: refuses the option <Option> without echoing its value' -ForEach @(
            @{ Option = 'sas' }, @{ Option = 'sig' }, @{ Option = 'AccountKey' }, @{ Option = 'connection-string' }, @{ Option = 'SessionToken' }) {
            $name = New-ProviderName
            $secret = 'sv=2024&sig=PESTERSECRET'
            Register-StorageProvider -Name $name -Uri 'az://account/container' -Option @{ $Option = $secret } -ErrorVariable errs -ErrorAction SilentlyContinue

            @($errs).Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'StorageInvalidArgument*'
            $errs[0].ToString() | Should -Match ([regex]::Escape("'$Option'"))
            $errs[0].ToString() | Should -Not -Match 'PESTERSECRET'
            @(Get-StorageProvider -Name $name -ErrorAction SilentlyContinue).Count | Should -Be 0
        }

        It 'Secret: never writes a secret option to the config file with -Persist' {
            if (-not $canPersist) {
                Set-ItResult -Skipped -Because 'CLOUDSTORAGE_CONFIG is not a scratch file of build.ps1'
                return
            }
            $name = New-ProviderName
            Register-StorageProvider -Name $name -Uri 'az://account/container' -Option @{ sas = 'PESTERSECRET' } -Persist -ErrorAction SilentlyContinue
            if (Test-Path -LiteralPath $env:CLOUDSTORAGE_CONFIG) {
                Get-Content -LiteralPath $env:CLOUDSTORAGE_CONFIG -Raw | Should -Not -Match 'PESTERSECRET'
            }
            @(Get-StorageProvider -Name $name -ErrorAction SilentlyContinue).Count | Should -Be 0
        }
    }

    Context 'names and roots' {
        It 'rejects a one-character name (so C:\data stays a local path)' {
            { Register-StorageProvider -Name 'x' -Uri 'mem://pester-names/' -ErrorAction Stop } | Should -Throw
        }

        It 'rejects a URI scheme as a name' -ForEach @(@{ Name = 's3' }, @{ Name = 'mem' }, @{ Name = 'file' }) {
            { Register-StorageProvider -Name $Name -Uri 'mem://pester-names/' -ErrorAction Stop } | Should -Throw
        }

        It 'rejects a relative local root' {
            $name = New-ProviderName
            { Register-StorageProvider -Name $name -Uri 'relative/folder' -ErrorAction Stop } | Should -Throw -ErrorId 'StorageInvalidArgument*'
        }

        It 'rejects a root that is another provider name' {
            $name = New-ProviderName
            { Register-StorageProvider -Name $name -Uri 'other:prefix/' -ErrorAction Stop } | Should -Throw -ErrorId 'StorageInvalidArgument*'
        }
    }
}
