namespace KdLabs.Experiments;

/// <summary>A zoo method's command-line key, display name, what knowledge it transfers, and its paper.</summary>
public sealed record ZooMethodInfo(ZooMethod Method, string Key, string Title, string Knowledge, string Paper)
{
    /// <summary>Every method, in the order tables list them.</summary>
    public static IReadOnlyList<ZooMethodInfo> All { get; } =
    [
        new(ZooMethod.NoKd, "none", "no KD (labels only)", "—", "—"),
        new(ZooMethod.Kd, "kd", "KD (Hinton)", "softened logits", "Hinton, Vinyals & Dean 2015"),
        new(ZooMethod.FitNets, "fitnets", "FitNets (hint → KD)", "an intermediate feature map", "Romero et al. 2015"),
        new(ZooMethod.AttentionTransfer, "at", "attention transfer", "spatial attention maps", "Zagoruyko & Komodakis 2017"),
        new(ZooMethod.Fsp, "fsp", "FSP (flow → labels)", "the flow between two layers", "Yim et al. 2017"),
        new(ZooMethod.MultiTeacherAverage, "mt-avg", "multi-teacher, averaged", "an ensemble's averaged soft labels", "Hinton et al. 2015; Fukuda et al. 2017"),
        new(ZooMethod.MultiTeacherRandom, "mt-random", "multi-teacher, random per batch", "one ensemble member per batch", "Fukuda et al. 2017"),
        new(ZooMethod.MutualLearning, "dml", "deep mutual learning", "peers' predictions (no teacher)", "Zhang et al. 2018"),
        new(ZooMethod.Dkd, "dkd", "DKD", "target and non-target logits, reweighted", "Zhao et al. 2022"),
    ];

    /// <summary>The method of <paramref name="method"/>.</summary>
    public static ZooMethodInfo Of(ZooMethod method) => All.First(m => m.Method == method);

    /// <summary>Parses a comma-separated list of keys ("kd,at,dkd"); "all" is every method.</summary>
    public static IReadOnlyList<ZooMethod> ParseList(string text)
    {
        if (text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            return All.Select(m => m.Method).ToList();
        }
        var methods = new List<ZooMethod>();
        foreach (var key in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var info = All.FirstOrDefault(m => m.Key.Equals(key, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"Unknown method '{key}' in --methods. Known: {string.Join(", ", All.Select(m => m.Key))}, or all.");
            if (!methods.Contains(info.Method))
            {
                methods.Add(info.Method);
            }
        }
        return methods.Count > 0 ? methods : throw new ArgumentException("--methods lists no method; give e.g. none,kd,at or all.");
    }
}
