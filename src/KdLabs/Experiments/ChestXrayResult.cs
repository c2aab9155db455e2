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

    /// <summary>The teacher's row.</summary>
    public ChestXrayModelResult Teacher => Rows[0];

    /// <summary>The first seed's row of each student variant, in variant order.</summary>
    public IEnumerable<ChestXrayModelResult> FirstSeedStudents => Rows.Skip(1).Where(r => r.Seed == Options.Lab.FirstSeed);
}
