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

var root = CommandTree.Create();
return CliErrors.Run(root, args);
