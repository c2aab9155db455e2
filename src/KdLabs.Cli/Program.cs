using System.CommandLine;
using KdLabs.Cli;
using KdLabs.Training;

if (Console.IsOutputRedirected)
{
    // Logs and CI capture output at 80 columns by default, which folds the result tables beyond reading.
    Spectre.Console.AnsiConsole.Profile.Width = 160;
}

if (!Console.IsOutputRedirected && Spectre.Console.AnsiConsole.Profile.Capabilities.Interactive)
{
    TrainingProgress.SetDefault(() => new SpectreTrainingProgress());
}

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
return CliErrors.Run(root, args);
