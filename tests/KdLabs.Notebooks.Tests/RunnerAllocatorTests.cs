using KdLabs.Infrastructure;
using KdLabs.Notebooks.Execution;
using KdLabs.Notebooks.Format;

namespace KdLabs.Notebooks.Tests;

/// <summary>
/// Cells run off the worker's first thread, where glibc would give a thread its own malloc arena and map every large
/// buffer afresh: the runner starts its worker with one arena, so a big buffer freed by a cell is reused, not faulted in again.
/// </summary>
public class RunnerAllocatorTests
{
    [Fact]
    public void TheWorkerStartsWithOneMallocArenaAndAShortOpenMpSpinUnlessTheUserSetThem()
    {
        var info = WorkerCellExecutor.WorkerStartInfo(Path.GetTempPath());
        foreach (var (name, value) in new[] { ("GLIBC_TUNABLES", "glibc.malloc.arena_max=1"), ("GOMP_SPINCOUNT", "10000") })
        {
            string? own = Environment.GetEnvironmentVariable(name);
            Assert.Equal(own ?? value, info.Environment[name]);
        }
    }

    // The launcher is bash and cannot read ComputeEnvironment: the same values are written there, and must stay the same.
    [Fact]
    public void TheKdlabsLauncherExportsTheSameValues()
    {
        string launcher = File.ReadAllText(Path.Combine(KdLabs.Infrastructure.KdLabsPaths.RepositoryRoot!, "kdlabs"));
        foreach (var (name, value) in ComputeEnvironment.Variables)
        {
            Assert.Contains($"{name}=\"${{{name}-{value}}}\"", launcher, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ABigBufferFreedInACellIsReusedByTheNext()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        using var dir = new TempDirectory();
        // The kit's allocator settings, as a lesson's first use of the kit applies them; then 100 MB through malloc (Marshal.AllocHGlobal), written page by page, three times on the cell's thread; the
        // thread's own minor faults (field 10 of /proc/self/task/TID/stat) say whether the pages were new.
        var path = TestNotebooks.Write(dir, "nb.ipynb", """
            System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(System.Reflection.Assembly.Load("KdLabs").ManifestModule.ModuleHandle);
            [System.Runtime.InteropServices.DllImport("libc")] static extern int gettid();
            long Faults() => long.Parse(System.IO.File.ReadAllText($"/proc/self/task/{gettid()}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[7]);
            var source = new byte[100_000_000];
            var faults = new List<long>();
            for (int i = 0; i < 3; i++)
            {
                long before = Faults();
                var p = System.Runtime.InteropServices.Marshal.AllocHGlobal(source.Length);
                System.Runtime.InteropServices.Marshal.Copy(source, 0, p, source.Length);
                System.Runtime.InteropServices.Marshal.FreeHGlobal(p);
                faults.Add(Faults() - before);
            }
            Console.WriteLine(string.Join(",", faults));
            """);
        var result = await new NotebookRunner().RunAsync(new NotebookRunRequest { NotebookPath = path, OutputDirectory = dir.File("out") }, CancellationToken.None)
            .WaitAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(RunStatus.Succeeded, result.Status);
        var faults = TestNotebooks.Text(IpynbFormat.Read(result.ExecutedNotebookPath).Cells[0].Outputs[0]).Trim().Split(',').Select(long.Parse).ToArray();
        // A fresh mapping of 100 MB is about 24,400 faults of 4 KiB; a reused one next to none.
        Assert.True(faults[2] < 2_000, $"minor faults per 100 MB buffer on the cell's thread: {string.Join(", ", faults)}; the freed buffer was mapped afresh");
    }
}
