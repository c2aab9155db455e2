using System.CommandLine;
using KdLabs.Methods;

namespace KdLabs.Cli;

/// <summary><c>kdlabs methods</c>: the distillation-method registry, with each method's paper, loss terms and settings.</summary>
internal static class MethodsCommands
{
    public static Command Create()
    {
        var command = new Command("methods", "List the registered distillation methods: key (for zoo mnist --methods), title, paper, loss terms and each setting with its default.");
        command.SetAction(_ => CliErrors.Guard(() =>
        {
            ResultTable.Print("Distillation methods (src/KdLabs/Methods; CONTRIBUTING.md says how to add one)",
                ["Key", "Also", "Method", "Transfers", "Student", "Paper", "Loss terms", "Settings (defaults)"],
                DistillationMethods.All.Select(m => (IReadOnlyList<string>)
                [
                    m.Key,
                    string.Join(", ", m.Aliases),
                    m.Title,
                    m.Knowledge,
                    m.Student.ToString(),
                    m.Paper?.ToString() ?? "—",
                    string.Join("\n", m.Terms.Select(t => $"{t.Name}: {t.Formula}")),
                    MethodOptionValues.Of(m.Options) is { Count: > 0 } values ? string.Join("\n", values.Select(v => $"{v.Name} = {v.Value}")) : "—",
                ]), rightAligned: false);
            return 0;
        }));
        return command;
    }
}
