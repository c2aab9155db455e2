using System.Diagnostics;
using KdLabs.Data;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Experiments;

/// <summary>Throughputs of the kit's trainer and of a bare TorchSharp loop, measured in one run.</summary>
public sealed record TrainerBenchmarkResult(string Model, int Images, int BatchSize, int Rounds, double TrainerImagesPerSecond, double BareImagesPerSecond)
{
    /// <summary>Trainer throughput over bare-loop throughput (1.0 = no overhead).</summary>
    public double Ratio => TrainerImagesPerSecond / BareImagesPerSecond;
}

/// <summary>
/// Compares <see cref="Trainer"/> with the shortest correct TorchSharp loop (index_select batches, forward,
/// cross-entropy, backward, Adam step, a dispose scope per batch) on the same model, data and batch
/// size. Rounds alternate which runs first, and the median epoch throughput of each is reported, so
/// warm-up and machine noise fall on both sides alike.
/// </summary>
public static class TrainerBenchmark
{
    /// <summary>Runs <paramref name="rounds"/> epochs of each over <paramref name="train"/>.</summary>
    public static TrainerBenchmarkResult Run(InMemoryDataset train, string modelName = "cnn-student", int batchSize = 64, int rounds = 3, Action<string>? log = null)
    {
        var trainerRates = new List<double>();
        var bareRates = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            bool trainerFirst = round % 2 == 0;
            for (int k = 0; k < 2; k++)
            {
                if ((k == 0) == trainerFirst)
                {
                    trainerRates.Add(TimeTrainer(train, modelName, batchSize, round));
                    log?.Invoke($"round {round + 1}: kit trainer {trainerRates[^1]:0} img/s");
                }
                else
                {
                    bareRates.Add(TimeBareLoop(train, modelName, batchSize, round));
                    log?.Invoke($"round {round + 1}: bare loop   {bareRates[^1]:0} img/s");
                }
            }
        }
        return new TrainerBenchmarkResult(modelName, train.Count, batchSize, rounds, Median(trainerRates), Median(bareRates));
    }

    private static double TimeTrainer(InMemoryDataset train, string modelName, int batchSize, int round)
    {
        using var model = ModelCatalog.Create(modelName, round);
        var trainer = new Trainer(new TrainerOptions { Epochs = 1, BatchSize = batchSize, Seed = round }, TrainingProgress.Silent);
        var history = trainer.Fit(model, train, null, new SupervisedObjective(), "bench");
        return history.Last.ImagesPerSecond;
    }

    private static double TimeBareLoop(InMemoryDataset train, string modelName, int batchSize, int round)
    {
        using var model = ModelCatalog.Create(modelName, round);
        using var optimizer = optim.Adam(model.parameters(), 1e-3);
        model.train();
        long[] order = BatchLoader.EpochOrder(train.Count, shuffle: true, round, 1);
        var clock = Stopwatch.StartNew();
        for (int start = 0; start < order.Length; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var idx = tensor(order.AsSpan(start, Math.Min(batchSize, order.Length - start)).ToArray());
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

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
