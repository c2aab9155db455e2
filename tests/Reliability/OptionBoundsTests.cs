using System.CommandLine;
using System.CommandLine.Help;
using System.Text.RegularExpressions;
using KdLabs.Cli;
using KdLabs.Infrastructure;

namespace KdLabs.Tests.Reliability;

/// <summary>
/// Every option of every command, found by walking the command tree (so an option added without a check fails here),
/// fed the same bad values: each must be refused with exit 2 and one line naming that option, never a crash, a hang
/// or a run. Commands run in process in check-only mode: they stop after their checks, so nothing trains.
/// </summary>
[Collection(ConsoleCollection.Name)]
public class OptionBoundsTests
{
    private static readonly string[] IntegerValues = ["0", "-1", "2147483647", "2147483648", "1e308", "NaN", "", "garbage"];
    private static readonly string[] RealValues = ["0", "-1", "1e9", "NaN", "Infinity", "-Infinity", "inf", "1e308", "", "garbage"];
    private static readonly string[] TextValues = ["", "garbage", ",", "1,,2"];

    /// <summary>Values that are meaningful for one option (0: "off" or "all", a folder named garbage): accepted, and checked to be (exit 0).</summary>
    private static readonly HashSet<string> Accepted =
    [
        "distill mnist --validation 0", "distill fashion-mnist --validation 0",
        "distill mnist --jitter 0", "distill fashion-mnist --jitter 0",
        "distill mnist --teacher-epochs 0", "distill fashion-mnist --teacher-epochs 0",
        "distill mnist --teacher-images 0", "distill fashion-mnist --teacher-images 0",
        "distill mnist --transfer-size 0", "distill fashion-mnist --transfer-size 0",
        "distill mnist --omit-class 0", "distill fashion-mnist --omit-class 0",
        "distill mnist --alpha 0", "distill fashion-mnist --alpha 0", "zoo mnist --alpha 0", "zoo fashion-mnist --alpha 0",
        "ssld mnist --alpha 0", "distill chest-xray --alpha 0", "distill chest-xray --distillation-weight 0",
        "distill mnist --dropout 0", "distill fashion-mnist --dropout 0",
        "distill mnist --input-dropout 0", "distill fashion-mnist --input-dropout 0", "distill mnist --max-norm 0", "distill fashion-mnist --max-norm 0",
        "distill mnist --teacher-seed 0", "distill fashion-mnist --teacher-seed 0", "distill mnist --teacher-seed 2147483647", "distill fashion-mnist --teacher-seed 2147483647",
        "distill mnist --lambda 0", "distill mnist --hard-weight 0", "distill mnist --unlabelled 0",
        "sweep mnist --validation 0", "sweep mnist --teacher-epochs 0", "sweep mnist --teacher-images 0", "sweep mnist --transfer-size 0",
        "zoo mnist --teacher-images 0", "zoo fashion-mnist --teacher-images 0", "zoo mnist --transfer-size 0", "zoo fashion-mnist --transfer-size 0", "studio --port 0", "data synth chest-xray --seed 0", "data synth chest-xray --seed 2147483647",
        "distill mnist --seeds 0", "distill fashion-mnist --seeds 0", "zoo mnist --seeds 0", "zoo fashion-mnist --seeds 0",
        "ssld mnist --seeds 0", "sweep mnist --seeds 0", "distill chest-xray --seeds 0",
    ];


