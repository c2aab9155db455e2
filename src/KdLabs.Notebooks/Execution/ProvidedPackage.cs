using System.Reflection;

namespace KdLabs.Notebooks.Execution;

/// <summary>A package the kit ships, so <c>#r "nuget: Name"</c> can be satisfied offline.</summary>
/// <param name="Name">Package id.</param>
/// <param name="Version">The version the kit ships.</param>
/// <param name="Assemblies">Its assemblies, already loaded in the runner process.</param>
/// <param name="OnRequest">
/// Not part of the KdLabs package's dependencies, so in the real kernel a cell has it only after <c>#r "nuget: Name"</c>:
/// the runner then references it only from that cell on, never by default.
/// </param>
public sealed record ProvidedPackage(string Name, string Version, IReadOnlyList<Assembly> Assemblies, bool OnRequest = false)
{
    /// <inheritdoc />
    public override string ToString() => $"{Name} {Version}";
}
