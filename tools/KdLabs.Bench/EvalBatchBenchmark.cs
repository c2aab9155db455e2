using System.Diagnostics;
using KdLabs.Data;
using KdLabs.Evaluation;
using KdLabs.Models;

namespace KdLabs.Bench;

/// <summary>Inference throughput of one batch size: the median over the timed rounds and every round's value.</summary>
/// <param name="BatchSize">Images per forward pass.</param>
/// <param name="MedianImagesPerSecond">Median over the timed rounds.</param>
/// <param name="Rounds">Each timed round's throughput, in order.</param>
public sealed record EvalBatchTiming(int BatchSize, double MedianImagesPerSecond, IReadOnlyList<double> Rounds);

/// <summary>
/// How fast a model runs over a data set (eval mode, no gradients, <see cref="Predictor.Logits"/>) as a function of the
/// batch size. Rounds cycle through every batch size; the first round is a warm-up (libtorch prepares its kernels for
/// each new shape) and is not counted. On this kit's 2-core CPU it is why evaluation and logit caches use batches of 64.
/// </summary>
public static class EvalBatchBenchmark
{
    /// <summary>Times <paramref name="modelName"/> (weights from seed 1: speed does not depend on training) over <paramref name="data"/>.</summary>
    public static IReadOnlyList<EvalBatchTiming> Run(InMemoryDataset data, string modelName, IReadOnlyList<int> batchSizes, int rounds, Action<string>? log = null)
    {
        if (rounds < 1 || batchSizes.Count == 0 || batchSizes.Any(b => b < 1))
        {
            throw new ArgumentException("Give at least one timed round and batch sizes of at least 1.");
        }
        using var model = ModelCatalog.Create(modelName, 1);
        var timings = batchSizes.ToDictionary(b => b, _ => new List<double>());
        for (int round = 0; round <= rounds; round++)
        {
            foreach (int batchSize in batchSizes)
            {
                var clock = Stopwatch.StartNew();
                using var logits = Predictor.Logits(model, data, batchSize);
                double rate = data.Count / clock.Elapsed.TotalSeconds;
                if (round > 0)
                {
                    timings[batchSize].Add(rate);
                }
            }
            log?.Invoke(round == 0 ? "warm-up round done" : $"round {round}: " + string.Join(", ", batchSizes.Select(b => $"{b}: {timings[b][^1]:0} img/s")));
        }
        return batchSizes.Select(b => new EvalBatchTiming(b, BenchStatistics.Median(timings[b]), timings[b])).ToList();
    }
}
