using Xunit.Abstractions;

namespace KdLabs.Kernel.Tests;

/// <summary>
/// The kernel through jupyter_client, as frontends drive it (Python/kernel_behaviour.py): live output, interrupt of an
/// endless cell, restart, a forged signature refused, stop_on_error, Console.ReadLine, the failing line named.
/// </summary>
public class BehaviourTests(ITestOutputHelper output)
{
    private async Task RunAsync(string test)
    {
        var (exit, log) = await TestKernel.UnittestAsync($"kernel_behaviour.KernelBehaviour.{test}", TimeSpan.FromMinutes(4));
        output.WriteLine(log);
        Assert.True(exit == 0, log);
        Assert.Contains("... ok", log, StringComparison.Ordinal);
    }

    [Fact]
    public Task Kernel_info_then_a_cell_and_a_tensor() => RunAsync("test_kernel_info_and_first_cell");

    [Fact]
    public Task Output_streams_while_the_cell_runs() => RunAsync("test_output_streams_while_the_cell_runs");

    [Fact]
    public Task Interrupting_an_endless_cell_leaves_a_usable_kernel() => RunAsync("test_interrupt_stops_an_endless_cell");

    [Fact]
    public Task Restart_gives_a_fresh_session() => RunAsync("test_restart_gives_a_fresh_session");

    [Fact]
    public Task A_message_with_a_wrong_signature_is_refused() => RunAsync("test_a_message_with_a_wrong_signature_is_refused");

    [Fact]
    public Task Stop_on_error_aborts_the_queued_cells() => RunAsync("test_stop_on_error_aborts_the_queued_cells");

    [Fact]
    public Task Console_ReadLine_asks_the_frontend_or_fails_with_a_message() => RunAsync("test_console_readline_asks_the_frontend_or_fails_with_a_message");

    [Fact]
    public Task An_error_names_the_line_of_the_cell() => RunAsync("test_an_error_names_the_line_of_the_cell");
}
