using System.Diagnostics;
using System.Globalization;
using KdLabs.Infrastructure;

namespace KdLabs.Data;

/// <summary>
/// Loads one split of an <see cref="ImageFolderIndex"/> into an <see cref="InMemoryDataset"/> of
/// normalised C×N×N images: decoded with <see cref="GrayscaleImageDecoder"/>, or read from the
/// <see cref="DecodedImageCache"/> when nothing changed. Files that fail to decode are skipped and
/// listed; if more than <see cref="ImageLoadOptions.MaxBadFraction"/> of a split fails, it is refused.
/// </summary>
internal static class ImageFolderDataset
{
    /// <summary>Loads <paramref name="split"/> (e.g. "train"); <paramref name="datasetName"/> prefixes the dataset name and cache file.</summary>
    public static ImageSplitLoad Load(ImageFolderIndex index, string split, ImageLoadOptions options, string datasetName = "images", Action<string>? log = null)
    {
        options.Validate();
        var files = index.Files(split);
        var clock = Stopwatch.StartNew();
        string key = DecodedImageCache.Key(files, options.Size);
        string cachePath = DecodedImageCache.PathFor($"{datasetName}-{split}", options.Size, key);
        bool fromCache = false;
        DecodedImages? images = options.UseCache ? DecodedImageCache.TryRead(cachePath, log) : null;
        if (images is not null)
        {
            fromCache = true;
        }
        else
        {
            images = Decode(files, options, log is null ? null : line => log($"{datasetName}-{split}: decoding {line}"));
            CheckBadFraction(Path.Combine(index.Root, split), files.Count, images.Skipped, options.MaxBadFraction);
            if (options.UseCache)
            {
                DecodedImageCache.Write(cachePath, images);
            }
        }
        var data = ToDataset(images, options, $"{datasetName}-{split}", index.ClassNames);
        clock.Stop();
        return new ImageSplitLoad(data, images.Skipped, fromCache, clock.Elapsed.TotalSeconds, cachePath);
    }

    /// <summary>Turns decoded pixels into a normalised dataset.</summary>
    public static InMemoryDataset ToDataset(DecodedImages images, ImageLoadOptions options, string name, IReadOnlyList<string> classNames)
    {
        var x = options.Normalization.Apply(images.Pixels, images.Labels.Length, images.Size);
        var y = TorchSharp.torch.tensor(images.Labels);
        return new InMemoryDataset(name, x, y, classNames);
    }

    /// <summary>
    /// Decodes every file; failures are collected, not thrown. When <paramref name="progress"/> is given, decoding that
    /// takes longer than ten seconds reports on it every ten seconds.
    /// </summary>
    public static DecodedImages Decode(IReadOnlyList<ImageFile> files, ImageLoadOptions options, Action<string>? progress = null)
    {
        int n = options.Size * options.Size;
        var pixels = new byte[files.Count * n];
        var errors = new string?[files.Count];
        var throttle = progress is null ? null : new Evaluation.ProgressThrottle();
        int done = 0;
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelism }, i =>
        {
            errors[i] = GrayscaleImageDecoder.TryDecode(files[i].Path, options.Size, pixels.AsSpan(i * n, n));
            int count = Interlocked.Increment(ref done);
            if (throttle is not null && count < files.Count)
            {
                lock (throttle)
                {
                    if (throttle.Due())
                    {
                        var elapsed = throttle.Elapsed;
                        progress!($"{Evaluation.ProgressThrottle.Count(count)}/{Evaluation.ProgressThrottle.Count(files.Count)} images  {Evaluation.ProgressThrottle.Count(count / elapsed.TotalSeconds)} img/s  ~{Evaluation.ProgressThrottle.Format(Evaluation.ProgressThrottle.Left(elapsed, count, files.Count))} left");
                    }
                }
            }
        });

        var keep = Enumerable.Range(0, files.Count).Where(i => errors[i] is null).ToArray();
        var kept = new byte[keep.Length * n];
        for (int j = 0; j < keep.Length; j++)
        {
            Buffer.BlockCopy(pixels, keep[j] * n, kept, j * n, n);
        }
        var skipped = Enumerable.Range(0, files.Count).Where(i => errors[i] is not null).Select(i => new SkippedImage(files[i].Path, errors[i]!)).ToList();
        return new DecodedImages(options.Size, keep.Select(i => (long)files[i].Label).ToArray(), kept,
            keep.Select(i => files[i].Path).ToList(), skipped);
    }

    private static void CheckBadFraction(string folder, int total, IReadOnlyList<SkippedImage> skipped, double maxFraction)
    {
        if (skipped.Count == 0)
        {
            return;
        }
        double fraction = (double)skipped.Count / total;
        if (fraction > maxFraction || skipped.Count == total)
        {
            string examples = string.Join("; ", skipped.Take(3).Select(s => $"{s.Path}: {s.Reason}"));
            throw new DataFormatException(folder, "images",
                $"{skipped.Count} of {total} files ({fraction.ToString("P1", CultureInfo.InvariantCulture)}) cannot be decoded, more than the {maxFraction.ToString("P1", CultureInfo.InvariantCulture)} allowed (e.g. {examples})",
                "The download is probably incomplete: download and unpack it again (see docs/chest-xray.md).");
        }
    }
}
