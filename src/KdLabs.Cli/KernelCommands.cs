using System.CommandLine;
using KdLabs.Infrastructure;
using KdLabs.Kernel;

namespace KdLabs.Cli;

/// <summary>
/// <c>kdlabs kernel</c>: the kit's Jupyter kernel ("C# (KdLabs)"). Frontends start it from its kernelspec as
/// <c>kdlabs kernel -f {connection_file}</c>; <c>kdlabs kernel install|uninstall</c> manage that kernelspec.
/// </summary>
internal static class KernelCommands
{
    public static Command Create()
    {
        var connectionFile = new Option<string?>("--connection-file", "-f") { Description = "The connection file a Jupyter frontend writes and passes to its kernel ({connection_file} in the kernelspec)." }.NamesPath();
        var kernel = new Command("kernel", $"The kit's Jupyter kernel \"{KernelSpec.DisplayName}\" (name {KernelSpec.Name}): run notebook cells interactively in VS Code, JupyterLab, Notebook or jupyter console. `kdlabs kernel install` registers it.")
        {
            connectionFile,
        };
        kernel.SetAction((parse, _) => NotebookCommands.GuardAsync(async () =>
        {
            var file = parse.GetValue(connectionFile);
            if (string.IsNullOrEmpty(file))
            {
                throw new ArgumentException($"-f: give the connection file, e.g. `kdlabs kernel -f kernel.json`. Frontends do that themselves once the kernel is installed: run `kdlabs kernel install` and pick \"{KernelSpec.DisplayName}\".");
            }

            if (!File.Exists(file))
            {
                throw new ArgumentException($"-f {file}: no such connection file; a Jupyter frontend writes it before starting the kernel.");
            }

            OptionChecks.Checked();

            // Not the command line's token: it fires on Ctrl+C, which a kernel ignores (a frontend interrupts a cell with
            // interrupt_request); the kernel ends on the frontend's shutdown request or SIGTERM.
            return await KernelHost.RunAsync(file, Console.Error, CancellationToken.None);
        }));

        var prefix = new Option<string?>("--prefix") { Description = "Install into PREFIX/share/jupyter/kernels." }.NamesPath();
        var sysPrefix = new Option<bool>("--sys-prefix") { Description = "Install into the Python environment of python3 on PATH (a virtualenv or conda environment)." };
        var user = new Option<bool>("--user") { Description = "Install for the current user (the default): ~/.local/share/jupyter/kernels on Linux." };
        var install = new Command("install", $"Register \"{KernelSpec.DisplayName}\" with Jupyter (VS Code, JupyterLab, Notebook, papermill find it); running it again rewrites the same kernelspec.") { user, sysPrefix, prefix };
        install.SetAction(parse => CliErrors.Guard(() =>
        {
            var (scope, folder) = Scope(parse.GetValue(user), parse.GetValue(sysPrefix), parse.GetValue(prefix));
            OptionChecks.Checked();
            var directory = KernelSpec.Install(Argv(), scope, folder);
            Console.WriteLine($"installed the kernelspec {KernelSpec.Name} (\"{KernelSpec.DisplayName}\") in {directory}");
            Console.WriteLine($"it starts: {string.Join(' ', Argv())}");
            return 0;
        }));
        var uninstall = new Command("uninstall", $"Remove the \"{KernelSpec.DisplayName}\" kernelspec.") { user, sysPrefix, prefix };
        uninstall.SetAction(parse => CliErrors.Guard(() =>
        {
            var (scope, folder) = Scope(parse.GetValue(user), parse.GetValue(sysPrefix), parse.GetValue(prefix));
            OptionChecks.Checked();
            Console.WriteLine(KernelSpec.Uninstall(scope, folder) is { } removed
                ? $"removed {removed}"
                : $"the kernelspec {KernelSpec.Name} was not installed in {KernelSpec.KernelsDirectory(scope, folder)}; nothing to remove");
            return 0;
        }));
        var tuneName = new Argument<string>("kernel") { Description = $"The installed kernel's name (`jupyter kernelspec list`).", DefaultValueFactory = _ => KernelSpecEnvironment.DotNetInteractive };
        var tune = new Command("tune", $"Add the kit's compute environment ({string.Join(", ", ComputeEnvironment.Variables.Select(v => $"{v.Key}={v.Value}"))}: one malloc arena, a short OpenMP spin; docs/speed.md) to another installed kernel's kernelspec, by default .NET Interactive's {KernelSpecEnvironment.DotNetInteractive}. Values it already sets are kept; `kdlabs setup` does this when that kernel is registered.") { tuneName };
        tune.SetAction(parse => CliErrors.Guard(() =>
        {
            string name = parse.GetValue(tuneName)!;
            OptionChecks.Checked();
            string directory = KernelSpecEnvironment.Locate(name)
                ?? throw new UserErrorException($"kernel {name}: Jupyter does not list it (`jupyter kernelspec list`); for .NET Interactive run scripts/setup-kernel.sh, or `dotnet interactive jupyter install`, first.");
            Console.WriteLine(Tune(name, directory));
            return 0;
        }));
        kernel.Subcommands.Add(install);
        kernel.Subcommands.Add(uninstall);
        kernel.Subcommands.Add(tune);
        return kernel;
    }

    /// <summary>Adds the compute environment to the kernelspec in <paramref name="directory"/>; says what changed.</summary>
    internal static string Tune(string name, string directory)
    {
        var added = KernelSpecEnvironment.Add(directory);
        return added.Count == 0
            ? $"kernel {name} ({directory}) already starts with {string.Join(", ", ComputeEnvironment.Variables.Keys)}"
            : $"kernel {name} ({directory}) now starts with {string.Join(", ", added.Select(n => $"{n}={ComputeEnvironment.Variables[n]}"))}; restart it if it is running";
    }

    /// <summary>How a frontend starts this checkout's built kernel: this very CLI, through the dotnet host that runs it.</summary>
    internal static IReadOnlyList<string> Argv()
    {
        var cli = typeof(KernelCommands).Assembly.Location;
        var process = Environment.ProcessPath ?? "dotnet";
        var viaHost = Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        return viaHost ? [process, cli, "kernel", "-f", "{connection_file}"] : [process, "kernel", "-f", "{connection_file}"];
    }

    private static (KernelSpecScope Scope, string? Prefix) Scope(bool user, bool sysPrefix, string? prefix)
    {
        if ((user ? 1 : 0) + (sysPrefix ? 1 : 0) + (prefix is null ? 0 : 1) > 1)
        {
            throw new ArgumentException("--user, --sys-prefix and --prefix choose one place; give only one of them.");
        }

        if (prefix is not null && prefix.Trim().Length == 0)
        {
            throw new ArgumentException("--prefix: give a folder, e.g. --prefix /usr/local.");
        }

        return prefix is not null ? (KernelSpecScope.Prefix, (string?)prefix) : sysPrefix ? (KernelSpecScope.SysPrefix, null) : (KernelSpecScope.User, null);
    }
}
