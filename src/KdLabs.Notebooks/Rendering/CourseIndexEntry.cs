using KdLabs.Notebooks.Execution;

namespace KdLabs.Notebooks.Rendering;

/// <summary>One row of the course index page.</summary>
public sealed record CourseIndexEntry(string Name, NotebookRunResult Result);
