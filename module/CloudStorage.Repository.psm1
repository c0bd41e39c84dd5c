# The repository-root manifest's RootModule: it loads the module `dotnet build` laid out in
# artifacts/module/<Configuration>/CloudStorage/, so `Import-Module ./CloudStorage.psd1` and
# `Test-ModuleManifest ./CloudStorage.psd1` work in a clone. The build stamps RootModule = 'CloudStorage.PowerShell.dll'
# into that laid-out copy (src/CloudStorage.PowerShell/ModuleLayout.targets), which is the module that ships; this
# file never ships. Views come from the root manifest's FormatsToProcess; help from the laid-out en-US folder.

$repositoryRoot = Split-Path -Parent $PSScriptRoot
$assemblyName = 'CloudStorage.PowerShell'

# A process holds one copy of the cmdlet assembly: when one is loaded (an earlier import, the tests), use it.
$loaded = [AppDomain]::CurrentDomain.GetAssemblies() |
    Where-Object { $_.GetName().Name -eq $assemblyName -and $_.Location } |
    Select-Object -First 1
$dll = if ($loaded) {
    $loaded.Location
}
else {
    # The most recently built configuration.
    Get-ChildItem -Path (Join-Path $repositoryRoot 'artifacts/module') -Filter "$assemblyName.dll" -Recurse -File -ErrorAction Ignore |
        Where-Object { $_.Directory.Name -eq 'CloudStorage' } |
        Sort-Object -Property LastWriteTimeUtc -Descending |
        Select-Object -First 1 -ExpandProperty FullName
}
if (-not $dll) {
    throw [System.IO.FileNotFoundException]::new(
        "CloudStorage is not built in '$repositoryRoot': run 'dotnet build' there first (it lays the module out in artifacts/module/<Configuration>/CloudStorage/).",
        "$assemblyName.dll")
}

$binary = Import-Module -Name $dll -PassThru -ErrorAction Stop
Export-ModuleMember -Cmdlet @($binary.ExportedCmdlets.Keys)
