using System.CommandLine;
using System.Runtime.CompilerServices;

namespace KdLabs.Cli;

/// <summary>
/// One command's options bound to a lab's options record, in one place: each option's default (shown in <c>--help</c>)
/// is read from the record's defaults, and <see cref="Bind"/> writes only the options typed on the command line into a
/// copy of those defaults, so a default is stated once, in the record. Each option names the setting it sets, so an
/// error from the record's <c>Validate()</c> naming that setting is shown as the option typed.
/// </summary>
/// <typeparam name="TOptions">The options record.</typeparam>
internal sealed class OptionBinder<TOptions>
    where TOptions : class
{
    private readonly List<(Option Option, string Setting, Func<TOptions, ParseResult, TOptions> Apply)> bindings = [];

    /// <summary>Starts a binder over <paramref name="defaults"/>.</summary>
    public OptionBinder(TOptions defaults) => Defaults = defaults;

    /// <summary>The record whose values are the options' defaults.</summary>
    public TOptions Defaults { get; }

    /// <summary>Every bound option, in the order added.</summary>
    public IEnumerable<Option> Options => bindings.Select(b => b.Option).Distinct();

    /// <summary>Binds <paramref name="option"/> to a setting of the same type; its default is <paramref name="get"/> of <see cref="Defaults"/>.</summary>
    public Option<T> Add<T>(Option<T> option, string setting, Func<TOptions, T> get, Func<TOptions, T, TOptions> set) =>
        Add(option, setting, get, set, v => v, v => v);

    /// <summary>Binds <paramref name="option"/> to a setting stored in another form (a list typed as text, a name typed for an enum, 0 for none).</summary>
    public Option<TTyped> Add<TTyped, TSetting>(Option<TTyped> option, string setting, Func<TOptions, TSetting> get, Func<TOptions, TSetting, TOptions> set,
        Func<TSetting, TTyped> show, Func<TTyped, TSetting> read)
    {
        option.DefaultValueFactory = _ => show(get(Defaults));
        return Also(option, setting, (o, typed) => set(o, read(typed)));
    }

    /// <summary>Binds an option another binder of the same command declared (and gave its default) to a setting of this record.</summary>
    public Option<T> Also<T>(Option<T> option, string setting, Func<TOptions, T, TOptions> set)
    {
        bindings.Add((option, setting, (o, parse) => parse.GetResult(option) is { Implicit: false } ? set(o, parse.GetValue(option)!) : o));
        return option;
    }

    /// <summary>The option bound to <paramref name="setting"/> (its path, e.g. <c>Lab.Seeds</c>), for another binder to bind with <see cref="Also"/>.</summary>
    public Option<T> Find<T>(string setting) =>
        bindings.Where(b => b.Setting == setting).Select(b => b.Option).OfType<Option<T>>().FirstOrDefault()
        ?? throw new InvalidOperationException($"No option of type {typeof(T).Name} is bound to {setting}.");

    /// <summary>A view that binds options to the settings of a record nested in this one (e.g. <c>Lab</c>, <c>Distillation</c>).</summary>
    public Section<TInner> Nested<TInner>(string name, Func<TOptions, TInner> get, Func<TOptions, TInner, TOptions> set) => new(this, name, get, set);

    /// <summary>Adds every bound option to <paramref name="command"/> and records which setting each one sets, for error messages.</summary>
    public Command AddTo(Command command)
    {
        foreach (var option in Options.Where(o => !command.Options.Contains(o)))
        {
            command.Options.Add(option);
        }
        var settings = OptionSettings.Of(command);
        foreach (var (option, setting, _) in bindings)
        {
            settings.TryAdd(setting, option);
            settings.TryAdd(setting[(setting.LastIndexOf('.') + 1)..], option);
        }
        return command;
    }

    /// <summary>The defaults with every typed option applied.</summary>
    public TOptions Bind(ParseResult parse) => bindings.Aggregate(Defaults, (options, b) => b.Apply(options, parse));

    /// <summary>
    /// The typed options whose value <paramref name="effective"/> (the options smoke mode shrank) replaces, each as
    /// "--epochs 10 (runs as 1)", so smoke mode never silently drops what the user typed.
    /// </summary>
    public IEnumerable<string> Overridden(ParseResult parse, TOptions typed, TOptions effective)
    {
        var seen = new HashSet<Option>();
        foreach (var (option, setting, _) in bindings)
        {
            if (parse.GetResult(option) is not { Implicit: false } result || !seen.Add(option))
            {
                continue;
            }
            object? before = Read(typed, setting), after = Read(effective, setting);
            if (System.Text.Json.JsonSerializer.Serialize(before) != System.Text.Json.JsonSerializer.Serialize(after))
            {
                yield return $"{option.Name} {string.Join(' ', result.Tokens.Select(t => t.Value))} (runs as {Show(after)})";
            }
        }
    }

    private static object? Read(object? record, string path) =>
        path.Split('.').Aggregate(record, (o, name) => o?.GetType().GetProperty(name)?.GetValue(o));

    private static string Show(object? value) => value switch
    {
        null => "the default",
        string text => text,
        System.Collections.IEnumerable list => string.Join(",", list.Cast<object>().Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture))),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>The options typed on the command line among <paramref name="candidates"/>.</summary>
    public static IEnumerable<Option> Typed(ParseResult parse, IEnumerable<Option> candidates) => candidates.Where(o => parse.GetResult(o) is { Implicit: false });

    /// <summary>Binds options to the settings of a record nested in <typeparamref name="TOptions"/>.</summary>
    internal readonly struct Section<TInner>(OptionBinder<TOptions> binder, string name, Func<TOptions, TInner> get, Func<TOptions, TInner, TOptions> set)
    {
        /// <summary>The inner record's values in the binder's defaults.</summary>
        public TInner Defaults => get(binder.Defaults);

        /// <inheritdoc cref="OptionBinder{TOptions}.Add{T}(Option{T}, string, Func{TOptions, T}, Func{TOptions, T, TOptions})"/>
        public Option<T> Add<T>(Option<T> option, string setting, Func<TInner, T> getInner, Func<TInner, T, TInner> setInner) =>
            Add(option, setting, getInner, setInner, v => v, v => v);

        /// <inheritdoc cref="OptionBinder{TOptions}.Add{TTyped, TSetting}"/>
        public Option<TTyped> Add<TTyped, TSetting>(Option<TTyped> option, string setting, Func<TInner, TSetting> getInner, Func<TInner, TSetting, TInner> setInner,
            Func<TSetting, TTyped> show, Func<TTyped, TSetting> read)
        {
            var (outerGet, outerSet) = (get, set);
            return binder.Add(option, $"{name}.{setting}", o => getInner(outerGet(o)), (o, v) => outerSet(o, setInner(outerGet(o), v)), show, read);
        }

        /// <inheritdoc cref="OptionBinder{TOptions}.Also{T}"/>
        public Option<T> Also<T>(Option<T> option, string setting, Func<TInner, T, TInner> setInner)
        {
            var (outerGet, outerSet) = (get, set);
            return binder.Also(option, $"{name}.{setting}", (o, v) => outerSet(o, setInner(outerGet(o), v)));
        }
    }
}

/// <summary>Which option of a command sets which setting, as its binders declared: how an error naming a setting is shown as the option typed.</summary>
internal static class OptionSettings
{
    private static readonly ConditionalWeakTable<Command, Dictionary<string, Option>> ByCommand = [];

    /// <summary>The (setting → option) table of <paramref name="command"/>, created empty when new.</summary>
    public static Dictionary<string, Option> Of(Command command) => ByCommand.GetOrCreateValue(command);

    /// <summary>The option of <paramref name="command"/> that sets <paramref name="setting"/> (a property name or path, case-insensitive), if a binder declared one.</summary>
    public static Option? OptionFor(Command command, string setting) =>
        ByCommand.TryGetValue(command, out var settings)
            ? settings.FirstOrDefault(kv => kv.Key.Equals(setting, StringComparison.OrdinalIgnoreCase)).Value
            : null;
}
