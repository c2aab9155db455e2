using System.Runtime.CompilerServices;
using KdLabs.Notebooks.Format;
using KdLabs.Notebooks.Formatting;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using KitFormatContext = KdLabs.Notebooks.Formatting.FormatContext;

namespace KdLabs.Interactive;

/// <summary>
/// The kit's MIME bundle for a value the kernel displays, formatted afresh for every display request and with one
/// format context per submission (cell execution).
/// </summary>
/// <remarks>
/// <para>
/// .NET Interactive asks a formatter for one MIME type at a time, so one display request calls the kit's formatter
/// once per MIME type. Those calls share one bundle, so that the chart whose text/html carries plotly.js is the chart
/// that is shown. A later request formats the value again: a list after <c>Add</c> or a tensor after <c>add_</c> shows
/// its new content. A new request begins with the type's first preferred MIME type, with a MIME type the previous
/// bundle already answered, with another object, or in another submission. The one case this cannot see is a value
/// shown with explicit, different MIME types in one cell and mutated in between
/// (<c>display(t, "text/plain"); t.add_(1); display(t, "text/html")</c>): the second shows the first's content.
/// </para>
/// <para>
/// plotly.js (about 3.5 MB) is inlined with the first chart of each submission, not once per kernel process: the
/// kernel cannot know whether an earlier output that carried it is still in the notebook (the cell may have been re-run
/// or its output cleared), and a saved notebook whose charts rely on a vanished output shows them blank when reopened
/// or converted with nbconvert. So every cell's outputs draw on their own, offline, at the cost of one copy of
/// plotly.js per cell that shows charts (the kit's own runner, which writes the whole notebook, inlines it once).
/// </para>
/// </remarks>
internal static class DisplayBundles
{
    private static readonly FormatterRegistry Registry = FormatterRegistry.CreateDefault();

    // Keyed by the submission's root command, which the kernel drops once the cell has run.
    private static readonly ConditionalWeakTable<KernelCommand, KitFormatContext> Submissions = new();

    // Formatting outside any submission (no kernel invocation context) cannot reach a notebook's outputs.
    private static readonly KitFormatContext NoSubmission = new();

    // The MIME types of one request are asked one after another on one thread.
    [ThreadStatic]
    private static Request? _last;

    /// <summary>
    /// The bundle that answers <paramref name="mimeType"/> for <paramref name="value"/>; <paramref name="startsRequest"/>
    /// when it is the first MIME type the kernel asks for this value's type, which always begins a new display request.
    /// </summary>
    public static MimeBundle For(object value, string mimeType, bool startsRequest)
    {
        var context = CurrentSubmissionContext();
        if (!startsRequest && _last is { } last && ReferenceEquals(last.Context, context)
            && last.Value.TryGetTarget(out var previous) && ReferenceEquals(previous, value) && last.Taken.Add(mimeType))
        {
            return last.Bundle;
        }

        var bundle = Registry.Format(value, context);
        _last = new Request(new WeakReference<object>(value), context, bundle, new HashSet<string>(StringComparer.Ordinal) { mimeType });
        return bundle;
    }

    private static KitFormatContext CurrentSubmissionContext()
    {
        if (KernelInvocationContext.Current?.Command is not { } command)
        {
            return NoSubmission;
        }

        while (command.Parent is { } parent)
        {
            command = parent;
        }

        return Submissions.GetValue(command, _ => new KitFormatContext());
    }

    private sealed record Request(WeakReference<object> Value, KitFormatContext Context, MimeBundle Bundle, HashSet<string> Taken);
}
