#
# Module manifest for CloudStorage.
#
# The version is stated once, in Directory.Build.props (VersionPrefix / VersionSuffix); the build stamps
# ModuleVersion and PSData.Prerelease from it into the laid-out copy in artifacts/module/<Configuration>/CloudStorage/
# (src/CloudStorage.PowerShell/ModuleLayout.targets), which build.ps1 copies to out/CloudStorage/<version>/.
# The values below are kept equal to it (a .NET test checks that) so this file is never misleading.
#
# This file is the one manifest. In the repository its RootModule is a small script module that imports what
# `dotnet build` laid out, so Import-Module and Test-ModuleManifest work on ./CloudStorage.psd1; the build stamps
# RootModule = 'CloudStorage.PowerShell.dll' into the laid-out copy, the module that ships.
#
@{
    RootModule           = 'module/CloudStorage.Repository.psm1'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Core')
    GUID                 = '3e41198c-9c57-4a60-859c-1ed6dda24e43'
    Author               = 'CloudStorage contributors'
    CompanyName          = 'CloudStorage contributors'
    Copyright            = '(c) 2026 CloudStorage contributors. MIT License.'
    Description          = 'Object storage across clouds from PowerShell: list, upload, download, copy, remove, sync and verify objects with one set of cmdlets and one addressing scheme (s3://, gs://, az://, mem://, local paths and named providers). This preview ships the Amazon S3 (and S3-compatible), Azure Blob, Google Cloud Storage, in-memory and local-disk providers, with the cloud SDKs in the module''s own load context so it coexists with Az and AWS.Tools.'
    PowerShellVersion    = '7.4'

    # Views only, next to this manifest (so Test-ModuleManifest passes here and in the built module). No types file:
    # type data from a second copy of the module would collide on import; StorageItem's Length/LastWriteTime are real properties.
    FormatsToProcess     = @('CloudStorage.format.ps1xml')

    # Explicit exports: nothing is exported by accident, and command discovery stays fast.
    CmdletsToExport      = @(
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
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()

    PrivateData          = @{
        PSData = @{
            Tags         = @('ObjectStorage', 'S3', 'Azure', 'GCS', 'Cloud', 'Storage', 'Sync', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            ProjectUri   = 'https://github.com/cloudstorage-ps/CloudStorage'
            LicenseUri   = 'https://github.com/cloudstorage-ps/CloudStorage/blob/main/LICENSE'
            ReleaseNotes = 'Preview: the cmdlets, the addressing scheme, named providers with a config file, sync, integrity checks, presigned URLs, and the S3 (s3://, S3-compatible stores), Azure Blob (az://), Google Cloud Storage (gs://), in-memory (mem://) and local-disk providers; the cloud SDKs load in the module''s own AssemblyLoadContext. See CHANGELOG.md.'
            Prerelease   = 'preview1'
        }
    }
}
