using System.Globalization;
using System.Text.Json;
using KdLabs.Infrastructure;
using SkiaSharp;

namespace KdLabs.Data;

/// <summary>What <see cref="SyntheticChestXray.Generate"/> wrote.</summary>
public sealed record SyntheticChestXraySet(string Root, int Seed, int PixelSize, IReadOnlyDictionary<string, int[]> Counts, bool Reused);

/// <summary>
/// A deterministic, offline <b>synthetic stand-in</b> for the Kaggle chest X-ray set (Kermany et al.
/// 2018), written as real grey JPEG files in the same layout, so the same loader and cache run on it.
/// It is not medical data. Each image has a body outline, two dark lung fields, mediastinum and spine,
/// ribs and clavicles, exposure and contrast changes, low-frequency mottling and sensor noise in both
/// classes; PNEUMONIA adds 1–3 localised opacities (consolidations) of random size, intensity,
/// softness and position inside a lung, some faint. Class shares follow the Kaggle splits (about 26 %
/// NORMAL in train, 37.5 % in test). Image i of a split depends only on (seed, split, i).
/// </summary>
public static class SyntheticChestXray
{
    /// <summary>The marker written last: a set without it is incomplete and is regenerated.</summary>
    public const string ManifestName = "synthetic.json";

    /// <summary>Class folders, as in the Kaggle set.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = ["NORMAL", "PNEUMONIA"];

    /// <summary>The default folder for a set of <paramref name="trainCount"/> training images and a seed (and test/val sizes when not the Kaggle shares).</summary>
    public static string DefaultDirectory(int trainCount, int seed, int? testCount = null, int? valCount = null) =>
        Path.Combine(KdLabsPaths.DataDirectory, "chest_xray_synthetic",
            $"n{trainCount}-seed{seed}{(testCount is { } t ? $"-test{t}" : "")}{(valCount is { } v ? $"-val{v}" : "")}");

    /// <summary>True when <paramref name="root"/> (or its chest_xray sub-folder) carries the synthetic marker.</summary>
    public static bool IsSynthetic(string root) =>
        File.Exists(Path.Combine(root, ManifestName)) || File.Exists(Path.Combine(root, "..", ManifestName));

