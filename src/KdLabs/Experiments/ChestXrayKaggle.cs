using KdLabs.Data;

namespace KdLabs.Experiments;

/// <summary>
/// The Kaggle release "Chest X-Ray Images (Pneumonia)" (paultimothymooney/chest-xray-pneumonia, CC BY 4.0,
/// from Kermany et al. 2018, Cell 172(5)): the file counts per split and class, NORMAL/PNEUMONIA, as
/// the dataset description gives them (split totals 5,216 / 16 / 624).
/// </summary>
internal static class ChestXrayKaggle
{
    /// <summary>Split → (NORMAL, PNEUMONIA) images.</summary>
    public static IReadOnlyDictionary<string, int[]> Counts { get; } = new Dictionary<string, int[]>(StringComparer.Ordinal)
    {
        ["train"] = [1341, 3875],
        ["val"] = [8, 8],
        ["test"] = [234, 390],
    };

    /// <summary>Lines saying whether a folder matches the release; a mismatch is reported, not refused (a subset is fine).</summary>
    public static IReadOnlyList<string> CompareCounts(ImageFolderIndex index)
    {
        if (!index.ClassNames.SequenceEqual(["NORMAL", "PNEUMONIA"]))
        {
            return [$"note: classes are {string.Join(", ", index.ClassNames)}, not the Kaggle NORMAL, PNEUMONIA"];
        }
        var lines = new List<string>();
        foreach (var (split, expected) in Counts)
        {
            if (!index.Splits.ContainsKey(split))
            {
                lines.Add($"note: split '{split}' is missing (Kaggle has {expected[0]}/{expected[1]} NORMAL/PNEUMONIA)");
                continue;
            }
            var actual = index.ClassCounts(split);
            if (!actual.SequenceEqual(expected))
            {
                lines.Add($"note: {split} has {actual[0]}/{actual[1]} NORMAL/PNEUMONIA, the Kaggle release {expected[0]}/{expected[1]}: a subset or another version? Check the download if unintended.");
            }
        }
        if (lines.Count == 0)
        {
            lines.Add("counts match the Kaggle release exactly (train 1341/3875, val 8/8, test 234/390 NORMAL/PNEUMONIA)");
        }
        return lines;
    }
}
