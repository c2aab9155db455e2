using System.Diagnostics;

namespace KdLabs.Infrastructure;

/// <summary>Runs a system tool a fetch needs (npm, apt-get, dpkg-deb) and turns its absence or failure into a <see cref="UserErrorException"/> with the fix.</summary>
internal static class ExternalTool
{
    /// <summary>
    /// Runs <paramref name="tool"/> with <paramref name="args"/> in <paramref name="workingDirectory"/> and waits for it.
    /// <paramref name="cannotStart"/> gives the message when the tool is not installed, <paramref name="failed"/> the one
    /// for a non-zero exit (from the exit code and the tool's stderr, or its stdout when stderr is empty).
    /// </summary>
    public static void Run(string tool, string[] args, string workingDirectory, Func<string, string> cannotStart, Func<int, string, string> failed)
    {
        var psi = new ProcessStartInfo(tool, args)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new UserErrorException(cannotStart(e.Message), e);
        }
        using (process)
        {
            // Both streams drain concurrently, so a chatty tool cannot block on a full pipe.
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                // Some tools (dotnet restore) print their errors on stdout.
                string said = stderr.Result.Trim();
                throw new UserErrorException(failed(process.ExitCode, said.Length > 0 ? said : stdout.Trim()));
            }
        }
    }
}
