namespace KdLabs.Methods;

/// <summary>
/// A list of distillation methods looked up by key or alias, case-insensitively. <see cref="DistillationMethods"/> holds
/// the kit's; <see cref="With"/> gives a new registry with more (a test's or a notebook's own methods) without changing it.
/// </summary>
public sealed class MethodRegistry
{
    /// <summary>A registry of <paramref name="methods"/>, in the order tables list them; keys and aliases must be unique.</summary>
    public MethodRegistry(IEnumerable<IDistillationMethod> methods)
    {
        All = methods.ToList();
        var twice = All.SelectMany(m => m.Aliases.Prepend(m.Key)).GroupBy(k => k, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
        {
            throw new ArgumentException($"Two methods are registered as '{twice.Key}'; each key and alias names one method.", nameof(methods));
        }
    }

    /// <summary>Every method with its default settings.</summary>
    public IReadOnlyList<IDistillationMethod> All { get; }

    /// <summary>The valid keys, comma-separated, for error messages and help.</summary>
    public string KeyList => string.Join(", ", All.Select(m => m.Key));

    /// <summary>This registry's methods followed by <paramref name="extra"/>, as a new registry.</summary>
    public MethodRegistry With(params IDistillationMethod[] extra) => new(All.Concat(extra));

    /// <summary>The method of <paramref name="key"/> (or one of its aliases), or null.</summary>
    public IDistillationMethod? Find(string key) =>
        All.FirstOrDefault(m => m.Key.Equals(key.Trim(), StringComparison.OrdinalIgnoreCase) || m.Aliases.Any(a => a.Equals(key.Trim(), StringComparison.OrdinalIgnoreCase)));

    /// <summary>The method of <paramref name="key"/>; throws naming the valid keys when there is none.</summary>
    public IDistillationMethod Get(string key) =>
        Find(key) ?? throw new ArgumentException($"Unknown distillation method '{key}'. Valid keys: {KeyList} (kdlabs methods lists them).", nameof(key));

    /// <summary>The method of <paramref name="key"/> as its class, e.g. <c>Get&lt;KdMethod&gt;("kd")</c>; throws when it is another.</summary>
    public T Get<T>(string key) where T : IDistillationMethod => Get(key) is T method ? method
        : throw new ArgumentException($"Method '{key}' is a {Get(key).GetType().Name}, not a {typeof(T).Name}.", nameof(key));

    /// <summary>The logit method of <paramref name="key"/>; throws when it is unknown or needs more than a teacher's logits.</summary>
    public ILogitMethod GetLogit(string key) => Get(key) as ILogitMethod
        ?? throw new ArgumentException($"Method '{key}' needs more than one teacher's logits; give one of: {string.Join(", ", All.OfType<ILogitMethod>().Select(m => m.Key))}.", nameof(key));
}
