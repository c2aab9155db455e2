namespace KdLabs.Notebooks.Format;

/// <summary>The value of a cell's trailing expression, like Jupyter's execute_result.</summary>
public sealed class ExecuteResultOutput(MimeBundle data, int executionCount) : DisplayDataOutput(data)
{
    /// <inheritdoc />
    public override string OutputType => "execute_result";

    /// <summary>The execution count of the cell that produced it.</summary>
    public int ExecutionCount { get; set; } = executionCount;
}