    public static TheoryData<string> Commands()
    {
        var data = new TheoryData<string>();
        foreach (var (path, _) in Leaves(CommandTree.Create(), []))
        {
            data.Add(string.Join(' ', path));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void EveryOptionRefusesEveryBadValueWithExitTwoNamingIt(string commandPath)
    {
        var root = CommandTree.Create();
        var (path, command) = Leaves(root, []).Single(l => string.Join(' ', l.Path) == commandPath);
        string[] prefix = [.. path, .. RequiredArguments(command)];
        var failures = new List<string>();
        int tried = 0;
        foreach (var option in command.Options.Where(o => o is not HelpOption && o.Name != "--version"))
        {
            Type type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
            if (type == typeof(bool))
            {
                continue;
            }
            string[] values = type == typeof(int) ? IntegerValues
                : type == typeof(double) ? RealValues
                : type == typeof(string) || type == typeof(string[]) ? TextValues
                : throw new InvalidOperationException($"{commandPath} {option.Name}: an option of type {type.Name}; add its bad values to this test.");
            foreach (var value in values)
            {
                // A file or folder name (declared with NamesPath): any non-empty text is one, so only the empty one is bad.
                if (OptionChecks.IsPath(option) && value.Length > 0)
                {
                    continue;
                }
                tried++;
                string typed = $"{commandPath} {option.Name} {value}";
                var (exit, stderr) = RunChecked(root, [.. prefix, option.Name, value]);
                if (exit == 2 && commandPath == "distill mnist" && stderr.Contains("applies only with --student sdt", StringComparison.Ordinal))
                {
                    (exit, stderr) = RunChecked(root, [.. prefix, "--student", "sdt", option.Name, value]);
                }
                if (Accepted.Contains(typed))
                {
                    if (exit != 0)
                    {
                        failures.Add($"{typed}: a meaningful value, expected to pass its checks, exit {exit}: {FirstLine(stderr)}");
                    }
                    continue;
                }
                string line = FirstLine(stderr);
                bool named = option.Aliases.Prepend(option.Name).Any(n => Regex.IsMatch(line, $@"(?<![\w-]){Regex.Escape(n)}(?![\w-])"));
                if (exit != 2 || !named || !line.StartsWith("error: ", StringComparison.Ordinal) || stderr.Contains("   at ", StringComparison.Ordinal))
                {
                    failures.Add($"{typed}: exit {exit}, {(named ? "" : "option not named, ")}stderr: {line}");
                }
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {tried} bad values not refused as they should be:\n" + string.Join('\n', failures));
    }

    [Fact]
    public void SmokeModeChecksTheTypedValuesAndSaysWhichItReplaces()
    {
        var root = CommandTree.Create();
        var (exit, stderr) = RunChecked(root, ["distill", "mnist", "--smoke", "--epochs", "0"]);
        Assert.Equal(2, exit);
        Assert.Contains("--epochs 0", stderr, StringComparison.Ordinal);
        (exit, stderr) = RunChecked(root, ["distill", "mnist", "--smoke", "--epochs", "7", "--lr", "0.01"]);
        Assert.Equal(0, exit);
        Assert.Contains("smoke mode replaces --epochs 7 (runs as 1)", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("--lr", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--alpha 0,2", "sweep", "mnist", "--alpha", "0,2")]
    [InlineData("--temperature 0", "sweep", "mnist", "-T", "0")]
    [InlineData("--alpha 0,0.5,0", "sweep", "mnist", "--alpha", "0,0.5,0")]
    [InlineData("--temperatures ''", "distill", "chest-xray", "--temperatures", "")]
    [InlineData("--seeds 1,,2", "zoo", "mnist", "--seeds", "1,,2")]
    [InlineData("--test-limit 0", "distill", "mnist", "--test-limit", "0")]
    [InlineData("--longer-epochs 0", "ssld", "mnist", "--longer-epochs", "0")]
    [InlineData("--epochs 0", "ssld", "mnist", "--epochs", "0")]
    [InlineData("--whole-pool-epochs 0", "ssld", "mnist", "--whole-pool-epochs", "0")]
    [InlineData("--whole-pool-epochs 0", "ssld", "mnist", "--whole-pool", "--whole-pool-epochs", "0")]
    [InlineData("--teacher-epochs -1", "distill", "mnist", "--teacher-epochs", "-1")]
    [InlineData("--transfer-size -1", "distill", "mnist", "--transfer-size", "-1")]
    [InlineData("--jitter 28", "distill", "mnist", "--jitter", "28")]
    [InlineData("--threads 2147483647", "studio", "--threads", "2147483647")]
    [InlineData("--teacher-epochs 2147483647", "studio", "--teacher-epochs", "2147483647")]
    [InlineData("--teachers 2147483647", "zoo", "mnist", "--teachers", "2147483647")]
    [InlineData("--lambda NaN", "distill", "mnist", "--student", "sdt", "--lambda", "NaN")]
    [InlineData("--hard-weight 1.5", "distill", "mnist", "--student", "sdt", "--hard-weight", "1.5")]
    [InlineData("--image-size 100000", "distill", "chest-xray", "--image-size", "100000")]
    public void TheIssuesCasesNameTheRightOption(string shown, params string[] args)
    {
        var (exit, stderr) = RunChecked(CommandTree.Create(), args);
        Assert.True(exit == 2, $"exit {exit}: {stderr}");
        Assert.StartsWith($"error: {shown}", FirstLine(stderr), StringComparison.Ordinal);
    }

    private static (int Exit, string Stderr) RunChecked(RootCommand root, string[] args)
    {
        var (oldOut, oldError) = (Console.Out, Console.Error);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Console.SetOut(stdout);
        Console.SetError(stderr);
        OptionChecks.CheckOnly = true;
        try
        {
            int exit = CliErrors.Run(root, args);
            return (exit, stderr.ToString());
        }
        finally
        {
            OptionChecks.CheckOnly = false;
            Console.SetOut(oldOut);
            Console.SetError(oldError);
        }
    }

    private static IEnumerable<(string[] Path, Command Command)> Leaves(Command command, string[] path)
    {
        if (command.Action is not null && path.Length > 0)
        {
            yield return (path, command);
        }
        foreach (var sub in command.Subcommands)
        {
            foreach (var leaf in Leaves(sub, [.. path, sub.Name]))
            {
                yield return leaf;
            }
        }
    }

    // A command's arguments, given values that pass: the course's first notebook, a results file.
    private static IEnumerable<string> RequiredArguments(Command command) => command.Arguments.Select(a => a.Name switch
    {
        "notebook" => Directory.GetFiles(Path.Combine(KdLabsPaths.RepositoryRoot!, "notebooks"), "*.ipynb").Order().First(),
        _ => "results.json",
    });

    private static string FirstLine(string text) => text.Split('\n')[0].TrimEnd('\r');
}
