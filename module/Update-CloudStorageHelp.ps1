#Requires -Version 7.4
<#
.SYNOPSIS
    Rewrites the generated parts of module/en-US/CloudStorage.PowerShell.dll-Help.xml from the built cmdlets.

.DESCRIPTION
    The prose (synopsis, descriptions, parameter descriptions, examples, notes) is written by hand in the MAML file;
    what PowerShell can tell about a cmdlet is generated here, so Get-Help prints what the binder does:
      - SYNTAX: one item per parameter set (default set first), positional parameters first, switches without a
        value, and -WhatIf/-Confirm on cmdlets that support ShouldProcess;
      - PARAMETERS: type, required, position, pipeline input, aliases, wildcards and the default value (read from
        a new instance of the cmdlet class), plus -WhatIf/-Confirm;
      - INPUTS: one entry per parameter that binds from the pipeline, naming how (by value, by property name) and
        every property name that binds (the parameter's name and its aliases, e.g. Uri, Path, LiteralPath), plus a
        note written below ($inputNotes) where a cmdlet treats some input specially;
      - OUTPUTS: the [OutputType] types (descriptions kept when a type stays).
    Parameters marked DontShow (plumbing such as Test-StorageIntegrity's binding of a sync action's Action) are left
    out of SYNTAX and PARAMETERS, as PowerShell leaves them out of its own syntax.
    Run it after changing a cmdlet's parameters (the Pester file Module.Tests.ps1 fails while help and cmdlets differ):

        dotnet build src/CloudStorage.PowerShell; pwsh -NoProfile -File module/Update-CloudStorageHelp.ps1
#>
[CmdletBinding()]
param(
    [string]$ModulePath = (Join-Path $PSScriptRoot '../artifacts/module/Debug/CloudStorage/CloudStorage.psd1'),
    [string]$HelpPath = (Join-Path $PSScriptRoot 'en-US/CloudStorage.PowerShell.dll-Help.xml')
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

$ns = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
}
$doc = [xml]::new()
$doc.PreserveWhitespace = $false
$doc.Load((Resolve-Path $HelpPath).Path)
$nsm = [System.Xml.XmlNamespaceManager]::new($doc.NameTable)
foreach ($k in $ns.Keys) { $nsm.AddNamespace($k, $ns[$k]) }

# -WhatIf and -Confirm are listed (as PowerShell's own help lists them); the rest is <CommonParameters>.
$common = [System.Management.Automation.Cmdlet]::CommonParameters + 'UseTransaction'
$outputText = @{
    'CloudStorage.Core.Model.StorageItem'          = 'One object (or prefix entry) with its address in Uri; pipes into the other cmdlets by that property.'
    'CloudStorage.Core.Model.SyncAction'           = 'One planned or performed action (Copy, Update, Delete, Skip) with its Status.'
    'CloudStorage.Core.Model.SyncSummary'          = 'Written last: the counts and bytes of the run.'
    'CloudStorage.Core.Model.IntegrityResult'      = 'One comparison: Status (Match, Mismatch, Missing, ...), the Method that decided it, and Detail.'
    'CloudStorage.Core.Model.PresignedUrl'         = 'The signed Url (a string to hand to curl or Invoke-WebRequest unchanged), its Method and ExpiresOn.'
    'CloudStorage.Core.Addressing.ProviderRegistration' = 'A named remote: Name, Uri, Options and where it was registered (Session or ConfigFile).'
    'CloudStorage.Core.Health.StorageHealthCheck'  = 'One check of one store: Target, Role, Check (Reachable, Credentials, List, Write, Read, Delete, Breaker), Status, Latency, ErrorKind and Message.'
    'System.IO.FileInfo'                      = 'With -Destination: each downloaded file, as Get-Item writes it.'
    'System.String'                           = 'With -AsString: the content as text.'
    'System.Byte[]'                           = 'With -AsByteArray: the content as one byte array.'
}
# What a cmdlet does with some pipeline input beyond binding it (hand-written; kept here so INPUTS stays generated).
$inputNotes = @{
    'Test-StorageIntegrity' = 'Sync-StorageProvider''s output pipes in whole: each copied object is checked against its SourceUri; Delete actions and the SyncSummary bind nothing and are skipped.'
    'Send-StorageObject'    = 'Get-ChildItem and Get-Item output pipes in (files and folders by their PSPath/FullName).'
}
$shouldProcessText = @{
    WhatIf  = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.'
    Confirm = 'Prompts you for confirmation before running the cmdlet.'
}

function New-Element([string]$prefix, [string]$name, [string]$text) {
    $e = $doc.CreateElement($prefix, $name, $ns[$prefix])
    if ($PSBoundParameters.ContainsKey('text')) { $e.InnerText = $text }
    return $e
}

function Get-ShortTypeName([type]$type) {
    if ($type.IsArray) { return (Get-ShortTypeName $type.GetElementType()) + '[]' }
    $underlying = [Nullable]::GetUnderlyingType($type)
    if ($null -ne $underlying) { return Get-ShortTypeName $underlying }
    return $type.Name
}

function Get-DefaultText($instance, [string]$name, [type]$type) {
    if ($type -eq [switch]) { return 'False' }
    if ($null -eq $instance) { return 'None' }
    $value = $instance.GetType().GetProperty($name).GetValue($instance)
    if ($null -eq $value) { return 'None' }
    if ($value -is [array]) { return $(if ($value.Count -eq 0) { 'None' } else { $value -join ', ' }) }
    if ($value -is [string] -and $value.Length -eq 0) { return 'None' }
    if ($value -is [timespan]) { return $value.ToString() }
    if ($value -is [int] -and $value -eq 0 -and $name -in 'Skip') { return '0' }
    if ($value -is [int] -and $value -eq 0) { return 'None' }
    return [string]$value
}

function Get-PipelineText([System.Management.Automation.ParameterMetadata]$parameter, [string]$set) {
    $kinds = foreach ($attribute in $parameter.Attributes) {
        if ($attribute -is [System.Management.Automation.ParameterAttribute] -and
            ($attribute.ParameterSetName -eq $set -or $attribute.ParameterSetName -eq '__AllParameterSets' -or -not $set)) {
            if ($attribute.ValueFromPipeline) { 'ByValue' }
            if ($attribute.ValueFromPipelineByPropertyName) { 'ByPropertyName' }
        }
    }
    $kinds = @($kinds | Select-Object -Unique)
    if ($kinds.Count -eq 0) { return 'False' }
    return "True ($($kinds -join ', '))"
}

function Test-Hidden([System.Management.Automation.ParameterMetadata]$parameter) {
    return [bool]($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow })
}

