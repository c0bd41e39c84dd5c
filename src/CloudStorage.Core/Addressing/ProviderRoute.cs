namespace CloudStorage.Core.Addressing;

/// <summary>One route of a routed provider: keys matching <see cref="Pattern"/> (a wildcard, as -Filter takes) live at <see cref="Uri"/>.</summary>
/// <param name="Pattern">A wildcard over the whole key (<c>*.jpg</c>, <c>tmp/*</c>, <c>*</c> for the rest), case-insensitive.</param>
/// <param name="Uri">The root address the matching keys go to.</param>
public sealed record ProviderRoute(string Pattern, string Uri)
{
    /// <inheritdoc />
    public override string ToString() => $"{Pattern}={Uri}";
}
