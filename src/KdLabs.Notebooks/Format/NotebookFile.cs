namespace KdLabs.Notebooks.Format;

/// <summary>Loads a notebook by file extension (.ipynb or .dib).</summary>
public static class NotebookFile
{
    /// <summary>Reads a .ipynb or .dib file.</summary>
    /// <exception cref="FormatException">Unknown extension or malformed file; the message names the file.</exception>
    public static Notebook Load(string path)
    {
        try
        {
            return Path.GetExtension(path).ToLowerInvariant() switch
            {
                ".ipynb" => IpynbFormat.Read(path),
                ".dib" => DibFormat.Read(path),
                var ext => throw new FormatException($"unsupported notebook extension '{ext}' (use .ipynb or .dib)"),
            };
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
    }
}
