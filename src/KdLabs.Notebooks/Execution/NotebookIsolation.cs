namespace KdLabs.Notebooks.Execution;

/// <summary>Where a notebook's cells run.</summary>
public enum NotebookIsolation
{
    /// <summary>
    /// In a worker process (the default): a stack overflow, an exception on another thread or from <c>async void</c>,
    /// or <c>Environment.Exit</c> in a cell ends the worker, not the runner, which still writes the executed notebook
    /// and HTML up to that cell; an endless cell can be stopped by killing the worker.
    /// </summary>
    Worker,

    /// <summary>In the calling process: no start-up cost, custom <see cref="NotebookRunRequest.Formatters"/> apply, but a crashing cell ends the caller and an endless cell is only abandoned.</summary>
    InProcess,
}
