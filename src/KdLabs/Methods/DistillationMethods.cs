namespace KdLabs.Methods;

/// <summary>
/// The registry: every distillation method of the kit, one line each, in the order tables list them. Labs and the
/// CLI look methods up here by key (or alias), case-insensitively.
/// </summary>
public static class DistillationMethods
{
    /// <summary>Every registered method with its default settings.</summary>
    public static IReadOnlyList<IDistillationMethod> All { get; } =
    [
        new NoKdMethod(),
        new KdMethod(),
        new FitNetsMethod(),
        new AttentionTransferMethod(),
        new FspMethod(),
        new MultiTeacherMethod(MultiTeacherMode.Average),
        new MultiTeacherMethod(MultiTeacherMode.RandomPerBatch),
        new MutualLearningMethod(),
        new DkdMethod(),
        new SoftLabelMethod(),
        new SoftTreeMethod(),
        new LogitStandardizationMethod(),
    ];

    /// <summary>The valid keys, comma-separated, for error messages and help.</summary>
    public static string KeyList => string.Join(", ", All.Select(m => m.Key));

    /// <summary>The method of <paramref name="key"/> (or one of its aliases), or null.</summary>
    public static IDistillationMethod? Find(string key) =>
        All.FirstOrDefault(m => m.Key.Equals(key.Trim(), StringComparison.OrdinalIgnoreCase) || m.Aliases.Any(a => a.Equals(key.Trim(), StringComparison.OrdinalIgnoreCase)));

    /// <summary>The method of <paramref name="key"/>; throws naming the valid keys when there is none.</summary>
    public static IDistillationMethod Get(string key) =>
        Find(key) ?? throw new ArgumentException($"Unknown distillation method '{key}'. Valid keys: {KeyList} (kdlabs methods lists them).", nameof(key));

    /// <summary>The logit method of <paramref name="key"/>; throws when it is unknown or needs more than a teacher's logits.</summary>
    public static ILogitMethod GetLogit(string key) => Get(key) as ILogitMethod
        ?? throw new ArgumentException($"Method '{key}' needs more than one teacher's logits; give one of: {string.Join(", ", All.OfType<ILogitMethod>().Select(m => m.Key))}.", nameof(key));
}
