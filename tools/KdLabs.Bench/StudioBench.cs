using KdLabs.Studio;

namespace KdLabs.Bench;

/// <summary>Median seconds from submission to a run's first streamed point, its first test accuracy and its end, with the per-round values.</summary>
public sealed record StudioTiming(int TrainSize, double FirstPoint, double FirstAccuracy, double Total,
    IReadOnlyList<double> FirstPoints, IReadOnlyList<double> FirstAccuracies, IReadOnlyList<double> Totals);

/// <summary>Measures the studio's feedback times through the real scheduler (fresh seeds, so nothing comes from the cache).</summary>
public static class StudioBench
{
    /// <summary>Runs <paramref name="rounds"/> one-epoch Hinton-KD students of <paramref name="trainSize"/> images and returns the medians.</summary>
    public static StudioTiming Measure(RunScheduler scheduler, StudioEngine engine, int trainSize, int rounds, int seedBase)
    {
        var first = new List<double>();
        var accuracy = new List<double>();
        var total = new List<double>();
        for (int i = 0; i < rounds; i++)
        {
            var settings = new RunSettings("bench", engine.Lab.Kd.Alpha, engine.Lab.Kd.Temperature, engine.Students[0], 1, trainSize, seedBase + i, "mnist", "hinton");
            var run = scheduler.Submit(settings);
            double? point = null, acc = null;
            int seen = 0;
            while (true)
            {
                var (events, finished, next) = run.ReadFrom(seen);
                foreach (var e in events)
                {
                    double t = run.Clock.Elapsed.TotalSeconds;
                    if (e.Type == "progress")
                    {
                        point ??= t;
                    }
                    else if (e.Type == "epoch")
                    {
                        acc ??= t;
                    }
                    else if (e.Type is "cancelled" or "error")
                    {
                        throw new InvalidOperationException($"bench run ended with {e.Type}: {e.Data.GetRawText()}");
                    }
                }
                seen += events.Count;
                if (finished)
                {
                    break;
                }
                if (events.Count == 0)
                {
                    next.Wait(TimeSpan.FromSeconds(1));
                }
            }
            first.Add(point ?? double.NaN);
            accuracy.Add(acc ?? double.NaN);
            total.Add(run.Clock.Elapsed.TotalSeconds);
        }
        return new StudioTiming(trainSize, BenchStatistics.Median(first), BenchStatistics.Median(accuracy), BenchStatistics.Median(total), first, accuracy, total);
    }
}