function Join-Words([string[]]$words) {
    if ($words.Count -le 1) { return $words -join '' }
    return ($words[0..($words.Count - 2)] -join ', ') + ' or ' + $words[-1]
}

function New-InputTypeElement([System.Management.Automation.ParameterMetadata]$parameter) {
    $byValue = [bool]($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.ValueFromPipeline })
    $byName = [bool]($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.ValueFromPipelineByPropertyName })
    $type = $parameter.ParameterType
    if ($type.IsArray) { $type = $type.GetElementType() }
    $names = @($parameter.Name) + @($parameter.Aliases)
    $ways = @(
        if ($byValue) { "by value ($($type.FullName) objects)" }
        if ($byName) { "by property name (objects with a $(Join-Words $names) property)" }
    )
    $aliasText = if ($parameter.Aliases.Count) { " (alias$(if ($parameter.Aliases.Count -gt 1) { 'es' }) $(($parameter.Aliases | ForEach-Object { "-$_" }) -join ', '))" } else { '' }
    $i = New-Element command inputType
    $t = New-Element dev type
    [void]$t.AppendChild((New-Element maml name $(if ($byValue) { $type.FullName } else { 'System.Management.Automation.PSObject' })))
    [void]$i.AppendChild($t)
    $d = New-Element maml description
    [void]$d.AppendChild((New-Element maml para "-$($parameter.Name)$aliasText binds from the pipeline $($ways -join ' and ')."))
    [void]$i.AppendChild($d)
    return $i
}

