using System.Globalization;
using System.Text;
using KdLabs.Infrastructure;

namespace KdLabs.Data;

/// <summary>
/// The files of a torchvision-style image folder, <c>root/{split}/{class}/*.jpeg</c>, found by
/// <see cref="ImageFolderIndex.Discover"/>. Classes are the class-folder names in ordinal order, as
/// torchvision's <c>ImageFolder</c> sorts them, so label 0 is NORMAL and 1 is PNEUMONIA for the Kaggle set.
/// </summary>
public sealed class ImageFolderIndex
{
    /// <summary>File name endings that are read as images (case-insensitive).</summary>
    public static IReadOnlyList<string> ImageExtensions { get; } = [".jpeg", ".jpg", ".png"];

    private ImageFolderIndex(string root, IReadOnlyList<string> classNames, IReadOnlyDictionary<string, IReadOnlyList<ImageFile>> splits)
    {
        Root = root;
        ClassNames = classNames;
        Splits = splits;
    }

    /// <summary>The folder that holds the split folders.</summary>
    public string Root { get; }

    /// <summary>Class names in label order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Split name → its image files, sorted by path.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ImageFile>> Splits { get; }

    /// <summary>Images per class in <paramref name="split"/>.</summary>
    public int[] ClassCounts(string split)
    {
        var counts = new int[ClassNames.Count];
        foreach (var file in Files(split))
        {
            counts[file.Label]++;
        }
        return counts;
    }

    /// <summary>The files of one split; throws naming the folder when the split is missing.</summary>
    public IReadOnlyList<ImageFile> Files(string split) =>
        Splits.TryGetValue(split, out var files) ? files
            : throw new DataFormatException(Path.Combine(Root, split), "split folder", "missing",
                $"Expected the layout {Root}/{{{string.Join(",", Splits.Keys)}}}/{{{string.Join(",", ClassNames)}}}/*.jpeg.");

    /// <summary>Majority count over minority count of a split (1 = balanced).</summary>
    public double ImbalanceRatio(string split)
    {
        var counts = ClassCounts(split);
        return counts.Min() == 0 ? double.PositiveInfinity : (double)counts.Max() / counts.Min();
    }

    /// <summary>One line per split: counts per class, share of the largest class and the imbalance ratio.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var split in Splits.Keys)
        {
            var counts = ClassCounts(split);
            int total = counts.Sum();
            string perClass = string.Join(", ", ClassNames.Select((c, i) => $"{c} {counts[i]:N0}"));
            string share = total == 0 ? "" : $"; {ClassNames[Array.IndexOf(counts, counts.Max())]} is {(double)counts.Max() / total:P0}, imbalance {ImbalanceRatio(split).ToString("0.00", CultureInfo.InvariantCulture)}:1";
            text.AppendLine(CultureInfo.InvariantCulture, $"{split}: {total:N0} images ({perClass}{share})");
        }
        return text.ToString().TrimEnd();
    }

    /// <summary>
    /// Finds the splits and classes under <paramref name="root"/>. Every split must hold the same class
    /// folders. When <paramref name="root"/> has no split folders but a <c>chest_xray</c> sub-folder has
    /// (the Kaggle archive nests one), that sub-folder is used. Hidden files and <c>__MACOSX</c> are ignored.
    /// </summary>
    public static ImageFolderIndex Discover(string root, IReadOnlyList<string>? splits = null)
    {
        splits ??= ["train", "val", "test"];
        if (!Directory.Exists(root))
        {
            throw new DataFormatException(root, "folder", "not found",
                "Download the data set (see docs/chest-xray.md) and unpack it there, or use the offline synthetic stand-in (Synthetic) instead.");
        }
        root = Path.GetFullPath(root);
        if (!splits.Any(s => Directory.Exists(Path.Combine(root, s))) && Directory.Exists(Path.Combine(root, "chest_xray")))
        {
            root = Path.Combine(root, "chest_xray");
        }
        var present = splits.Where(s => Directory.Exists(Path.Combine(root, s))).ToList();
        if (present.Count == 0)
        {
            throw new DataFormatException(root, "split folders", $"none of {string.Join(", ", splits)} exists",
                "Set the data folder (Lab.DataDirectory) to the folder that contains train/ and test/ (for Kaggle: the unpacked chest_xray folder).");
        }
        var classNames = ClassFolders(Path.Combine(root, present[0]));
        if (classNames.Count < 2)
        {
            throw new DataFormatException(Path.Combine(root, present[0]), "class folders", $"found {classNames.Count} ({string.Join(", ", classNames)}), need at least 2",
                "Each split folder must hold one sub-folder per class, e.g. NORMAL/ and PNEUMONIA/.");
        }
        var result = new Dictionary<string, IReadOnlyList<ImageFile>>(StringComparer.Ordinal);
        foreach (var split in present)
        {
            string splitDir = Path.Combine(root, split);
            var here = ClassFolders(splitDir);
            if (!here.SequenceEqual(classNames, StringComparer.Ordinal))
            {
                throw new DataFormatException(splitDir, "class folders", $"{string.Join(", ", here)} differ from {present[0]}'s {string.Join(", ", classNames)}",
                    "Every split must have the same class folders; the download may be incomplete.");
            }
            result[split] = classNames
                .SelectMany((name, label) => Directory.EnumerateFiles(Path.Combine(splitDir, name))
                    .Where(IsImage)
                    .Select(path => new ImageFile(path, label)))
                .OrderBy(f => f.Path, StringComparer.Ordinal)
                .ToList();
        }
        return new ImageFolderIndex(root, classNames, result);
    }

    /// <summary>Throws unless there are exactly <paramref name="count"/> class folders.</summary>
    public void RequireClasses(int count, string why)
    {
        if (ClassNames.Count != count)
        {
            throw new DataFormatException(Root, "class folders", $"found {ClassNames.Count} ({string.Join(", ", ClassNames)}), but {why} and needs exactly {count}",
                $"Keep {count} class folders in every split and move the others out of {Root}.");
        }
    }

    /// <summary>Throws when a class of <paramref name="split"/> has no image.</summary>
    public void RequireEveryClassIn(string split)
    {
        var counts = ClassCounts(split);
        for (int c = 0; c < counts.Length; c++)
        {
            if (counts[c] == 0)
            {
                throw new DataFormatException(Path.Combine(Root, split, ClassNames[c]), "images", $"none ({string.Join(", ", ImageExtensions)})",
                    "Every class needs images in every split; the download or copy may be incomplete.");
            }
        }
    }

    private static List<string> ClassFolders(string splitDir) =>
        Directory.EnumerateDirectories(splitDir)
            .Select(Path.GetFileName)
            .Where(n => n is not null && !n.StartsWith('.') && n != "__MACOSX")
            .Select(n => n!)
            .Order(StringComparer.Ordinal)
            .ToList();

    private static bool IsImage(string path)
    {
        string name = Path.GetFileName(path);
        return !name.StartsWith('.') && ImageExtensions.Any(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase));
    }
}
