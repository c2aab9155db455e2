using KdLabs.Losses;
using Plotly.NET;
using static TorchSharp.torch;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace KdLabs.Experiments;

/// <summary>How one teacher output looks at temperature T: entropy (nats), largest probability and the top-1/top-2 ratio.</summary>
public sealed record SofteningRow(double Temperature, double Entropy, double MaxProbability, double Top1OverTop2);

/// <summary>Average probability a teacher gives each class for images of one digit, at temperature T.</summary>
public sealed record ClassResemblance(string ClassName, double Probability);

/// <summary>Gradient norm of the soft term with and without the T² factor at one temperature.</summary>
public sealed record GradientScaleRow(double Temperature, double NormWithT2, double NormWithoutT2);

/// <summary>
/// Lesson 01's analyses of temperature softening (Hinton et al. 2015, §2): how softmax(z/T) flattens
/// with T, the "dark knowledge" in a teacher's wrong-class probabilities, and why the soft loss is
/// multiplied by T².
/// </summary>
public static class TemperatureSofteningLab
{
    /// <summary>Entropy, max probability and top-1/top-2 ratio of softmax(logits/T) for each T.</summary>
    public static IReadOnlyList<SofteningRow> Softening(float[] logits, IEnumerable<double> temperatures)
    {
        using var z = tensor(logits);
        return temperatures.Select(t =>
        {
            var p = SoftTargets.Probabilities(z, t).data<float>().ToArray().Select(v => (double)v).OrderDescending().ToArray();
            double entropy = -p.Where(v => v > 0).Sum(v => v * Math.Log(v));
            return new SofteningRow(t, Math.Round(entropy, 4), Math.Round(p[0], 4), Math.Round(p[0] / p[1], 2));
        }).ToList();
    }

    /// <summary>softmax(logits/T) for each T, as one line per temperature over the classes.</summary>
    public static GenericChart SoftTargetChart(float[] logits, IReadOnlyList<string> classNames, IEnumerable<double> temperatures)
    {
        using var z = tensor(logits);
        var lines = temperatures.Select(t => CSharpChart.Line<string, double, string>(
            x: classNames, y: SoftTargets.Probabilities(z, t).data<float>().ToArray().Select(v => (double)v), Name: $"T = {t}", ShowMarkers: true));
        return Plots.ChartStyle.Titled(CSharpChart.Combine(lines), "Teacher's soft targets for one image", "Class (digit)", "Probability (0 to 1)", 700, 420);
    }

    /// <summary>
    /// Mean teacher probability per class over the test images whose label is <paramref name="digit"/>,
    /// at temperature T, excluding the true class: which digits the teacher thinks this digit resembles.
    /// </summary>
    public static IReadOnlyList<ClassResemblance> Resemblance(Tensor teacherLogits, long[] labels, int digit, double temperature, IReadOnlyList<string> classNames)
    {
        var rows = labels.Select((y, i) => (y, i)).Where(p => p.y == digit).Select(p => (long)p.i).ToArray();
        if (rows.Length == 0)
        {
            throw new ArgumentException($"No test image has label {digit}.");
        }
        using var scope = NewDisposeScope();
        var mean = SoftTargets.Probabilities(teacherLogits.index_select(0, tensor(rows, device: teacherLogits.device)), temperature).mean([0L]).cpu().data<float>().ToArray();
        return mean.Select((p, c) => new ClassResemblance(classNames[c], Math.Round(p, 4))).Where((_, c) => c != digit).OrderByDescending(r => r.Probability).ToList();
    }

    /// <summary>
    /// Norm of the gradient of the soft term with respect to the student logits, with and without T²,
    /// for fixed student and teacher logits: without T² it shrinks like 1/T², with it it stays level.
    /// </summary>
    public static IReadOnlyList<GradientScaleRow> GradientScale(Tensor studentLogits, Tensor teacherLogits, IEnumerable<double> temperatures) =>
        temperatures.Select(t =>
        {
            using var scope = NewDisposeScope();
            var s = studentLogits.detach().clone().requires_grad_(true);
            var kl = KlDivergence.FromLogits(teacherLogits, s, t);
            kl.backward();
            double without = s.grad!.norm().item<float>();
            return new GradientScaleRow(t, Math.Round(without * t * t, 5), Math.Round(without, 6));
        }).ToList();
}
