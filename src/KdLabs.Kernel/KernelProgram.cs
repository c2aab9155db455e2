namespace KdLabs.Kernel;

/// <summary>
/// Entry point when this assembly is started as the kernel itself (the tests' kernelspecs do, with their own runtime
/// files); users start it as <c>kdlabs kernel -f {connection_file}</c>, which calls <see cref="KernelHost"/> the same way.
/// </summary>
internal static class KernelProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args is not [("-f" or "--connection-file"), { } connectionFile])
        {
            await Console.Error.WriteLineAsync("usage: KdLabs.Kernel -f CONNECTION_FILE (a Jupyter frontend passes it; install the kernel with `kdlabs kernel install`)").ConfigureAwait(false);
            return 2;
        }

        return await KernelHost.RunAsync(connectionFile, Console.Error, CancellationToken.None).ConfigureAwait(false);
    }
}