    /// <summary>
    /// Per-split (NORMAL, PNEUMONIA) counts for <paramref name="trainCount"/> training images, in the Kaggle proportions:
    /// test 624/5216 of train with 37.5 % NORMAL, val 16/5216 of train, half and half. <paramref name="testCount"/> and
    /// <paramref name="valCount"/> override the sizes (a larger test set measures a smaller difference); an overridden
    /// val split takes the test split's class shares, so settings chosen on it are chosen for the test distribution.
    /// </summary>
    public static IReadOnlyDictionary<string, int[]> SplitCounts(int trainCount, int? testCount = null, int? valCount = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trainCount, 20);
        if (testCount is < 20)
        {
            throw new ArgumentOutOfRangeException(nameof(testCount), testCount, "The synthetic test split needs at least 20 images.");
        }
        if (valCount is < 4)
        {
            throw new ArgumentOutOfRangeException(nameof(valCount), valCount, "The synthetic val split needs at least 4 images.");
        }
        int trainNormal = (int)Math.Round(trainCount * 1341.0 / 5216);
        int test = testCount ?? Math.Max(20, (int)Math.Round(trainCount * 624.0 / 5216));
        int testNormal = (int)Math.Round(test * 234.0 / 624);
        int[] val;
        if (valCount is { } v)
        {
            int valNormal = (int)Math.Round(v * 234.0 / 624);
            val = [valNormal, v - valNormal];
        }
        else
        {
            int valHalf = Math.Max(2, (int)Math.Round(trainCount * 8.0 / 5216));
            val = [valHalf, valHalf];
        }
        return new Dictionary<string, int[]>(StringComparer.Ordinal)
        {
            ["train"] = [trainNormal, trainCount - trainNormal],
            ["val"] = val,
            ["test"] = [testNormal, test - testNormal],
        };
    }

    /// <summary>
    /// Writes the set into <paramref name="root"/> (default <see cref="DefaultDirectory"/>), each file
    /// atomically, the manifest last. A complete set with the same parameters is reused as it is; otherwise the old
    /// manifest is removed first and the generator's images that are not part of the new set are deleted.
    /// <paramref name="testCount"/> and <paramref name="valCount"/> override the split sizes (see <see cref="SplitCounts"/>);
    /// image i of a split is the same whatever the sizes, so a larger test set keeps the same training images.
    /// </summary>
    public static SyntheticChestXraySet Generate(string? root, int trainCount, int seed, int pixelSize = 256, Action<string>? log = null,
        int? testCount = null, int? valCount = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pixelSize, 32);
        root = Path.GetFullPath(root ?? DefaultDirectory(trainCount, seed, testCount, valCount));
        var counts = SplitCounts(trainCount, testCount, valCount);
        string manifestPath = Path.Combine(root, ManifestName);
        string manifest = JsonSerializer.Serialize(new
        {
            Kind = "synthetic stand-in for chest_xray (Kermany et al. 2018 layout); not medical data",
            Generator = "KdLabs.Data.SyntheticChestXray v2",
            Seed = seed, PixelSize = pixelSize, Counts = counts,
        }, new JsonSerializerOptions { WriteIndented = true });
        if (File.Exists(manifestPath) && File.ReadAllText(manifestPath) == manifest)
        {
            return new SyntheticChestXraySet(root, seed, pixelSize, counts, Reused: true);
        }
        // The old marker goes first: while images are being replaced the folder holds a mix of two sets, and an
        // interrupted run must leave it unmarked (so the next run regenerates it), never marked as the old set.
        if (File.Exists(manifestPath))
        {
            File.Delete(manifestPath);
        }
        log?.Invoke($"synthetic stand-in: writing {counts.Values.Sum(c => c.Sum()):N0} JPEG images ({pixelSize}×{pixelSize}) to {root}...");
        RemoveOtherImages(root, counts);
        foreach (var (split, perClass) in counts)
        {
            var jobs = perClass.SelectMany((n, label) => Enumerable.Range(0, n).Select(i => (Label: label, Index: i))).ToArray();
            Parallel.ForEach(jobs, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount / 2) }, job =>
            {
                string path = Path.Combine(root, split, ClassNames[job.Label], ImageName(split, job.Label, job.Index));
                var rng = new Random(MixSeed(seed, split, job.Label, job.Index));
                AtomicFile.WriteAllBytes(path, EncodeJpeg(Render(rng, pixelSize, job.Label == 1), pixelSize));
            });
        }
        AtomicFile.WriteAllText(Path.Combine(root, "README.txt"),
            "SYNTHETIC STAND-IN generated by KdLabs (kdlabs data synth chest-xray). These are drawn images, not radiographs and\n" +
            "not medical data. They mimic the folder layout and class balance of the Kaggle chest X-ray set (Kermany et al. 2018)\n" +
            "so the course runs offline. Results on them say nothing about pneumonia detection.\n");
        AtomicFile.WriteAllText(manifestPath, manifest);
        return new SyntheticChestXraySet(root, seed, pixelSize, counts, Reused: false);
    }

    private static string ImageName(string split, int label, int index) => $"synthetic-{split}-{ClassNames[label].ToLowerInvariant()}-{index:D5}.jpeg";

    // The loader reads every image in a class folder, so images of an earlier, larger set (or of other settings) left
    // beside the new ones would join it. Only the generator's own files are removed; anything else is the user's.
    private static void RemoveOtherImages(string root, IReadOnlyDictionary<string, int[]> counts)
    {
        foreach (var (split, perClass) in counts)
        {
            for (int label = 0; label < ClassNames.Count; label++)
            {
                string dir = Path.Combine(root, split, ClassNames[label]);
                if (!Directory.Exists(dir))
                {
                    continue;
                }
                var wanted = Enumerable.Range(0, perClass[label]).Select(i => ImageName(split, label, i)).ToHashSet(StringComparer.Ordinal);
                foreach (var file in Directory.EnumerateFiles(dir, "synthetic-*.jpeg").ToList())
                {
                    if (!wanted.Contains(Path.GetFileName(file)))
                    {
                        File.Delete(file);
                    }
                }
            }
        }
    }

    /// <summary>Draws one radiograph-like image as grey levels in [0, 1], row-major.</summary>
    public static float[] Render(Random rng, int size, bool pneumonia)
    {
        var img = new float[size * size];
        double s = size;
        double cx = s * (0.5 + Normal(rng) * 0.02);
        double scale = 1 + Normal(rng) * 0.05;
        double exposure = 0.9 + rng.NextDouble() * 0.25;

        var lungs = new (double X, double Y, double A, double B)[2];
        for (int side = 0; side < 2; side++)
        {
            double sign = side == 0 ? -1 : 1;
            lungs[side] = (cx + sign * s * 0.2 * scale, s * (0.48 + Normal(rng) * 0.01), s * (0.14 + rng.NextDouble() * 0.03) * scale, s * (0.29 + rng.NextDouble() * 0.04) * scale);
        }

        // Body, lungs, mediastinum and spine.
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                double body = Soft(Ellipse(x, y, cx, s * 0.56, s * 0.47 * scale, s * 0.62), 0.06);
                double v = 0.06 + 0.36 * body;
                foreach (var l in lungs)
                {
                    v -= 0.22 * Soft(Ellipse(x, y, l.X, l.Y, l.A, l.B), 0.12);
                }
                v += 0.22 * Soft(Ellipse(x, y, cx + s * 0.035, s * 0.63, s * 0.12 * scale, s * 0.15), 0.25);
                v += 0.12 * Math.Exp(-Math.Pow((x - cx) / (s * 0.035), 2)) * body;
                img[y * size + x] = (float)v;
            }
        }

        // Ribs: bright arcs crossing each lung, with random spacing, tilt and thickness.
        int ribs = 8 + rng.Next(3);
        double spacing = s * (0.062 + rng.NextDouble() * 0.008);
        double top = s * (0.2 + rng.NextDouble() * 0.03);
        double ribAmp = 0.045 + rng.NextDouble() * 0.04;
        for (int side = 0; side < 2; side++)
        {
            var l = lungs[side];
            double sign = side == 0 ? -1 : 1;
            for (int k = 0; k < ribs; k++)
            {
                double y0 = top + k * spacing;
                double thickness = s * (0.011 + rng.NextDouble() * 0.006);
                double tilt = 0.25 + rng.NextDouble() * 0.15;
                for (int x = (int)(l.X - l.A * 1.4); x <= (int)(l.X + l.A * 1.4); x++)
                {
                    if (x < 0 || x >= size)
                    {
                        continue;
                    }
                    double u = (x - cx) * sign / s;
                    double yc = y0 + s * (tilt * u - 0.9 * u * u);
                    for (int y = (int)(yc - 3 * thickness); y <= (int)(yc + 3 * thickness); y++)
                    {
                        if (y >= 0 && y < size)
                        {
                            double d = (y - yc) / thickness;
                            img[y * size + x] += (float)(ribAmp * Math.Exp(-d * d) * Soft(Ellipse(x, y, l.X, l.Y, l.A * 1.25, l.B * 1.1), 0.2));
                        }
                    }
                }
            }
            // Clavicle.
            for (int x = 0; x < size; x++)
            {
                double u = (x - cx) * sign / s;
                if (u < 0.03 || u > 0.36)
                {
                    continue;
                }
                double yc = s * (0.2 - 0.16 * u + 0.3 * (u - 0.2) * (u - 0.2));
                for (int y = Math.Max(0, (int)(yc - s * 0.04)); y < Math.Min(size, (int)(yc + s * 0.04)); y++)
                {
                    double d = (y - yc) / (s * 0.014);
                    img[y * size + x] += (float)(0.1 * Math.Exp(-d * d));
                }
            }
        }

        // Mottling in every image: broad, faint blobs anywhere, so brightness alone does not give the label away.
        int mottles = 2 + rng.Next(4);
        for (int m = 0; m < mottles; m++)
        {
            double amp = (rng.NextDouble() - 0.35) * 0.09;
            AddBlob(img, size, rng.NextDouble() * s, rng.NextDouble() * s, s * (0.05 + rng.NextDouble() * 0.12), s * (0.05 + rng.NextDouble() * 0.12), amp, rng, texture: 0.3);
        }
        // Small dense spots (vessels seen end-on, nipple shadows, ECG leads) in both classes.
        int spots = rng.Next(4);
        for (int m = 0; m < spots; m++)
        {
            double r = s * (0.008 + rng.NextDouble() * 0.015);
            AddBlob(img, size, rng.NextDouble() * s, s * (0.2 + rng.NextDouble() * 0.6), r, r, 0.08 + rng.NextDouble() * 0.15, rng, texture: 0);
        }

        if (pneumonia)
        {
            int opacities = 1 + (rng.NextDouble() < 0.35 ? 1 : 0) + (rng.NextDouble() < 0.15 ? 1 : 0);
            for (int o = 0; o < opacities; o++)
            {
                var l = lungs[rng.Next(2)];
                double angle = rng.NextDouble() * 2 * Math.PI;
                double radius = Math.Sqrt(rng.NextDouble()) * 0.8;
                double ox = l.X + Math.Cos(angle) * radius * l.A;
                double oy = l.Y + Math.Sin(angle) * radius * l.B;
                double size0 = s * (0.035 + Math.Pow(rng.NextDouble(), 1.5) * 0.1);
                double intensity = 0.07 + Math.Pow(rng.NextDouble(), 1.3) * 0.23;
                AddBlob(img, size, ox, oy, size0 * (0.7 + rng.NextDouble() * 0.8), size0 * (0.7 + rng.NextDouble() * 0.8), intensity, rng, texture: 0.5);
            }
        }

        double contrast = 0.85 + rng.NextDouble() * 0.3;
        double gamma = 0.85 + rng.NextDouble() * 0.3;
        double noise = 0.015 + rng.NextDouble() * 0.03;
        double gradient = (rng.NextDouble() - 0.5) * 0.1;
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                double v = img[y * size + x] * exposure * contrast + gradient * (y / s - 0.5) + noise * Normal(rng);
                img[y * size + x] = (float)Math.Pow(Math.Clamp(v, 0, 1), gamma);
            }
        }
        return img;
    }

    /// <summary>Encodes [0, 1] grey levels as a baseline JPEG (quality 90) with SkiaSharp.</summary>
    public static byte[] EncodeJpeg(float[] grey, int size)
    {
        var bytes = new byte[grey.Length];
        for (int i = 0; i < grey.Length; i++)
        {
            bytes[i] = (byte)Math.Clamp((int)Math.Round(grey[i] * 255), 0, 255);
        }
        var info = new SKImageInfo(size, size, SKColorType.Gray8, SKAlphaType.Opaque);
        using var image = SKImage.FromPixelCopy(info, bytes);
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    // An explicit mix, not HashCode.Combine: that one is seeded randomly per process, and the files must not be.
    private static int MixSeed(int seed, string split, int label, int index)
    {
        ulong h = 1469598103934665603UL;
        foreach (char c in $"{seed.ToString(CultureInfo.InvariantCulture)}|{split}|{label}|{index}")
        {
            h = (h ^ c) * 1099511628211UL;
        }
        return (int)(h ^ (h >> 32));
    }

    private static void AddBlob(float[] img, int size, double x0, double y0, double rx, double ry, double amplitude, Random rng, double texture)
    {
        double phase1 = rng.NextDouble() * 6.3, phase2 = rng.NextDouble() * 6.3, freq = 0.5 + rng.NextDouble();
        for (int y = Math.Max(0, (int)(y0 - 3 * ry)); y < Math.Min(size, (int)(y0 + 3 * ry) + 1); y++)
        {
            for (int x = Math.Max(0, (int)(x0 - 3 * rx)); x < Math.Min(size, (int)(x0 + 3 * rx) + 1); x++)
            {
                double dx = (x - x0) / rx, dy = (y - y0) / ry;
                double g = Math.Exp(-0.5 * (dx * dx + dy * dy));
                double t = 1 + texture * 0.3 * (Math.Sin(freq * x * 0.2 + phase1) * Math.Sin(freq * y * 0.17 + phase2));
                img[y * size + x] += (float)(amplitude * g * t);
            }
        }
    }

    private static double Ellipse(double x, double y, double cx, double cy, double a, double b)
    {
        double dx = (x - cx) / a, dy = (y - cy) / b;
        return Math.Sqrt(dx * dx + dy * dy);
    }

    // 1 inside (r < 1), 0 outside, with a smooth edge of relative width w.
    private static double Soft(double r, double w) => 1 / (1 + Math.Exp((r - 1) / w));

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
