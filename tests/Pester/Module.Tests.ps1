BeforeAll {
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
    Import-CloudStorageForTest
    $module = Get-Module -Name CloudStorage
    $manifestPath = Join-Path $module.ModuleBase 'CloudStorage.psd1'

    $expectedCmdlets = @(
        'Copy-StorageObject',
        'Get-StorageItem',
        'Get-StorageObject',
        'Get-StorageRemote',
        'New-StoragePresignedUrl',
        'Register-StorageRemote',
        'Remove-StorageObject',
        'Send-StorageObject',
        'Sync-StorageProvider',
        'Test-StorageHealth',
        'Test-StorageIntegrity',
        'Unregister-StorageRemote'
    )
}

Describe 'The CloudStorage module' {
    Context 'manifest' {
        It 'passes Test-ModuleManifest' {
            { Test-ModuleManifest -Path $manifestPath -ErrorAction Stop } | Should -Not -Throw
        }

        It 'passes Test-ModuleManifest at the repository root too (its RootModule loads the built layout)' {
            $repositoryManifest = Join-Path (Split-Path -Parent (Split-Path -Parent $PSScriptRoot)) 'CloudStorage.psd1'
            $info = Test-ModuleManifest -Path $repositoryManifest -ErrorAction Stop
            $info.Version | Should -Be $module.Version
        }

        It 'imports from the repository-root manifest with every cmdlet, the views and help' {
            $repositoryManifest = Join-Path (Split-Path -Parent (Split-Path -Parent $PSScriptRoot)) 'CloudStorage.psd1'
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript(@"
`$m = Import-Module '$repositoryManifest' -PassThru -ErrorAction Stop
`$item = Send-StorageObject -Value 'root' -Destination 'mem://root-manifest/r.txt'
[pscustomobject]@{
    Cmdlets = @(`$m.ExportedCommands.Keys | Sort-Object)
    Text    = Get-StorageObject -Uri `$item.Uri -AsString
    Table   = (`$item | Format-Table | Out-String)
    Synopsis = (Get-Help Get-StorageItem).Synopsis
}
"@)
                $result = $ps.Invoke()
                @($ps.Streams.Error).Count | Should -Be 0 -Because (@($ps.Streams.Error) -join '; ')
                (@($result[0].Cmdlets) -join ',') | Should -Be (($expectedCmdlets | Sort-Object) -join ',')
                $result[0].Text | Should -Be 'root'
                $result[0].Table | Should -Match 'r\.txt'
                $result[0].Synopsis | Should -Match 'stored objects|prefix|Lists'
            }
            finally { $ps.Dispose() }
        }

        It 'states PowerShell 7.4 on Core' {
            $data = Import-PowerShellDataFile -LiteralPath $manifestPath
            $data.PowerShellVersion | Should -Be '7.4'
            (@($data.CompatiblePSEditions) -join ',') | Should -Be 'Core'
        }

        It 'has a version folder equal to ModuleVersion' {
            (Split-Path -Leaf $module.ModuleBase) | Should -Be $module.Version.ToString()
        }

        It 'carries Gallery metadata' {
            $psData = $module.PrivateData.PSData
            $psData.ProjectUri | Should -Not -BeNullOrEmpty
            $psData.LicenseUri | Should -Not -BeNullOrEmpty
            @($psData.Tags) | Should -Contain 'PSEdition_Core'
        }
    }

    Context 'exports' {
        It 'exports exactly the cmdlets listed in the manifest' {
            $exported = @($module.ExportedCmdlets.Keys | Sort-Object)
            ($exported -join ',') | Should -Be (($expectedCmdlets | Sort-Object) -join ',')
        }

        It 'exports no functions, aliases or variables' {
            $module.ExportedFunctions.Count | Should -Be 0
            $module.ExportedAliases.Count | Should -Be 0
            $module.ExportedVariables.Count | Should -Be 0
        }

        It '<_> supports -WhatIf and -Confirm' -ForEach @(
            'Send-StorageObject', 'Copy-StorageObject', 'Remove-StorageObject', 'Sync-StorageProvider',
            'Register-StorageRemote', 'Unregister-StorageRemote'
        ) {
            $command = Get-Command -Name $_ -Module CloudStorage
            $command.Parameters.ContainsKey('WhatIf') | Should -BeTrue
            $command.Parameters.ContainsKey('Confirm') | Should -BeTrue
        }

        It '<_> takes -Uri from the pipeline by property name' -ForEach @(
            'Get-StorageItem', 'Get-StorageObject', 'Copy-StorageObject', 'Remove-StorageObject',
            'Test-StorageIntegrity', 'New-StoragePresignedUrl', 'Test-StorageHealth'
        ) {
            $parameter = (Get-Command -Name $_ -Module CloudStorage).Parameters['Uri']
            $parameter | Should -Not -BeNullOrEmpty
            @($parameter.ParameterSets.Values | Where-Object ValueFromPipelineByPropertyName).Count | Should -BeGreaterThan 0
        }

        It 'Send-StorageObject takes -LiteralPath by the names Get-ChildItem output has' {
            $parameter = (Get-Command -Name Send-StorageObject -Module CloudStorage).Parameters['LiteralPath']
            $parameter.Aliases | Should -Contain 'FullName'
            $parameter.Aliases | Should -Contain 'PSPath'
        }
    }

    Context 'dependency isolation' {
        BeforeAll {
            # Using an s3:// address makes the module load its cloud providers (and AWSSDK, Polly) on first use.
            $saved = @{ Id = $env:AWS_ACCESS_KEY_ID; Secret = $env:AWS_SECRET_ACCESS_KEY; Region = $env:AWS_REGION }
            $env:AWS_ACCESS_KEY_ID = 'AKIDPESTEREXAMPLE'
            $env:AWS_SECRET_ACCESS_KEY = 'pester-example-secret'
            $env:AWS_REGION = 'eu-west-1'
            try {
                New-StoragePresignedUrl -Uri 's3://pester-isolation/key.txt' | Out-Null
            }
            finally {
                $env:AWS_ACCESS_KEY_ID = $saved.Id
                $env:AWS_SECRET_ACCESS_KEY = $saved.Secret
                $env:AWS_REGION = $saved.Region
            }
            $loaded = foreach ($context in [System.Runtime.Loader.AssemblyLoadContext]::All) {
                foreach ($assembly in $context.Assemblies) {
                    [pscustomobject]@{ Name = $assembly.GetName().Name; Context = $context.Name; Location = $assembly.Location }
                }
            }
            $dependencies = Join-Path $module.ModuleBase 'Dependencies'
        }

        It 'loads the cloud providers from Dependencies/ in the module''s own load context' {
            $providers = @($loaded | Where-Object Name -eq 'CloudStorage.Providers')
            $providers.Count | Should -Be 1
            $providers[0].Context | Should -Be 'CloudStorage.Dependencies'
            $providers[0].Location | Should -Be (Join-Path $dependencies 'CloudStorage.Providers.dll')
        }

        It 'loads every assembly of Dependencies/ only in that context' {
            $fromDependencies = @($loaded | Where-Object { $_.Location -and $_.Location.StartsWith($dependencies) })
            $fromDependencies.Count | Should -BeGreaterThan 1
            $fromDependencies | ForEach-Object { $_.Context | Should -Be 'CloudStorage.Dependencies' -Because $_.Name }
        }

        It 'shares the engine with the session: CloudStorage.Core once, in the default context' {
            $core = @($loaded | Where-Object Name -eq 'CloudStorage.Core')
            $core.Count | Should -Be 1
            $core[0].Context | Should -Be 'Default'
            $core[0].Location | Should -Be (Join-Path $module.ModuleBase 'CloudStorage.Core.dll')
        }
    }

    Context 'help' {
        It 'ships about_CloudStorage' {
            Join-Path $module.ModuleBase 'en-US/about_CloudStorage.help.txt' | Should -Exist
        }
    }

    Context 'formatting' {
        BeforeAll {
            $store = New-TestStore -Kind mem
            Add-TestObject $store 'fmt/small.txt' 'abc'
            Send-StorageObject -Value ([byte[]]::new(1536)) -Destination (Join-StorageAddress $store 'fmt/kilo.bin') -Force | Out-Null
            Add-TestObject $store 'fmt/sub/deep.txt' 'deep'
        }

        AfterAll {
            Remove-TestStore $store
        }

        It 'loads a view for <_>' -ForEach @(
            'CloudStorage.Core.Model.StorageItem', 'CloudStorage.Core.Model.SyncAction', 'CloudStorage.Core.Model.SyncSummary',
            'CloudStorage.Core.Model.IntegrityResult', 'CloudStorage.Core.Model.PresignedUrl', 'CloudStorage.Core.Addressing.ProviderRegistration'
        ) {
            @(Get-FormatData -TypeName $_).Count | Should -BeGreaterThan 0
        }

        It 'shows a listing like Get-ChildItem: Type, LastModified, human Size, Name' {
            $text = Get-StorageItem -Uri (Join-StorageAddress $store 'fmt/') | Out-String -Width 200

            $text | Should -Match 'Type'
            $text | Should -Match 'LastModified'
            $text | Should -Match 'Name'
            $text | Should -Match 'Prefix'
            $text | Should -Match '1[.,]5 KB'
            $text | Should -Match '3 B'
            $text | Should -Match 'small\.txt'
        }

        It 'shows every property in the list view' {
            $text = Get-StorageItem -Uri (Join-StorageAddress $store 'fmt/small.txt') | Format-List | Out-String -Width 200
            $text | Should -Match 'Uri'
            $text | Should -Match 'Hashes'
            $text | Should -Match 'Metadata'
        }

        It 'shows sync actions and the summary' {
            $text = Sync-StorageProvider -Source (Join-StorageAddress $store 'fmt/') -Destination (Join-StorageAddress $store 'fmt-copy/') -WhatIf |
                Out-String -Width 200
            $text | Should -Match 'Action'
            $text | Should -Match 'Copied'
        }

        It 'shows integrity results' {
            $text = Test-StorageIntegrity -Uri (Join-StorageAddress $store 'fmt/') -Reference (Join-StorageAddress $store 'fmt/') -Recurse |
                Out-String -Width 200
            $text | Should -Match 'Status'
            $text | Should -Match 'Match'
        }

        It 'never shows the signed URL of a PresignedUrl in its table' {
            # Built by hand: the memory provider cannot presign. Activator and reflection, because the record's
            # constructor is marked for compilers that know required members, and its properties are init-only.
            $secret = 'X-Amz-Signature=0123456789abcdef'
            $presigned = $null
            try {
                $presigned = [System.Activator]::CreateInstance([CloudStorage.Core.Model.PresignedUrl])
            }
            catch {
                Set-ItResult -Inconclusive -Because "PresignedUrl could not be constructed here: $($_.Exception.Message)"
                return
            }
            $type = $presigned.GetType()
            $type.GetProperty('Uri').SetValue($presigned, 's3://bucket/key.txt')
            $type.GetProperty('Method').SetValue($presigned, [CloudStorage.Core.Model.PresignMethod]::Get)
            $type.GetProperty('Url').SetValue($presigned, "https://bucket.example/key.txt?$secret")
            $type.GetProperty('ExpiresOn').SetValue($presigned, [DateTimeOffset]::Now.AddMinutes(5))

            $table = $presigned | Format-Table | Out-String -Width 300
            $table | Should -Match 's3://bucket/key.txt'
            $table | Should -Not -Match 'X-Amz-Signature'
            "$presigned" | Should -Not -Match 'X-Amz-Signature'
            $list = $presigned | Format-List | Out-String -Width 300
            $list | Should -Match 'X-Amz-Signature'
        }

        It 'shows providers' {
            $name = 'pf' + [guid]::NewGuid().ToString('N').Substring(0, 8)
            Register-StorageRemote -Name $name -Uri $store.Root
            try {
                $text = Get-StorageRemote -Name $name | Out-String -Width 200
                $text | Should -Match 'ProviderType'
                $text | Should -Match $name
            }
            finally {
                Unregister-StorageRemote -Name $name
            }
        }
    }
}
