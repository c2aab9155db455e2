using System.Runtime.InteropServices;
using KdLabs.Kernel.Protocol;

namespace KdLabs.Kernel;

/// <summary>
/// Runs the kit's Jupyter kernel for one connection file, as a frontend starts it (<c>kdlabs kernel -f {connection_file}</c>):
/// cells run in the kernel's working directory, which VS Code, JupyterLab, Notebook and papermill set to the notebook's folder.
/// </summary>
public static class KernelHost
{
    /// <summary>Serves the frontend until it shuts the kernel down; returns the process exit code (0, or 1 for a bad connection file).</summary>
    /// <param name="connectionFile">The JSON file the frontend wrote (ports, key, signature scheme).</param>
    /// <param name="log">Where the kernel's own log lines go (stderr: frontends keep it in their kernel log).</param>
    /// <param name="ct">Stops the kernel as a shutdown request would.</param>
    public static async Task<int> RunAsync(string connectionFile, TextWriter log, CancellationToken ct)
    {
        ConnectionInfo connection;
        try
        {
            connection = ConnectionInfo.Load(connectionFile);
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            await log.WriteLineAsync($"kdlabs kernel: error: {e.Message}").ConfigureAwait(false);
            return 1;
        }

        // The frontend interrupts with interrupt_request (the kernelspec's interrupt_mode "message"); a Ctrl+C typed in
        // the terminal that started a frontend reaches this whole process group and must not end the session.
        using var sigint = Ignore(PosixSignal.SIGINT);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var sigterm = OnSignal(PosixSignal.SIGTERM, stop.Cancel);
        using var server = new KernelServer(connection, Environment.CurrentDirectory, log);
        await server.RunAsync(stop.Token).ConfigureAwait(false);
        return 0;
    }

    private static PosixSignalRegistration? Ignore(PosixSignal signal) => OnSignal(signal, () => { });

    private static PosixSignalRegistration? OnSignal(PosixSignal signal, Action action)
    {
        try
        {
            return PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                action();
            });
        }
        catch (PlatformNotSupportedException)
        {
            return null;
        }
    }
}
