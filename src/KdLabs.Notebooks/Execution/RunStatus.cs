namespace KdLabs.Notebooks.Execution;

/// <summary>How a notebook run ended.</summary>
public enum RunStatus
{
    /// <summary>Every cell ran without error.</summary>
    Succeeded,

    /// <summary>A cell failed (compile error, exception or bad directive); later cells did not run.</summary>
    Failed,

    /// <summary>The cancellation token fired; cells that ran keep their outputs.</summary>
    Cancelled,
}
