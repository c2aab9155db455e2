using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using KdLabs.Experiments;
using KdLabs.Infrastructure;

namespace KdLabs.Tests;

/// <summary>
/// The library's public API is what a learner meets: a top-level type is public only when a lesson, the CLI, the Studio,
/// the kernel, the runner or the Interactive extension names it, or when a public member of such a type exposes it.
/// Everything else is internal (tests and tools/KdLabs.Bench see it through InternalsVisibleTo).
/// </summary>
public class PublicApiTests
{
    private static string Root => KdLabsPaths.RepositoryRoot!;

    private static string ConsumerText()
    {
        var parts = new List<string>();
        string library = Path.Combine(Root, "src", "KdLabs") + Path.DirectorySeparatorChar;
        foreach (string file in Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            string sep = Path.DirectorySeparatorChar.ToString();
            if (!file.StartsWith(library, StringComparison.Ordinal) && !file.Contains($"{sep}bin{sep}", StringComparison.Ordinal) && !file.Contains($"{sep}obj{sep}", StringComparison.Ordinal))
            {
                parts.Add(File.ReadAllText(file));
            }
        }
        foreach (string notebook in Directory.EnumerateFiles(Path.Combine(Root, "notebooks"), "*.ipynb"))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(notebook));
            parts.AddRange(doc.RootElement.GetProperty("cells").EnumerateArray()
                .Where(c => c.GetProperty("cell_type").GetString() == "code")
                .Select(c => string.Concat(c.GetProperty("source").EnumerateArray().Select(s => s.GetString()))));
        }
        return string.Join("\n", parts);
    }

    /// <summary>The types a public member, base type or interface of <paramref name="type"/> exposes, generic arguments included.</summary>
    internal static IEnumerable<Type> Exposed(Type type)
    {
        const BindingFlags visible = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var direct = new List<Type?> { type.BaseType };
        direct.AddRange(type.GetInterfaces());
        foreach (var member in type.GetMembers(visible).Concat(type.GetNestedTypes(BindingFlags.Public).SelectMany(n => n.GetMembers(visible))))
        {
            switch (member)
            {
                case MethodBase method when !method.IsSpecialName || method is ConstructorInfo:
                    direct.AddRange(method.GetParameters().Select(p => p.ParameterType));
                    if (method is MethodInfo m) direct.Add(m.ReturnType);
                    break;
                case PropertyInfo property: direct.Add(property.PropertyType); break;
                case FieldInfo field: direct.Add(field.FieldType); break;
                case EventInfo e: direct.Add(e.EventHandlerType); break;
            }
        }
        return direct.OfType<Type>().SelectMany(Flatten);

        static IEnumerable<Type> Flatten(Type t)
        {
            if (t.HasElementType) return Flatten(t.GetElementType()!);
            return t.IsGenericType ? new[] { t.GetGenericTypeDefinition() }.Concat(t.GetGenericArguments().SelectMany(Flatten)) : [t];
        }
    }

    [Fact]
    public void EveryPublicTypeIsOneALessonTheCliTheStudioOrTheKernelUses()
    {
        var assembly = typeof(LabSettings).Assembly;
        var exported = assembly.GetExportedTypes().Where(t => !t.IsNested).ToHashSet();
        string consumers = ConsumerText();
        var reached = exported.Where(t => Regex.IsMatch(consumers, $@"\b{Regex.Escape(t.Name.Split('`')[0])}\b")).ToHashSet();
        // A class of extension methods is used without its name: `chart.Titled(...)`.
        reached.UnionWith(exported.Where(t => t.IsAbstract && t.IsSealed && t.GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Any(m => m.IsDefined(typeof(System.Runtime.CompilerServices.ExtensionAttribute)) && consumers.Contains($".{m.Name}(", StringComparison.Ordinal))));
        var queue = new Queue<Type>(reached);
        while (queue.TryDequeue(out var type))
        {
            foreach (var exposed in Exposed(type).Select(t => t.IsNested ? t.DeclaringType! : t).Where(t => t.Assembly == assembly && exported.Contains(t)))
            {
                if (reached.Add(exposed)) queue.Enqueue(exposed);
            }
        }
        var unused = exported.Except(reached).Select(t => t.FullName).Order(StringComparer.Ordinal).ToList();
        Assert.True(unused.Count == 0, "Public library types nothing outside the library uses; make them internal:\n" + string.Join("\n", unused));
    }

    [Fact]
    public void AnInternalTypeIsNotReachedAndAPublicOnesSignatureIs()
    {
        // The walk must follow signatures (LabSettings exposes ComputeDevice-free strings; LabBase exposes ComputeDevice).
        Assert.Contains(typeof(ComputeDevice), Exposed(typeof(LabBase<,>)));
        Assert.DoesNotContain(typeof(string), Exposed(typeof(LabSettings)).Where(t => t.Assembly == typeof(LabSettings).Assembly));
    }
}
