using KdLabs.Data;
using KdLabs.Training;

namespace KdLabs.Studio;

/// <summary>
/// The studio's training subsets: the first N images of the full training set with the first N rows of the teacher's
/// cached logits. Both are views (<c>narrow</c>) over the full set's tensors, never copies, so a subset costs no
/// memory however many sizes the page's slider asks for; and only the most recent one is held (a run trains its KD
/// student and its baseline on the same size), the one before it disposed (which frees its views, not the full set).
/// Not thread-safe, like the <see cref="StudioEngine"/> that owns it.
/// </summary>
internal sealed class PrefixSubsets(InMemoryDataset full, TeacherLogitCache logits, string teacherId) : IDisposable
{
    private (int Size, InMemoryDataset Train, TeacherLogitCache Logits)? last;

    /// <summary>Subsets held now (0 or 1): the bound the tests check.</summary>
    internal int Held => last is null ? 0 : 1;

    /// <summary>
    /// The first <paramref name="size"/> images and their logits; the full set itself when <paramref name="size"/>
    /// covers it. Valid until the next call with another size or <see cref="Dispose"/>.
    /// </summary>
    public (InMemoryDataset Train, TeacherLogitCache Logits) Get(int size)
    {
        if (size >= full.Count)
        {
            return (full, logits);
        }
        if (last is { } held && held.Size == size)
        {
            return (held.Train, held.Logits);
        }
        Release();
        // The same name, samples and order as full.Take(size), whose index_select copy this replaces: the same
        // fingerprint and bit-identical batches. Rows stay aligned by sample index with the cached logits.
        var train = new InMemoryDataset($"{full.Name}[:{size}]", full.Features.narrow(0, 0, size), full.Labels.narrow(0, 0, size), full.ClassNames);
        TeacherLogitCache rows;
        try
        {
            rows = TeacherLogitCache.FromLogits(logits.All.narrow(0, 0, size), train.Fingerprint, teacherId);
        }
        catch
        {
            train.Dispose();
            throw;
        }
        last = (size, train, rows);
        return (train, rows);
    }

    /// <inheritdoc />
    public void Dispose() => Release();

    private void Release()
    {
        if (last is { } held)
        {
            last = null;
            held.Train.Dispose();
            held.Logits.Dispose();
        }
    }
}
