using KdLabs.Datasets;
using KdLabs.Training;

namespace KdLabs.Experiments;

/// <summary>Everything one run of the chest X-ray lab produced.</summary>
public sealed record ChestXrayResult(
    ChestXrayOptions Options,
    bool Synthetic,
    string DataRoot,
    string DataSummary,
    string Machine,
    double WallSeconds,
    string TeacherSha256,
    IReadOnlyList<ChestXrayModelResult> Rows,
    IReadOnlyList<ChestXraySeedSummary> Summaries,
    IReadOnlyList<SoftTargetRow> SoftTargets,
    IReadOnlyList<TrainingHistory> Histories,
    LatencyComparison Latency,
    ImageLoadTiming Loading)
{
    /// <summary>"SYNTHETIC STAND-IN" or "Kaggle chest X-ray": every title and table carries it.</summary>
    public string DataLabel => Synthetic ? "SYNTHETIC STAND-IN (not medical data)" : "chest X-ray (Kermany et al. 2018)";

    /// <summary>The split every row reports on: <see cref="DatasetSplit.Test"/>, or <see cref="DatasetSplit.Validation"/> with <see cref="ChestXrayOptions.Validation"/>.</summary>
    public DatasetSplit EvaluationSplit => EvaluationSplitOf(Options);

    /// <summary>"test" or "validation", for labels: <see cref="EvaluationSplit"/> in words.</summary>
    public string EvaluationName => NameOf(EvaluationSplit);

    /// <summary>The split a run with <paramref name="options"/> reports on.</summary>
    public static DatasetSplit EvaluationSplitOf(ChestXrayOptions options) => options.Validation ? DatasetSplit.Validation : DatasetSplit.Test;

    /// <summary>A split's name for labels: "train", "test" or "validation".</summary>
    public static string NameOf(DatasetSplit split) => split.ToString().ToLowerInvariant();

    /// <summary>The teacher's row.</summary>
    public ChestXrayModelResult Teacher => Rows[0];

    /// <summary>The first seed's row of each student variant, in variant order.</summary>
    public IEnumerable<ChestXrayModelResult> FirstSeedStudents => Rows.Skip(1).Where(r => r.Seed == Options.Lab.FirstSeed);
}
