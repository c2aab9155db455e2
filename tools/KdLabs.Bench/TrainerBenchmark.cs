using TorchSharp;
using System.Diagnostics;
using KdLabs.Data;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Bench;

/// <summary>Throughputs of the kit's trainer and of a bare TorchSharp loop, measured in one run.</summary>
/// <param name="Model">Model trained.</param>
/// <param name="Images">Training images per epoch.</param>
/// <param name="BatchSize">Mini-batch size.</param>
/// <param name="Rounds">Timed epochs of each loop.</param>
/// <param name="TrainerImagesPerSecond">Median throughput of the kit's trainer.</param>
/// <param name="BareImagesPerSecond">Median throughput of the bare loop.</param>
/// <param name="Ratio">Median over rounds of (trainer ÷ bare loop) measured within the same round: 1.0 = no overhead.</param>
public sealed record TrainerBenchmarkResult(string Model, int Images, int BatchSize, int Rounds, double TrainerImagesPerSecond, double BareImagesPerSecond, double Ratio)
{
    /// <summary>Smallest and largest per-round ratio, to show how noisy the machine was.</summary>
    public (double Min, double Max) RatioRange { get; init; }
}

/// <summary>
/// Compares <see cref="Trainer"/> with the shortest correct TorchSharp loop (index_select batches, forward,
/// cross-entropy, backward, Adam step, a dispose scope per batch) on the same model, data and batch
/// size. One untimed warm-up epoch of each comes first (libtorch's first epoch in a process is slower).
/// Rounds then alternate which loop runs first, and the ratio is taken within each round and its median
/// reported: a background job that slows one round slows both sides of that round's ratio alike.
/// </summary>
public static class TrainerBenchmark
{
    /// <summary>Runs <paramref name="rounds"/> epochs of each over <paramref name="train"/>.</summary>
    public static TrainerBenchmarkResult Run(InMemoryDataset train, string modelName = "cnn-student", int batchSize = 64, int rounds = 3, Action<string>? log = null)
    {
        if (rounds < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(rounds), rounds, "rounds must be at least 1.");
        }
        return Run(round => TimeTrainer(train, modelName, batchSize, round), round => TimeBareLoop(train, modelName, batchSize, round),
            modelName, train.Count, batchSize, rounds, log);
    }

    /// <summary>The schedule and the statistics of <see cref="Run(InMemoryDataset, string, int, int, Action{string}?)"/>,
    /// with each loop's timed epoch given as a function of the round (-1 for the warm-up) returning images/s.</summary>
    internal static TrainerBenchmarkResult Run(Func<int, double> timeTrainer, Func<int, double> timeBare, string modelName, int images, int batchSize, int rounds,
        Action<string>? log)
    {
        timeTrainer(-1);
        timeBare(-1);
        log?.Invoke("warm-up epoch of each done (not timed)");
        var trainerRates = new List<double>();
        var bareRates = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            bool trainerFirst = round % 2 == 0;
            for (int k = 0; k < 2; k++)
            {
                if ((k == 0) == trainerFirst)
                {
                    trainerRates.Add(timeTrainer(round));
                    log?.Invoke($"round {round + 1}: kit trainer {trainerRates[^1]:0} img/s");
                }
                else
                {
                    bareRates.Add(timeBare(round));
                    log?.Invoke($"round {round + 1}: bare loop   {bareRates[^1]:0} img/s");
                }
            }
            log?.Invoke($"round {round + 1}: ratio {trainerRates[^1] / bareRates[^1]:0.00}");
        }
        var ratios = trainerRates.Zip(bareRates, (t, b) => t / b).ToList();
        return new TrainerBenchmarkResult(modelName, images, batchSize, rounds, BenchStatistics.Median(trainerRates), BenchStatistics.Median(bareRates), BenchStatistics.Median(ratios))
        {
            RatioRange = (ratios.Min(), ratios.Max()),
        };
    }

    private static double TimeTrainer(InMemoryDataset train, string modelName, int batchSize, int round)
    {
        using var model = ModelCatalog.Create(modelName, round);
        var trainer = new Trainer(new TrainerOptions { Epochs = 1, BatchSize = batchSize, Seed = round }, TrainingProgress.Silent);
        var history = trainer.Fit(model, train, null, new SupervisedObjective(), "bench");
        return history.Last.ImagesPerSecond;
    }

    internal static double TimeBareLoop(InMemoryDataset train, string modelName, int batchSize, int round)
    {
        using var model = ModelCatalog.Create(modelName, round);
        model.to(train.Device);
        using var optimizer = optim.Adam(model.parameters(), 1e-3);
        model.train();
        long[] order = BatchLoader.EpochOrder(train.Count, shuffle: true, round, 1);
        var clock = Stopwatch.StartNew();
        for (int start = 0; start < order.Length; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var idx = tensor(order.AsSpan(start, Math.Min(batchSize, order.Length - start)).ToArray(), device: train.Device);
            var x = train.Features.index_select(0, idx);
            var y = train.Labels.index_select(0, idx);
            optimizer.zero_grad();
            var loss = functional.cross_entropy(model.forward(x), y);
            loss.backward();
            optimizer.step();
        }
        clock.Stop();
        return train.Count / clock.Elapsed.TotalSeconds;
    }
}
