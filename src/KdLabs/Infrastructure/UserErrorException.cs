namespace KdLabs.Infrastructure;

/// <summary>
/// An expected failure caused by the input, the settings or the machine (a missing tool, a refused download), not by
/// a bug in the kit. Its message says what is wrong and what to do; front ends show it as one line, without a stack
/// trace. Bugs stay <see cref="InvalidOperationException"/> and the like, and keep their stack trace.
/// </summary>
public sealed class UserErrorException : Exception
{
    /// <summary>Creates the exception with a message naming the problem and the fix.</summary>
    public UserErrorException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with the underlying cause.</summary>
    public UserErrorException(string message, Exception inner) : base(message, inner)
    {
    }
}
