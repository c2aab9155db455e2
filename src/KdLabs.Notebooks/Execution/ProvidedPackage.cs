using System.Reflection;

namespace KdLabs.Notebooks.Execution;

/// <summary>A package the kit ships, so <c>#r "nuget: Name"</c> can be satisfied offline.</summary>
/// <param name="Name">Package id.</param>
/// <param name="Version">The version the kit ships.</param>
/// <param name="Assemblies">
/// Its assemblies and those of the packages it depends on, already loaded in the runner process. As in the real
/// kernel, a cell compiles against them (and what they reference) only from the cell with <c>#r "nuget: Name"</c> on.
/// </param>
public sealed record ProvidedPackage(string Name, string Version, IReadOnlyList<Assembly> Assemblies)
{
    /// <inheritdoc />
    public override string ToString() => $"{Name} {Version}";
}
