namespace KdLabs.Infrastructure;

/// <summary>
/// Marks the <see cref="ArgumentException"/>s of options' <c>Validate()</c> methods as a user's setting out of range, so
/// front ends show them as one line naming the option, while an <see cref="ArgumentException"/> from anywhere else (a
/// bug: a library call with a wrong argument) keeps its stack trace. The exception's type is unchanged.
/// </summary>
public static class OptionsValidation
{
    private const string Marker = "KdLabs.OptionsValidation";

    /// <summary>Runs <paramref name="validate"/>, marking any <see cref="ArgumentException"/> it throws before rethrowing it.</summary>
    public static void Run(Action validate)
    {
        try
        {
            validate();
        }
        catch (ArgumentException e)
        {
            Mark(e);
            throw;
        }
    }

    /// <summary>Marks <paramref name="e"/> as a setting out of range and returns it.</summary>
    public static T Mark<T>(T e) where T : Exception
    {
        e.Data[Marker] = true;
        return e;
    }

    /// <summary>True when <paramref name="e"/> was thrown by an option's validation.</summary>
    public static bool IsMarked(Exception e) => e.Data.Contains(Marker);
}
