using System.Diagnostics;
using KdLabs.Data;
using KdLabs.Infrastructure;

namespace KdLabs.Tests.Reliability;

/// <summary>
/// scripts/setup.sh asks before it upgrades system packages on Debian 12. This machine already has the newer runtime,
/// so the detection is faked (the script's KDLABS_SETUP_* test hooks) and apt-get is a stand-in that prints a recorded
/// simulation and logs every call: the decision logic runs for real, the system is never touched.
/// </summary>
public class SetupScriptTests
{
    private const string Simulation = """
        Inst libc6 [2.36-9+deb12u10] (2.41-12 Debian:13.1/stable [amd64]) []
        Inst base-files [12.4+deb12u11] (13.8 Debian:13.1/stable [amd64])
        Inst gcc-14-base (14.2.0-19 Debian:13.1/stable [amd64])
        Inst libstdc++6 [12.2.0-14+deb12u1] (14.2.0-19 Debian:13.1/stable [amd64])
        Conf libc6 (2.41-12 Debian:13.1/stable [amd64])
        """;

    private sealed record Outcome(int ExitCode, string Stderr, string AptCalls, string Etc);

    private static Outcome Run(IDictionary<string, string>? env, params string[] args)
    {
        string dir = TestData.TempDirectory();
        string log = Path.Combine(dir, "apt.log");
        string fake = Path.Combine(dir, "apt-get");
        File.WriteAllText(Path.Combine(dir, "simulation.txt"), Simulation + "\n");
        File.WriteAllText(fake, $"#!/usr/bin/env bash\necho \"$*\" >> '{log}'\ncase \" $* \" in *\" -s \"*) cat '{dir}/simulation.txt' ;; esac\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        // setsid: no controlling terminal, as under CI or a pipe, so the script can never wait for an answer.
        var psi = new ProcessStartInfo("setsid", ["--wait", "bash", Path.Combine(KdLabsPaths.RepositoryRoot!, "scripts", "setup.sh"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        psi.Environment["KDLABS_SETUP_ASSUME_MISSING"] = "1";
        psi.Environment["KDLABS_SETUP_CODENAME"] = "bookworm";
        psi.Environment["KDLABS_SETUP_APT_GET"] = fake;
        psi.Environment["KDLABS_SETUP_ETC"] = Path.Combine(dir, "etc");
        psi.Environment["CI"] = "";
        psi.Environment["KDLABS_ASSUME_YES"] = "";
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }
        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        _ = stdout.Result;
        return new Outcome(process.ExitCode, stderr, File.Exists(log) ? File.ReadAllText(log) : "", Path.Combine(dir, "etc"));
    }

    [Fact]
    public void DryRunPrintsAptsExactPlanAndChangesNothing()
    {
        var r = Run(null, "--dry-run");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("libc6 2.36-9+deb12u10 -> 2.41-12", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("base-files 12.4+deb12u11 -> 13.8", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("gcc-14-base (new) -> 14.2.0-19", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("4 package(s)", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("install -y", r.AptCalls, StringComparison.Ordinal);
        Assert.False(Directory.Exists(r.Etc));
    }

    [Fact]
    public void WithoutATerminalAndWithoutBeingToldItRefusesAndNamesTheCommand()
    {
        var r = Run(null);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("no terminal to ask", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("sudo scripts/setup.sh --yes", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("libc6 2.36-9+deb12u10 -> 2.41-12", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("install -y", r.AptCalls, StringComparison.Ordinal);
        Assert.False(Directory.Exists(r.Etc));
    }

    [Theory]
    [InlineData("--yes", null)]
    [InlineData(null, "CI=true")]
    [InlineData(null, "KDLABS_ASSUME_YES=1")]
    public void ItProceedsWithoutAskingOnlyWhenTold(string? flag, string? variable)
    {
        var env = variable is null ? null : new Dictionary<string, string> { [variable.Split('=')[0]] = variable.Split('=')[1] };
        var r = Run(env, flag is null ? [] : [flag]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("install -y -qq -t trixie libstdc++6", r.AptCalls, StringComparison.Ordinal);
        Assert.Contains("Pin-Priority: 100", File.ReadAllText(Path.Combine(r.Etc, "apt", "preferences.d", "kdlabs-trixie")), StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownOptionIsAnArgumentError()
    {
        var r = Run(null, "--force");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown option --force", r.Stderr, StringComparison.Ordinal);
    }
}
