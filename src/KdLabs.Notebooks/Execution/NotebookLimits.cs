namespace KdLabs.Notebooks.Execution;

/// <summary>Time limits for each notebook of a course run (see <see cref="NotebookRunRequest.CellTimeout"/> and <see cref="NotebookRunRequest.Timeout"/>).</summary>
/// <param name="CellTimeout">Longest a single cell may run; null: no limit (the CLI passes <see cref="NotebookRunRequest.DefaultCellTimeout"/> unless told).</param>
/// <param name="Timeout">Longest one notebook may run; null: no limit.</param>
public sealed record NotebookLimits(TimeSpan? CellTimeout, TimeSpan? Timeout);
