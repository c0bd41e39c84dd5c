# Local paths are PowerShell paths: ~, PSDrives and the current location mean what they mean to Get-ChildItem;
# a missing local path is an error; -Path/-LiteralPath work where PowerShell users type them; completion follows
# the current location and knows the session's memory stores.
BeforeAll {
    . (Join-Path $PSScriptRoot 'CloudStorage.TestHelpers.ps1')
    Import-CloudStorageForTest
}

Describe 'Local paths through the session' {
    BeforeEach {
        $dir = New-TestDirectory
        New-Item -ItemType Directory -Path (Join-Path $dir 'sub') | Out-Null
        Set-Content -LiteralPath (Join-Path $dir 'sub/a.txt') -Value 'alpha' -NoNewline
        Set-Content -LiteralPath (Join-Path $dir 'b[1].txt') -Value 'bravo' -NoNewline
        $mem = "mem://paths-$([guid]::NewGuid().ToString('N'))/"
        Push-Location -LiteralPath $dir
    }

    AfterEach {
        Pop-Location
        Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'reads a relative path against the current location after Set-Location' {
        $items = @(Get-StorageItem ./sub/)
        $items.Name | Should -Be 'a.txt'
        $items[0].Uri | Should -BeLike "*$([System.IO.Path]::GetFileName($dir))/sub/a.txt"
    }

    It 'reads ~ as the home folder' {
        $home_dir = Join-Path $HOME ('cloudstorage-pester-home-' + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $home_dir | Out-Null
        try {
            Set-Content -LiteralPath (Join-Path $home_dir 'h.txt') -Value 'home' -NoNewline
            $items = @(Get-StorageItem "~/$(Split-Path -Leaf $home_dir)/")
            $items.Name | Should -Be 'h.txt'
        }
        finally { Remove-Item -LiteralPath $home_dir -Recurse -Force }
    }

    It 'reads a file-system PSDrive (Temp: and a drive of its own)' {
        $leaf = Split-Path -Leaf $dir
        @(Get-StorageItem "Temp:/$leaf/sub/").Name | Should -Be 'a.txt'
        New-PSDrive -Name CsPesterDrive -PSProvider FileSystem -Root $dir | Out-Null
        try {
            @(Get-StorageItem 'CsPesterDrive:/sub/').Name | Should -Be 'a.txt'
            Get-StorageObject -Uri 'CsPesterDrive:/sub/a.txt' -AsString | Should -Be 'alpha'
        }
        finally { Remove-PSDrive -Name CsPesterDrive }
    }

    It 'uploads from and downloads to relative paths of the current location' {
        Send-StorageObject -Path ./sub/a.txt -Destination ($mem + 'a.txt') | Out-Null
        $file = Get-StorageObject -Uri ($mem + 'a.txt') -Destination ./copy.txt
        $file.FullName | Should -Be (Join-Path $dir 'copy.txt')
        Get-Content -LiteralPath (Join-Path $dir 'copy.txt') -Raw | Should -Be 'alpha'
    }

    It 'reports a missing local folder as ObjectNotFound and goes on with the next address' {
        $addresses = @('./no-such-dir/', './sub/')
        $items = @(Get-StorageItem -Uri $addresses -ErrorVariable failures -ErrorAction SilentlyContinue)
        $failures.Count | Should -Be 1
        $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failures[0].Exception.Message | Should -BeLike "*no-such-dir*does not exist*"
        $items.Name | Should -Be 'a.txt'
    }

    It 'reports a missing local source of Copy-, Remove- and Get-StorageObject as ObjectNotFound' {
        Copy-StorageObject ./missing.txt -Destination ($mem + 'x') -ErrorVariable e1 -ErrorAction SilentlyContinue
        Remove-StorageObject ./missing/ -Recurse -ErrorVariable e2 -ErrorAction SilentlyContinue -Confirm:$false
        Get-StorageObject ./missing.txt -AsString -ErrorVariable e3 -ErrorAction SilentlyContinue
        foreach ($e in @($e1, $e2, $e3)) {
            $e.Count | Should -Be 1
            $e[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }
    }

    It 'takes -Path and -LiteralPath where users type them' {
        @(Get-StorageItem -Path ./sub/).Name | Should -Be 'a.txt'
        @(Get-StorageItem -LiteralPath ./sub/).Name | Should -Be 'a.txt'
        Copy-StorageObject -Path ./sub/a.txt -Destination ($mem + 'c.txt') | Out-Null
        Get-StorageObject -Path ($mem + 'c.txt') -AsString | Should -Be 'alpha'
        (Test-StorageIntegrity -Path ($mem + 'c.txt') -Reference ./sub/a.txt).Status | Should -Be 'Match'
        Remove-StorageObject -LiteralPath ($mem + 'c.txt') -Confirm:$false
        @(Get-StorageItem $mem -Recurse).Count | Should -Be 0
    }

    It 'uploads a name with wildcard characters with -LiteralPath, and expands wildcards with -Path' -Tag 'ParameterSet:LiteralPath' {
        $sent = Send-StorageObject -LiteralPath './b[1].txt' -Destination $mem
        $sent.Name | Should -Be 'b[1].txt'
        $globbed = @(Send-StorageObject -Path ./sub/*.txt -Destination ($mem + 'glob/'))
        $globbed.Name | Should -Be 'a.txt'
    }

    It 'binds Get-ChildItem output to -LiteralPath, so names with brackets upload as they are' {
        $sent = @(Get-ChildItem -LiteralPath $dir -File | Send-StorageObject -Destination ($mem + 'piped/'))
        $sent.Name | Should -Be 'b[1].txt'
    }

    It 'resolves a relative local root of Register-StorageRemote against the current location, and stores it absolute' {
        $name = 'pr' + [guid]::NewGuid().ToString('N').Substring(0, 10)
        try {
            $registration = Register-StorageRemote -Name $name -Uri ./sub -PassThru
            $registration.Uri | Should -Be (Join-Path $dir 'sub')
            Push-Location -LiteralPath ([System.IO.Path]::GetTempPath())
            try { Get-StorageObject -Uri "${name}:a.txt" -AsString | Should -Be 'alpha' }
            finally { Pop-Location }
        }
        finally { Unregister-StorageRemote -Name $name -ErrorAction SilentlyContinue }
    }

    It 'writes downloaded files as Get-Item does: PSPath, and on Linux/macOS the UnixStat the file views read' {
        Send-StorageObject -Value 'data' -Destination ($mem + 'd.txt') | Out-Null
        $file = Get-StorageObject -Uri ($mem + 'd.txt') -Destination ./d.txt
        $file | Should -BeOfType [System.IO.FileInfo]
        $file.PSPath | Should -BeLike '*FileSystem::*d.txt'
        if (-not $IsWindows) {
            $file.PSObject.Properties['UnixStat'] | Should -Not -BeNullOrEmpty
            $table = ($file | Format-Table | Out-String)
            $table | Should -Match '-rw'
            $table | Should -Match '\b4\s+d\.txt'
        }
    }
}

Describe 'Completion' {
    BeforeAll {
        $dir = New-TestDirectory
        New-Item -ItemType Directory -Path (Join-Path $dir 'bravo-folder') | Out-Null
        Set-Content -LiteralPath (Join-Path $dir 'bravo-folder/x.txt') -Value 'x'
        $store = 'complete' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        Send-StorageObject -Value 'x' -Destination "mem://$store/k.txt" | Out-Null
    }

    AfterAll {
        Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue
        Remove-StorageObject -Uri "mem://$store/" -Recurse -Confirm:$false
    }

    It 'completes a relative path from the current location' {
        Push-Location -LiteralPath $dir
        try {
            $line = 'Get-StorageItem ./bra'
            $texts = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
            $texts | Should -Contain './bravo-folder/'
        }
        finally { Pop-Location }
    }

    It 'completes empty local folders, like Get-ChildItem shows them' {
        New-Item -ItemType Directory -Path (Join-Path $dir 'bravo-empty') | Out-Null
        Push-Location -LiteralPath $dir
        try {
            $line = 'Get-StorageItem ./bravo-e'
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be './bravo-empty/'
        }
        finally { Pop-Location }
    }

    It 'completes words that start with ~ (the home folder)' {
        $name = '.cloudstorage-complete-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $home_ = Join-Path $HOME $name
        New-Item -ItemType Directory -Path $home_ | Out-Null
        Set-Content -LiteralPath (Join-Path $home_ 'inside.txt') -Value 'i'
        try {
            $line = "Get-StorageItem ~/$($name.Substring(0, 24))"
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be "~/$name/"
            $line = "Get-StorageItem ~/$name/ins"
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be "~/$name/inside.txt"
        }
        finally { Remove-Item -LiteralPath $home_ -Recurse -Force }
    }

    It 'completes words that start with a file-system PSDrive (Temp:/)' {
        $name = 'cloudstorage-complete-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $folder = Join-Path ([IO.Path]::GetTempPath()) $name
        New-Item -ItemType Directory -Path $folder | Out-Null
        try {
            $line = "Copy-StorageObject -Uri mem://x/y -Destination Temp:/$($name.Substring(0, 24))"
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be "Temp:/$name/"
        }
        finally { Remove-Item -LiteralPath $folder -Recurse -Force }
    }

    It 'completes the names of the memory stores of this session' {
        $line = 'Get-StorageItem mem://complete'
        $texts = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $texts | Should -Contain "mem://$store/"
    }

    It 'completes registered remote names for -Name' {
        $name = 'cmp' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        Register-StorageRemote -Name $name -Uri "mem://$store"
        try {
            $line = "Get-StorageRemote -Name $($name.Substring(0, 6))"
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain $name
        }
        finally { Unregister-StorageRemote -Name $name }
    }
}
