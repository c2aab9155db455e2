namespace KdLabs.Notebooks.Parameters;

/// <summary>Bad <c>-p name=value</c> input; thrown before any cell runs.</summary>
public sealed class ParameterException(string message) : Exception(message);
