namespace KdLabs.Bench;

/// <summary>One round of the suite: when it ran, how loaded the machine was, and whether it counts as noisy.</summary>
/// <param name="Index">1-based round number.</param>
/// <param name="LoadBefore">1-minute load average when the round started.</param>
/// <param name="LoadAfter">1-minute load average when it ended.</param>
/// <param name="Seconds">Wall time of the round.</param>
/// <param name="Noisy">True when either load average exceeded the core count: other jobs shared the cores.</param>
public sealed record BenchRound(int Index, double LoadBefore, double LoadAfter, double Seconds, bool Noisy);

/// <summary>One ratio of the suite: numerator ÷ denominator measured within each round, and its median and spread.</summary>
/// <param name="Name">Short identifier, e.g. "trainer/bare teacher".</param>
/// <param name="Question">What the ratio answers, in words.</param>
/// <param name="Numerator">Measurement key on top (see <see cref="BenchSuiteResult.Samples"/>).</param>
/// <param name="Denominator">Measurement key below.</param>
/// <param name="PerRound">The ratio in each round, in round order (NaN when a side was not measured).</param>
/// <param name="Median">Median of the per-round ratios over all rounds.</param>
/// <param name="QuietMedian">Median over the rounds not flagged noisy, or null when every round was noisy.</param>
/// <param name="Min">Smallest per-round ratio.</param>
/// <param name="Max">Largest per-round ratio.</param>
/// <param name="Target">The goal (ratio at least this), or null for rows that only inform.</param>
public sealed record BenchRatio(string Name, string Question, string Numerator, string Denominator, IReadOnlyList<double> PerRound,
    double Median, double? QuietMedian, double Min, double Max, double? Target)
{
    /// <summary>True/false against <see cref="Target"/> (judged on the median over all rounds); null without a target.</summary>
    public bool? Met => Target is { } t ? Median >= t : null;
}

/// <summary>Everything one <c>kdlabs bench</c> run measured, as written to <c>suite-*.json</c> in <see cref="BenchReport.ResultsFolder"/>.</summary>
/// <param name="StartedUtc">When the run started (UTC, ISO 8601).</param>
/// <param name="Machine">OS, cores, CPU model, .NET and TorchSharp versions.</param>
/// <param name="Settings">Images, rounds, batch size, threads, allocator settings in force, PyTorch version.</param>
/// <param name="Rounds">Each timed round with its load.</param>
/// <param name="Samples">Every measurement's per-round values (images/s, GFLOP/s or elements/s; see the key's unit).</param>
/// <param name="Ratios">The suite's answers.</param>
/// <param name="Facts">Checks that are not speeds, e.g. whether logits are bit-identical across batch sizes.</param>
public sealed record BenchSuiteResult(string StartedUtc, string Machine, IReadOnlyDictionary<string, string> Settings,
    IReadOnlyList<BenchRound> Rounds, IReadOnlyDictionary<string, IReadOnlyList<double>> Samples, IReadOnlyList<BenchRatio> Ratios,
    IReadOnlyDictionary<string, string> Facts)
{
    /// <summary>The teacher's forward pass layer by layer at batch 1 and batch 64 (<see cref="BatchOneProfile"/>), measured once after the rounds; null when batch 1 was not measured.</summary>
    public IReadOnlyList<LayerTiming>? BatchOneLayers { get; init; }
}
