namespace KdLabs.Methods;

/// <summary>
/// The registry: every distillation method of the kit, one line each, in the order tables list them. Labs and the
/// CLI look methods up here by key (or alias), case-insensitively; <see cref="Kd"/> is Hinton KD for the labs that
/// distil with it outside the zoo.
/// </summary>
public static class DistillationMethods
{
    /// <summary>The kit's methods as a registry; <c>Registry.With(myMethod)</c> adds to a copy.</summary>
    public static MethodRegistry Registry { get; } = new(
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
    ]);

    /// <summary>Every registered method with its default settings.</summary>
    public static IReadOnlyList<IDistillationMethod> All => Registry.All;

    /// <summary>Hinton KD with its default settings; <c>Kd.With(options)</c> for a lab's α and T.</summary>
    public static KdMethod Kd => Registry.Get<KdMethod>("kd");

    /// <summary>The valid keys, comma-separated, for error messages and help.</summary>
    public static string KeyList => Registry.KeyList;

    /// <summary>The method of <paramref name="key"/> (or one of its aliases), or null.</summary>
    public static IDistillationMethod? Find(string key) => Registry.Find(key);

    /// <summary>The method of <paramref name="key"/>; throws naming the valid keys when there is none.</summary>
    public static IDistillationMethod Get(string key) => Registry.Get(key);

    /// <summary>The method of <paramref name="key"/> as its class, e.g. <c>Get&lt;KdMethod&gt;("kd")</c>; throws when it is another.</summary>
    public static T Get<T>(string key) where T : IDistillationMethod => Registry.Get<T>(key);

    /// <summary>The logit method of <paramref name="key"/>; throws when it is unknown or needs more than a teacher's logits.</summary>
    public static ILogitMethod GetLogit(string key) => Registry.GetLogit(key);
}
