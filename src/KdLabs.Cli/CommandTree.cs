using System.CommandLine;

namespace KdLabs.Cli;

/// <summary>Every command of <c>kdlabs</c>, built in one place: what Program runs and what the tests walk (every option of every command).</summary>
internal static class CommandTree
{
    /// <summary>The root command with every subcommand registered.</summary>
    public static RootCommand Create()
    {
        var root = new RootCommand("kdlabs: knowledge-distillation labs on TorchSharp. Runs experiments and notebooks.");
        root.Subcommands.Add(DataCommands.Create());
        root.Subcommands.Add(DistillCommands.Create());
        root.Subcommands.Add(BenchCommands.Create());
        root.Subcommands.Add(SweepCommands.Create());
        root.Subcommands.Add(SetupCommands.Create());
        root.Subcommands.Add(SsldCommands.Create());
        root.Subcommands.Add(ZooCommands.Create());
        root.Subcommands.Add(MethodsCommands.Create());
        root.Subcommands.Add(KernelCommands.Create());
        ChestXrayCommands.AddTo(root);
        StudioCommands.AddTo(root);
        foreach (var command in NotebookCommands.Create())
        {
            root.Subcommands.Add(command);
        }
        return root;
    }
}
