using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using System.Text.Json.Nodes;
using CloudStorage.Addressing;
using CloudStorage.Errors;
using CloudStorage.Model;
using CloudStorage.Transfer;

// Usage: CloudStorage.ModuleHost <module folder> [import | noinit | conflict]
//   import    (default) import the module as PowerShell does, use the S3 provider through it, report
//   noinit    the same without running the module initializer: the providers cannot be found
//   conflict  load the module's AWSSDK.Core into the default context next to ours: what isolation avoids
// Prints one JSON object on stdout; exit code 0 when the host itself ran to the end.

if (args.Length < 1 || !Directory.Exists(args[0]))
{
    Console.Error.WriteLine("usage: CloudStorage.ModuleHost <module folder> [import|noinit|conflict]");
    return 2;
}
var moduleRoot = Path.GetFullPath(args[0]);
var mode = args.Length > 1 ? args[1] : "import";
var report = new JsonObject { ["mode"] = mode };

// 1. The session's own copy of the dependency, loaded and used first (as AWS.Tools would).
report["hostAwsCore"] = HostAws.Use();

if (mode == "conflict")
{
    // Without a private context the module's AWSSDK.Core cannot load: the name is taken at another version.
    try
    {
        var loaded = AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.Combine(moduleRoot, "Dependencies", "AWSSDK.Core.dll"));
        report["defaultLoad"] = new JsonObject { ["loaded"] = loaded.GetName().Version!.ToString() };
    }
    catch (Exception e)
    {
        report["defaultLoad"] = new JsonObject { ["error"] = e.GetType().FullName, ["message"] = e.Message };
    }
    Console.WriteLine(report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    return 0;
}

// 2. Import-Module: PowerShell loads the RootModule into the default context, resolves its references from the
//    module folder (its probing of the module base), then runs every IModuleAssemblyInitializer in it.
AssemblyLoadContext.Default.Resolving += (_, name) =>
{
    var candidate = Path.Combine(moduleRoot, name.Name + ".dll");
    return File.Exists(candidate) ? AssemblyLoadContext.Default.LoadFromAssemblyPath(candidate) : null;
};
var rootModule = AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.Combine(moduleRoot, "CloudStorage.PowerShell.dll"));
var initializers = rootModule.GetTypes()
    .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IModuleAssemblyInitializer).IsAssignableFrom(t)).ToList();
report["initializers"] = new JsonArray(initializers.Select(t => (JsonNode)t.FullName!).ToArray());
if (mode != "noinit")
    foreach (var type in initializers) ((IModuleAssemblyInitializer)Activator.CreateInstance(type)!).OnImport();

// 3. What a cmdlet does (in a class of its own: this method must not name an engine type before step 2 ran).
await ModuleUse.RunAsync(rootModule, report);

// 4. The session's copy still works after the module loaded its own.
report["hostAwsCoreAfter"] = HostAws.Use();
report["assemblies"] = Assemblies();
Console.WriteLine(report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
return 0;

static JsonArray Assemblies()
{
    var names = new HashSet<string> { "AWSSDK.Core", "AWSSDK.S3", "Polly.Core", "CloudStorage.Core", "CloudStorage.PowerShell", "CloudStorage.Providers", "System.Management.Automation" };
    var list = new JsonArray();
    foreach (var context in AssemblyLoadContext.All)
        foreach (var assembly in context.Assemblies.Where(a => names.Contains(a.GetName().Name!)))
            list.Add(new JsonObject
            {
                ["name"] = assembly.GetName().Name,
                ["version"] = assembly.GetName().Version!.ToString(),
                ["fileVersion"] = assembly.GetCustomAttribute<AssemblyFileVersionAttribute>()?.Version,
                ["context"] = context.Name,
                ["location"] = assembly.Location,
            });
    return list;
}

/// <summary>The host's own AWSSDK.Core, used the way a script using AWS.Tools would.</summary>
internal static class HostAws
{
    public static JsonObject Use()
    {
        var credentials = new Amazon.Runtime.BasicAWSCredentials("AKIDHOSTEXAMPLE", "host-secret").GetCredentials();
        var region = Amazon.RegionEndpoint.GetBySystemName("eu-west-1");
        var assembly = typeof(Amazon.RegionEndpoint).Assembly;
        return new JsonObject
        {
            ["version"] = assembly.GetName().Version!.ToString(),
            ["fileVersion"] = assembly.GetCustomAttribute<AssemblyFileVersionAttribute>()?.Version,
            ["context"] = AssemblyLoadContext.GetLoadContext(assembly)?.Name,
            ["works"] = credentials.AccessKey == "AKIDHOSTEXAMPLE" && region.SystemName == "eu-west-1",
        };
    }
}

/// <summary>
/// What a cmdlet does: the session registry (cloud providers registered on first use), an s3:// address, a presigned
/// URL (AWSSDK.Core's SigV4 signer, offline), and a stat against a closed port (the SDK's HTTP stack and the Polly
/// retry pipeline, ending in the engine's StorageException).
/// </summary>
internal static class ModuleUse
{
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public static async Task RunAsync(Assembly rootModule, JsonObject report)
    {
        try
        {
            var services = rootModule.GetType("CloudStorage.PowerShell.Infrastructure.ModuleServices", throwOnError: true)!;
            var registry = (ProviderRegistry)services.GetProperty("Registry")!.GetValue(null)!;
            report["schemes"] = new JsonArray(registry.Schemes.Select(s => (JsonNode)s).ToArray());

            var location = registry.Resolve("s3://alc-test-bucket/reports/q1.pdf");
            var url = await Presigning.PresignAsync(location, new PresignRequest { Method = PresignMethod.Get, ExpiresIn = TimeSpan.FromMinutes(5) });
            report["presign"] = new JsonObject
            {
                ["uri"] = url.Uri,
                ["host"] = new Uri(url.Url).Host,
                ["path"] = new Uri(url.Url).AbsolutePath,
                ["signed"] = new Uri(url.Url).Query.Contains("X-Amz-Signature=", StringComparison.Ordinal),
                ["providerType"] = location.Provider.GetType().FullName,
                ["providerContext"] = ContextName(location.Provider.GetType().Assembly),
            };

            registry.Register("alcprobe", "s3://alc-test-bucket/", new Dictionary<string, string>
            {
                ["endpoint"] = "http://127.0.0.1:1", ["region"] = "eu-west-1", ["retries"] = "1",
            }, force: true);
            var probe = registry.Resolve("alcprobe:missing.txt");
            try
            {
                var item = await probe.Provider.StatAsync(probe.Key);
                report["stat"] = new JsonObject { ["unexpected"] = item?.ToString() ?? "null" };
            }
            catch (StorageException e)
            {
                // Caught as the host's StorageException: the type the private context threw is the shared one.
                report["stat"] = new JsonObject { ["kind"] = e.Kind.ToString(), ["transient"] = e.IsTransient, ["provider"] = e.Provider };
            }
        }
        catch (Exception e)
        {
            report["failure"] = e.ToString();
        }
    }

    private static string ContextName(Assembly assembly) => AssemblyLoadContext.GetLoadContext(assembly)?.Name ?? "(none)";
}