function New-ParameterElement([string]$name, [type]$type, [bool]$required, [string]$position, [string]$pipeline, [string]$aliases,
    [bool]$globbing, [string]$description, [string]$default, [switch]$ForSyntax) {
    $p = New-Element command parameter
    $p.SetAttribute('required', $required.ToString().ToLowerInvariant())
    $p.SetAttribute('variableLength', 'true')
    $p.SetAttribute('globbing', $globbing.ToString().ToLowerInvariant())
    $p.SetAttribute('pipelineInput', $pipeline)
    $p.SetAttribute('position', $position)
    $p.SetAttribute('aliases', $aliases)
    [void]$p.AppendChild((New-Element maml name $name))
    $d = New-Element maml description
    [void]$d.AppendChild((New-Element maml para $description))
    [void]$p.AppendChild($d)
    $short = Get-ShortTypeName $type
    if ($type -ne [switch]) {
        $v = New-Element command parameterValue $short
        $v.SetAttribute('required', 'true')
        $v.SetAttribute('variableLength', 'false')
        [void]$p.AppendChild($v)
    }
    $t = New-Element dev type
    [void]$t.AppendChild((New-Element maml name $short))
    [void]$t.AppendChild((New-Element maml uri))
    [void]$p.AppendChild($t)
    [void]$p.AppendChild((New-Element dev defaultValue $default))
    return $p
}

