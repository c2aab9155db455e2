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
    public Task KernelInfoThenACellAndATensor() => RunAsync("test_kernel_info_and_first_cell");

    [Fact]
    public Task OutputStreamsWhileTheCellRuns() => RunAsync("test_output_streams_while_the_cell_runs");

    [Fact]
    public Task InterruptingAnEndlessCellLeavesAUsableKernel() => RunAsync("test_interrupt_stops_an_endless_cell");

    [Fact]
    public Task RestartGivesAFreshSession() => RunAsync("test_restart_gives_a_fresh_session");

    [Fact]
    public Task AMessageWithAWrongSignatureIsRefused() => RunAsync("test_a_message_with_a_wrong_signature_is_refused");

    [Fact]
    public Task StopOnErrorAbortsTheQueuedCells() => RunAsync("test_stop_on_error_aborts_the_queued_cells");

    [Fact]
    public Task ConsoleReadLineAsksTheFrontendOrFailsWithAMessage() => RunAsync("test_console_readline_asks_the_frontend_or_fails_with_a_message");

    [Fact]
    public Task AnErrorNamesTheLineOfTheCell() => RunAsync("test_an_error_names_the_line_of_the_cell");
}
