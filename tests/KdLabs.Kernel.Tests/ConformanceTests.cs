using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace KdLabs.Kernel.Tests;

/// <summary>The Jupyter project's own conformance suite (Debian's python3-jupyter-kernel-test) passes on the kit's kernel.</summary>
public partial class ConformanceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TheJupyterKernelTestSuitePasses()
    {
        var (exit, log) = await TestKernel.UnittestAsync("kernel_conformance", TimeSpan.FromMinutes(5));
        output.WriteLine(log);
        Assert.True(exit == 0, log);
        // Not vacuous: the suite ran its tests, and the ones the kernel has samples for ran (the suite skips a test
        // without samples: pager, inspect, history, clear_output, which this kernel does not offer).
        var ran = Ran().Match(log);
        Assert.True(ran.Success && int.Parse(ran.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 10, log);
        Assert.Contains("OK (skipped=6)", log, StringComparison.Ordinal);
        foreach (var test in new[] { "test_execute_stdout", "test_execute_stderr", "test_completion", "test_is_complete", "test_error", "test_execute_result", "test_display_data", "test_kernel_info" })
        {
            Assert.Contains($"{test} (", log, StringComparison.Ordinal);
            Assert.DoesNotMatch($@"{test} \([^)]*\) \.\.\. skipped", log);
        }
    }

    [GeneratedRegex(@"Ran (\d+) tests?")]
    private static partial Regex Ran();
}
