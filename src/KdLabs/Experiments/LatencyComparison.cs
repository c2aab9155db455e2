namespace KdLabs.Experiments;

/// <summary>CPU latency (median ms per image, batch 1) of teacher and student, at the run's size and at 224 px.</summary>
public sealed record LatencyComparison(int ImageSize, double TeacherMs, double StudentMs, double TeacherMs224, double StudentMs224)
{
    /// <summary>Teacher ÷ student at the run's size.</summary>
    public double Speedup => TeacherMs / StudentMs;

    /// <summary>Teacher ÷ student at 224 px (NaN when not measured).</summary>
    public double Speedup224 => TeacherMs224 / StudentMs224;
}
