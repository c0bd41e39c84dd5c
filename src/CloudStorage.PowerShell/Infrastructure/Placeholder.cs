namespace CloudStorage.PowerShell; internal static class Placeholder { }