foreach ($node in $doc.SelectNodes('//command:command', $nsm)) {
    $name = $node.SelectSingleNode('command:details/command:name', $nsm).InnerText
    $cmd = Get-Command -Name $name -Module CloudStorage -ErrorAction SilentlyContinue
    if (-not $cmd) { throw "Help describes '$name', which the module does not export." }
    $instance = [Activator]::CreateInstance($cmd.ImplementingType)
    $supportsShouldProcess = $cmd.Parameters.ContainsKey('WhatIf')

    # Descriptions written by hand, by parameter name.
    $descriptions = @{}
    foreach ($p in $node.SelectNodes('command:parameters/command:parameter', $nsm)) {
        $descriptions[$p.SelectSingleNode('maml:name', $nsm).InnerText] = $p.SelectSingleNode('maml:description/maml:para', $nsm).InnerText
    }
    $describe = {
        param($parameterName)
        if ($shouldProcessText.ContainsKey($parameterName)) { return $shouldProcessText[$parameterName] }
        if ($descriptions.ContainsKey($parameterName)) { return $descriptions[$parameterName] }
        throw "Help for $name has no description of -${parameterName}: add a <command:parameter> with one, then run this again."
    }

    # SYNTAX
    $syntax = $node.SelectSingleNode('command:syntax', $nsm)
    $syntax.RemoveAll()
    $sets = @($cmd.ParameterSets | Sort-Object { -not $_.IsDefault })
    foreach ($set in $sets) {
        $item = New-Element command syntaxItem
        [void]$item.AppendChild((New-Element maml name $name))
        $parameters = @($set.Parameters | Where-Object { $_.Name -notin $common -and -not (Test-Hidden $cmd.Parameters[$_.Name]) })
        $ordered = @($parameters | Where-Object { $_.Position -ge 0 } | Sort-Object Position) + @($parameters | Where-Object { $_.Position -lt 0 })
        foreach ($p in $ordered) {
            $meta = $cmd.Parameters[$p.Name]
            $globbing = [bool]($meta.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
            $pipeline = if ($p.ValueFromPipeline -or $p.ValueFromPipelineByPropertyName) {
                'True (' + ((@($(if ($p.ValueFromPipeline) { 'ByValue' }), $(if ($p.ValueFromPipelineByPropertyName) { 'ByPropertyName' })) | Where-Object { $_ }) -join ', ') + ')'
            } else { 'False' }
            $position = if ($p.Position -ge 0) { [string]$p.Position } else { 'named' }
            $aliases = if ($p.Aliases.Count) { $p.Aliases -join ', ' } else { 'none' }
            [void]$item.AppendChild((New-ParameterElement $p.Name $p.ParameterType $p.IsMandatory $position $pipeline $aliases $globbing `
                        (& $describe $p.Name) (Get-DefaultText $instance $p.Name $p.ParameterType)))
        }
        [void]$syntax.AppendChild($item)
    }

    # PARAMETERS (one entry each, in the order of the default set, then the others)
    $parametersNode = $node.SelectSingleNode('command:parameters', $nsm)
    $parametersNode.RemoveAll()
    $seen = [System.Collections.Generic.List[string]]::new()
    foreach ($set in $sets) {
        $parameters = @($set.Parameters | Where-Object { $_.Name -notin $common -and -not (Test-Hidden $cmd.Parameters[$_.Name]) })
        $ordered = @($parameters | Where-Object { $_.Position -ge 0 } | Sort-Object Position) + @($parameters | Where-Object { $_.Position -lt 0 })
        foreach ($p in $ordered) {
            if ($seen.Contains($p.Name)) { continue }
            $seen.Add($p.Name)
            $meta = $cmd.Parameters[$p.Name]
            $globbing = [bool]($meta.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
            $required = @($meta.ParameterSets.Values | Where-Object IsMandatory).Count -eq $meta.ParameterSets.Count
            $position = if ($p.Position -ge 0) { [string]$p.Position } else { 'named' }
            $aliases = if ($meta.Aliases.Count) { $meta.Aliases -join ', ' } else { 'none' }
            [void]$parametersNode.AppendChild((New-ParameterElement $p.Name $p.ParameterType $required $position (Get-PipelineText $meta $null) $aliases $globbing `
                        (& $describe $p.Name) (Get-DefaultText $instance $p.Name $p.ParameterType)))
        }
    }

    # INPUTS (in the order of the PARAMETERS entries)
    $inputTypes = $node.SelectSingleNode('command:inputTypes', $nsm)
    if (-not $inputTypes) {
        $inputTypes = New-Element command inputTypes
        [void]$node.InsertBefore($inputTypes, $node.SelectSingleNode('command:returnValues', $nsm))
    }
    $inputTypes.RemoveAll()
    foreach ($parameterName in $seen) {
        $meta = $cmd.Parameters[$parameterName]
        if ((Get-PipelineText $meta $null) -ne 'False') { [void]$inputTypes.AppendChild((New-InputTypeElement $meta)) }
    }
    if ($inputNotes.ContainsKey($name)) {
        $i = New-Element command inputType
        $t = New-Element dev type
        [void]$t.AppendChild((New-Element maml name 'System.Management.Automation.PSObject'))
        [void]$i.AppendChild($t)
        $d = New-Element maml description
        [void]$d.AppendChild((New-Element maml para $inputNotes[$name]))
        [void]$i.AppendChild($d)
        [void]$inputTypes.AppendChild($i)
    }
    if (-not $inputTypes.HasChildNodes) {
        # No pipeline input: say so, as PowerShell's own help does.
        $i = New-Element command inputType
        $t = New-Element dev type
        [void]$t.AppendChild((New-Element maml name 'None'))
        [void]$i.AppendChild($t)
        $d = New-Element maml description
        [void]$d.AppendChild((New-Element maml para 'You cannot pipe objects to this cmdlet.'))
        [void]$i.AppendChild($d)
        [void]$inputTypes.AppendChild($i)
    }

    # OUTPUTS
    $returnValues = $node.SelectSingleNode('command:returnValues', $nsm)
    $kept = @{}
    foreach ($r in $returnValues.SelectNodes('command:returnValue', $nsm)) {
        $kept[$r.SelectSingleNode('dev:type/maml:name', $nsm).InnerText] = $r.SelectSingleNode('maml:description/maml:para', $nsm).InnerText
    }
    $returnValues.RemoveAll()
    foreach ($type in @($cmd.OutputType | ForEach-Object { $_.Type } | Select-Object -Unique)) {
        $r = New-Element command returnValue
        $t = New-Element dev type
        [void]$t.AppendChild((New-Element maml name $type.FullName))
        [void]$r.AppendChild($t)
        $d = New-Element maml description
        $text = if ($outputText.ContainsKey($type.FullName)) { $outputText[$type.FullName] } elseif ($kept.ContainsKey($type.FullName)) { $kept[$type.FullName] } else { '' }
        [void]$d.AppendChild((New-Element maml para $text))
        [void]$r.AppendChild($d)
        [void]$returnValues.AppendChild($r)
    }
}

$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; IndentChars = '  '; Encoding = [System.Text.UTF8Encoding]::new($false) }
$writer = [System.Xml.XmlWriter]::Create((Resolve-Path $HelpPath).Path, $settings)
try { $doc.Save($writer) } finally { $writer.Dispose() }
"Updated $HelpPath"
