namespace KdLabs.Notebooks.Execution;

/// <summary>
/// What a cell's <c>Console.ReadLine()</c> gets. A notebook run has no one to type: the runner and papermill would wait
/// forever on a pipe, so a cell's read ends at once with an error that says why, unless the host answers reads
/// (<see cref="OutputCollector.ReadInput"/>: the kit's kernel asks its frontend when the frontend allows input).
/// </summary>
internal static class CellInput
{
    /// <summary>The error a cell's console read ends with when no input can come.</summary>
    public static InvalidOperationException NoInput() => new(
        "Console.ReadLine(): this cell asked for typed input, but notebook cells have no console to read from (`kdlabs run`, " +
        "papermill and nbclient run cells without input, and so does a frontend that does not allow it); set the value in the " +
        "cell, or make it a parameter of the notebook (-p name=value).");

    /// <summary>A line for the cell reading through <paramref name="collector"/>, or the <see cref="NoInput"/> error.</summary>
    public static string ReadLine(OutputCollector collector) =>
        collector.ReadInput?.Invoke("") ?? throw NoInput();
}
