using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace KdLabs.Kernel.Tests;

/// <summary>The Jupyter project's own conformance suite (Debian's python3-jupyter-kernel-test) passes on the kit's kernel.</summary>
public partial class ConformanceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_jupyter_kernel_test_suite_passes()
    {
        var (exit, log) = await TestKernel.UnittestAsync("kernel_conformance", TimeSpan.FromMinutes(5));
        output.WriteLine(log);
        Assert.True(exit == 0, log);
        // Not vacuous: the suite ran its tests, and the ones the kernel has samples for were not skipped.
        var ran = Ran().Match(log);
        Assert.True(ran.Success && int.Parse(ran.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 10, log);
        foreach (var test in new[] { "test_execute_stdout", "test_execute_stderr", "test_completion", "test_is_complete", "test_error", "test_execute_result", "test_display_data", "test_kernel_info" })
        {
            Assert.Matches($@"{test} \([^)]*\)[^\n]*\.\.\. ok", log);
        }
    }

    [GeneratedRegex(@"Ran (\d+) tests?")]
    private static partial Regex Ran();
}
