using Microsoft.DotNet.Interactive;

namespace KdLabs.Interactive;

/// <summary>
/// Loaded by .NET Interactive (Polyglot Notebooks, Jupyter) from the KdLabs package's interactive-extensions/dotnet
/// folder right after <c>#r "nuget: KdLabs"</c>: lets Plotly.NET run on the kernel's FSharp.Core, and registers the
/// kit's formatters so charts, tables, tensors and exercise results look as they do in the kit's own runner.
/// </summary>
public sealed class KdLabsKernelExtension : IKernelExtension
{
    /// <inheritdoc />
    public Task OnLoadAsync(Kernel kernel)
    {
        FSharpCoreUnification.Install();
        KernelFormatters.Register();
        return Task.CompletedTask;
    }
}
