using KdLabs.Losses;

namespace KdLabs.Experiments;

/// <summary>How one student of the chest X-ray lab is trained: on hard labels only (<see cref="Loss"/> null) or with a KD loss.</summary>
public sealed record StudentVariant(string Name, KdLoss? Loss)
{
    /// <summary>The baseline: cross-entropy on the labels.</summary>
    public static StudentVariant NoDistillation { get; } = new("student (no KD)", null);

    /// <summary>The walk-through's convention: <paramref name="weight"/> on the distillation term (see <see cref="KdLoss.WithDistillationWeight"/>).</summary>
    public static StudentVariant WalkThrough(double weight, double temperature) =>
        new($"student (KD w={weight:0.##}, T={temperature:0.##})", KdLoss.WithDistillationWeight(weight, temperature));

    /// <summary>The kit's convention: α on the hard-label term.</summary>
    public static StudentVariant General(double alpha, double temperature) =>
        new($"student (KD α={alpha:0.##}, T={temperature:0.##})", new KdLoss(alpha, temperature));

    /// <summary>A folder-safe name.</summary>
    public string Slug => new string(Name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c == '.' ? c : '-').ToArray())
        .Replace("α", "a").Trim('-').Replace("--", "-");
}
