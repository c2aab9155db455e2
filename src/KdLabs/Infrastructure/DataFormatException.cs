namespace KdLabs.Infrastructure;

/// <summary>
/// A data file or folder that cannot be used as it is. The message names the file, the field that is
/// wrong and what to do about it, so a user can act on it without reading the code.
/// </summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public DataFormatException(string path, string field, string problem, string fix)
        : this(path, field, problem, fix, null)
    {
    }

    /// <summary>Creates the exception for <paramref name="path"/>, keeping the parser's own exception as the cause.</summary>
    public DataFormatException(string path, string field, string problem, string fix, Exception? inner)
        : base($"{path}: {field}: {problem}. {fix}", inner)
    {
        FilePath = path;
        Field = field;
    }

    /// <summary>The file or folder at fault.</summary>
    public string FilePath { get; }

    /// <summary>The header field, record or property that is wrong.</summary>
    public string Field { get; }
}
