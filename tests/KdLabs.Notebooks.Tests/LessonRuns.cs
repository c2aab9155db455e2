using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using KdLabs.Data;
using KdLabs.Infrastructure;
using KdLabs.Notebooks.Execution;

namespace KdLabs.Notebooks.Tests;

/// <summary>
/// Each lesson run once per test process in smoke mode, by the kit's runner and by the real .NET Interactive kernel
/// (papermill on the registered <c>.net-csharp</c> kernel), shared by the test classes that compare them.
/// </summary>
internal static class LessonRuns
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<NotebookRunResult>>> Kit = new();
    private static readonly ConcurrentDictionary<string, Lazy<Task<KernelRun>>> Kernel = new();
    private static readonly ConcurrentDictionary<string, Lazy<Task<KernelRun>>> OwnKernel = new();

    public static string NotebooksDirectory => Path.Combine(KdLabsPaths.RepositoryRoot!, "notebooks");

    /// <summary>The kit's runner, in this process.</summary>
    public static Task<NotebookRunResult> KitAsync(string notebook) => Kit.GetOrAdd(notebook, n => new(() => RunKitAsync(n))).Value;

    /// <summary>The real kernel, through papermill, with the kernel's working directory the notebook's folder (as in VS Code).</summary>
    public static Task<KernelRun> KernelAsync(string notebook) => Kernel.GetOrAdd(notebook, n => new(() => RunKernelAsync(n))).Value;

    /// <summary>The kit's own kernel (kdlabs-csharp, the freshly built one), through papermill, as a learner's frontend runs it.</summary>
    public static Task<KernelRun> KitKernelAsync(string notebook) => OwnKernel.GetOrAdd(notebook, n => new(() => RunKitKernelAsync(n))).Value;

    private static async Task<NotebookRunResult> RunKitAsync(string notebook)
    {
        MnistFiles.EnsurePresent(MnistFiles.DefaultDirectory);
        string output = Path.Combine(Path.GetTempPath(), "kdlabs-course-tests", Guid.NewGuid().ToString("N")[..8]);
        return await new NotebookRunner().RunAsync(new NotebookRunRequest
        {
            NotebookPath = Path.Combine(NotebooksDirectory, notebook),
            OutputDirectory = output,
            Parameters = new Dictionary<string, string> { ["smoke"] = "true" },
        }, CancellationToken.None);
    }

    private static async Task<KernelRun> RunKernelAsync(string notebook)
    {
        MnistFiles.EnsurePresent(MnistFiles.DefaultDirectory);
        string output = Path.Combine(Path.GetTempPath(), "kdlabs-kernel-tests", Guid.NewGuid().ToString("N")[..8], notebook);
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var run = await RealKernel.PapermillAsync(Path.Combine(NotebooksDirectory, notebook), output, NotebooksDirectory, TimeSpan.FromMinutes(10), "-p", "smoke", "True");
        JsonNode? executed = File.Exists(output) ? JsonNode.Parse(await File.ReadAllTextAsync(output)) : null;
        return new KernelRun(notebook, run.ExitCode, run.Log, output, executed, run.Duration);
    }

    private static async Task<KernelRun> RunKitKernelAsync(string notebook)
    {
        MnistFiles.EnsurePresent(MnistFiles.DefaultDirectory);
        string output = Path.Combine(Path.GetTempPath(), "kdlabs-kit-kernel-tests", Guid.NewGuid().ToString("N")[..8], notebook);
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        // -l .net-csharp: papermill picks its C# parameter syntax by kernel name, then by language; neither
        // kdlabs-csharp nor the lessons' language_info ("polyglot-notebook") is one it knows, .net-csharp is.
        var run = await RealKernel.PapermillOnAsync(RealKernel.PapermillExecutable(), KitKernel.Name, KitKernel.Configure,
            Path.Combine(NotebooksDirectory, notebook), output, NotebooksDirectory, TimeSpan.FromMinutes(10), "-l", ".net-csharp", "-p", "smoke", "True");
        JsonNode? executed = File.Exists(output) ? JsonNode.Parse(await File.ReadAllTextAsync(output)) : null;
        return new KernelRun(notebook, run.ExitCode, run.Log, output, executed, run.Duration);
    }
}

/// <summary>One papermill run on the real kernel: exit code, papermill's log, and the executed notebook.</summary>
internal sealed record KernelRun(string Notebook, int ExitCode, string Log, string OutputPath, JsonNode? Executed, TimeSpan Duration);
